import Logging
import RTPWire

/// What the daemon holds on to: the media plane (for shutdown and the port count) and a way to make
/// the ng request handler on the control event loop.
struct ControlStack: Sendable {
    var media: any MediaPlaneLifecycle
    var makeRequestHandler: @Sendable () -> any NGRequestHandler
}

/// The parts of the media plane's lifecycle the daemon drives.
protocol MediaPlaneLifecycle: Sendable {
    var portsInUse: Int { get }
    func shutdown()
}

/// Creates the media plane and the ng engine from the configuration.
enum EngineWiring {
    static func makeStack(configuration: DaemonConfiguration, logger: Logger) throws(StartupError) -> ControlStack {
        try InterfaceCheck.verify(configuration.interfaces)
        // The ng engine (ControlProtocol) and the relay (RTPRelay) are built on their own branches;
        // until both are on main the daemon refuses to start rather than pretend to relay.
        throw .mediaPlane("this build has no media plane or ng engine linked in yet")
    }
}
