import Dispatch
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The daemon's HTTP listener (Hummingbird 2 on an event loop of its own, so HTTP never delays ng requests):
/// `/metrics`, `/api/calls`, `/api/calls/{call-id}`, `/api/totals`, `/events` and the dashboard at `/`.
/// Started and stopped from the daemon's main thread, which is not async: both block until done.
final class HTTPServer {
    let boundPort: Int
    private let group: MultiThreadedEventLoopGroup
    private let monitor: RelayMonitor
    private let services: ServiceGroup
    private let finished: DispatchSemaphore
    private let logger: Logger

    private init(boundPort: Int, group: MultiThreadedEventLoopGroup, monitor: RelayMonitor, services: ServiceGroup,
                 finished: DispatchSemaphore, logger: Logger) {
        self.boundPort = boundPort
        self.group = group
        self.monitor = monitor
        self.services = services
        self.finished = finished
        self.logger = logger
    }

    /// The daemon's HTTP listener, or nil when `--listen-http=off`.
    static func start(_ listen: ListenAddress?, control: ControlLoopAccess, stack: ControlStack,
                      logger: Logger) throws(StartupError) -> HTTPServer? {
        guard let listen else { return nil }
        let monitor = RelayMonitor(control: control, accounting: stack.accounting, media: stack.media)
        return try start(listen, monitor: monitor, logger: logger)
    }

    /// Binds and starts serving; throws when the address cannot be bound.
    static func start(_ listen: ListenAddress, monitor: RelayMonitor, logger: Logger) throws(StartupError) -> HTTPServer {
        let host = listen.host ?? "0.0.0.0"
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let started = StartOutcome()
        let finished = DispatchSemaphore(value: 0)
        let app = Application(
            router: HTTPRoutes.router(monitor: monitor),
            configuration: .init(address: .hostname(host, port: Int(listen.port)), serverName: "rtprelayd"),
            onServerRunning: { channel in started.resolve(.success(channel.localAddress?.port ?? Int(listen.port))) },
            eventLoopGroupProvider: .shared(group),
            logger: logger)
        // No signal handling here: the daemon's main thread takes SIGTERM/SIGINT and calls `stop()`.
        let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
        Task {
            do {
                try await services.run()
            } catch {
                started.resolve(.failure(error))
            }
            started.resolve(.failure(CancellationError()))
            finished.signal()
        }
        switch started.wait() {
        case .success(let port):
            monitor.start()
            logger.info("http listener bound", metadata: ["address": "\(ListenAddress(host: host, port: UInt16(port)))"])
            return HTTPServer(boundPort: port, group: group, monitor: monitor, services: services, finished: finished,
                              logger: logger)
        case .failure(let error):
            finished.wait()
            try? group.syncShutdownGracefully()
            throw .listenHTTP(address: "\(ListenAddress(host: host, port: listen.port))", reason: NGListener.describe(error))
        }
    }

    /// Ends event streams, closes the listener and every connection, and releases the port.
    func stop() {
        monitor.stop()
        // Graceful: the listening socket closes, idle connections close, requests in flight finish (event streams
        // already ended with the monitor above).
        let services = self.services
        Task { await services.triggerGracefulShutdown() }
        if finished.wait(timeout: .now() + .seconds(5)) == .timedOut {
            logger.warning("http listener did not stop within 5 s")
        }
        try? group.syncShutdownGracefully()
    }
}

/// The first of "bound" or "failed", handed from the server task to the starting thread.
private final class StartOutcome: Sendable {
    private let outcome = Mutex<Result<Int, any Error>?>(nil)
    private let ready = DispatchSemaphore(value: 0)

    func resolve(_ result: Result<Int, any Error>) {
        let first = outcome.withLock { outcome in
            guard outcome == nil else { return false }
            outcome = result
            return true
        }
        if first { ready.signal() }
    }

    func wait() -> Result<Int, any Error> {
        ready.wait()
        return outcome.withLock { $0! }
    }
}
