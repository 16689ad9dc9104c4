import Logging

/// rtpengine's `--log-level`: syslog priorities 0 (emerg) … 7 (debug). Names are accepted too.
enum SyslogLevel: Int, Sendable, Equatable, CaseIterable {
    case emergency = 0, alert, critical, error, warning, notice, info, debug

    static let names: [String: SyslogLevel] = [
        "emerg": .emergency, "emergency": .emergency, "alert": .alert, "crit": .critical, "critical": .critical,
        "err": .error, "error": .error, "warn": .warning, "warning": .warning, "notice": .notice,
        "info": .info, "debug": .debug, "trace": .debug,
    ]

    init(parsing text: String) throws(ConfigurationError) {
        let spec = text.trimmingWhitespace.lowercased()
        if let number = Int(spec) {
            guard let level = SyslogLevel(rawValue: number) else { throw .invalid("log-level must be 0...7, got \(number)") }
            self = level
        } else if let level = SyslogLevel.names[spec] {
            self = level
        } else {
            throw .invalid("log-level '\(text)' is neither 0...7 nor a syslog level name")
        }
    }

    /// swift-log has no alert/emergency; they fold into critical.
    var loggerLevel: Logger.Level {
        switch self {
        case .emergency, .alert, .critical: return .critical
        case .error: return .error
        case .warning: return .warning
        case .notice: return .notice
        case .info: return .info
        case .debug: return .debug
        }
    }
}
