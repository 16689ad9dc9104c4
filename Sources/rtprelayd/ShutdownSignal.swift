#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM/SIGINT as a blocking wait on the main thread. The signals are blocked before any other
/// thread exists, so every thread (event loop, media workers) inherits the mask and the signal is
/// only ever taken by `sigwait` here: no async-signal-safety concerns, no lost signal in start-up.
struct ShutdownSignal {
    private var set = sigset_t()

    init(signals: [Int32]) {
        sigemptyset(&set)
        for number in signals { sigaddset(&set, number) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits for one of the signals and returns its name.
    func wait() -> String {
        var set = self.set
        var number: Int32 = 0
        while sigwait(&set, &number) != 0 {}
        switch number {
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        default: return "signal \(number)"
        }
    }
}
