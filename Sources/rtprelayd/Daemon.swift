import Logging
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Owns start-up and clean shutdown: media plane, control engine on one event loop, ng listener,
/// the once-a-second timer tick, and SIGTERM/SIGINT handling.
final class Daemon {
    let configuration: DaemonConfiguration
    let logger: Logger

    init(configuration: DaemonConfiguration) {
        self.configuration = configuration
        let level = configuration.logLevel.loggerLevel
        var logger = Logger(label: "rtprelayd") { label in KeyValueLogHandler(label: label, level: level) }
        logger.logLevel = level
        self.logger = logger
    }

    /// Runs until SIGTERM or SIGINT, then stops cleanly. Throws only for start-up failures.
    func run() throws(StartupError) {
        // Signals are turned into dispatch events before anything starts, so none is lost in start-up.
        let stop = ShutdownSignal(signals: [SIGTERM, SIGINT])

        let stack = try EngineWiring.makeStack(configuration: configuration, logger: logger)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let requests: NIOLoopBound<any NGRequestHandler>
        do {
            requests = try loop.submit { NIOLoopBound(stack.makeRequestHandler(), eventLoop: loop) }.wait()
        } catch {
            stack.media.shutdown()
            try? group.syncShutdownGracefully()
            throw .eventLoop("\(error)")
        }

        let channels: [any Channel]
        do {
            channels = try NGListener.bind(configuration.listenNG, on: loop, requests: requests, logger: logger)
        } catch {
            try? loop.submit { requests.value.shutdown() }.wait()
            stack.media.shutdown()
            try? group.syncShutdownGracefully()
            throw error
        }
        let http: HTTPServer?
        do {
            http = try HTTPServer.start(configuration.listenHTTP, control: ControlLoopAccess(loop: loop, state: requests),
                                        stack: stack, logger: logger)
        } catch {
            for channel in channels { try? channel.close().wait() }
            try? loop.submit { requests.value.shutdown() }.wait()
            stack.media.shutdown()
            try? group.syncShutdownGracefully()
            throw error
        }
        let ticker = loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            requests.value.tick()
        }
        logger.notice("rtprelayd started", metadata: [
            "listen_ng": "\(configuration.listenNG)",
            "listen_http": "\(http.map { "\(configuration.listenHTTP?.host ?? "*"):\($0.boundPort)" } ?? "off")",
            "interfaces": "\(configuration.interfaces.map { "\($0.name)/\($0.localAddress)!\($0.advertisedAddress)" }.joined(separator: ","))",
            "ports": "\(configuration.portMin)-\(configuration.portMax)",
            "threads": "\(configuration.workerThreads)",
            "io": "\(configuration.io.rawValue)",
        ])

        let signal = stop.wait()
        logger.notice("stopping", metadata: ["signal": "\(signal)"])
        http?.stop()
        for channel in channels { try? channel.close().wait() }
        ticker.cancel()
        let portsBefore = stack.media.portsInUse
        try? loop.submit { requests.value.shutdown() }.wait()
        stack.records?.close()
        stack.media.shutdown()
        try? group.syncShutdownGracefully()
        logger.notice("rtprelayd stopped", metadata: [
            "ports_in_use_at_stop": "\(portsBefore)", "ports_in_use_now": "\(stack.media.portsInUse)",
        ])
    }
}
