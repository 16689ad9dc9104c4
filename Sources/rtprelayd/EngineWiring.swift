import ControlProtocol
import Logging
import RTPRelay
import RTPWire

/// What the daemon holds on to: the media plane (for shutdown and the port count) and a way to make
/// the ng request handler on the control event loop.
struct ControlStack: Sendable {
    var media: any MediaPlaneLifecycle
    /// The engine's view of the media plane, keeping traffic and ended-call MOS for the metrics.
    var accounting: AccountedMediaPlane
    var makeRequestHandler: @Sendable () -> any NGRequestHandler
    /// The call-record writer when `--call-records` is set (closed at shutdown, after the last calls ended).
    var records: CallRecordWriter? = nil
}

/// The parts of the media plane's lifecycle the daemon drives.
protocol MediaPlaneLifecycle: Sendable {
    var portsInUse: Int { get }
    func shutdown()
}

extension RelayMediaPlane: MediaPlaneLifecycle {}

/// Creates the media plane (workers running) and, lazily on the control loop, the ng engine.
enum EngineWiring {
    static func makeStack(configuration: DaemonConfiguration, logger: Logger) throws(StartupError) -> ControlStack {
        try InterfaceCheck.verify(configuration.interfaces)
        let media: RelayMediaPlane
        do {
            media = try RelayMediaPlane(configuration: RelayConfiguration(
                interfaces: configuration.interfaces, portMin: configuration.portMin, portMax: configuration.portMax,
                workerThreads: configuration.workerThreads, io: configuration.io,
                statistics: configuration.statistics,
                transcodeBatchWait: Double(configuration.transcodeBatchMicroseconds) / 1e6))
        } catch {
            throw .mediaPlane("\(error)")
        }
        let records: CallRecordWriter?
        do {
            records = try configuration.callRecords.map { path throws(StartupError) in try CallRecordWriter(destination: path) }
        } catch {
            media.shutdown()
            throw error
        }
        media.start()
        let engineConfiguration = EngineConfiguration(
            deleteDelay: configuration.deleteDelay, mediaTimeout: configuration.mediaTimeout,
            silentTimeout: configuration.silentTimeout, offerTimeout: configuration.offerTimeout, maxSessions: configuration.maxSessions,
            defaultLearning: configuration.endpointLearning, learningWindow: configuration.learningWindow,
            instanceID: configuration.instanceID)
        let accounting = AccountedMediaPlane(base: media)
        return ControlStack(media: media, accounting: accounting, makeRequestHandler: {
            EngineRequestHandler(engine: NGEngine(mediaPlane: accounting, configuration: engineConfiguration), logger: logger,
                                 records: records)
        }, records: records)
    }
}

/// Feeds the ng engine from the listener with both clocks read here, and logs the calls it ends.
final class EngineRequestHandler: NGRequestHandler {
    let engine: NGEngine
    private let logger: Logger
    private let records: CallRecordWriter?

    init(engine: NGEngine, logger: Logger, records: CallRecordWriter? = nil) {
        self.engine = engine
        self.logger = logger
        self.records = records
        engine.recordsCalls = records != nil
    }

    func handle(datagram: [UInt8], from source: Endpoint) -> [UInt8]? {
        let reply = engine.handle(datagram: datagram, from: source, now: SystemClock.monotonicNow(),
                                  wallClockMicros: SystemClock.wallClockMicros())
        if logger.logLevel <= .debug {
            logger.debug("ng request", metadata: [
                "from": "\(source)", "bytes": "\(datagram.count)", "reply_bytes": "\(reply?.count ?? 0)",
            ])
        }
        records?.write(engine.takeCallRecords())
        return reply
    }

    func tick() {
        log(engine.tick(now: SystemClock.monotonicNow(), wallClockMicros: SystemClock.wallClockMicros()))
        records?.write(engine.takeCallRecords())
    }

    func shutdown() {
        let ended = engine.shutdown()
        logger.notice("calls ended at shutdown", metadata: ["count": "\(ended.count)"])
        log(ended)
        records?.write(engine.takeCallRecords())
    }

    private func log(_ events: [CallEndEvent]) {
        for event in events {
            logger.info("call ended", metadata: [
                "call_id": "\(event.callID)", "reason": "\(event.reason.rawValue)",
                "duration_s": "\((event.duration * 1000).rounded() / 1000)",
            ])
        }
    }
}
