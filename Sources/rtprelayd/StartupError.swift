/// Why the daemon could not start; printed as one line before exiting non-zero.
enum StartupError: Error, CustomStringConvertible {
    case configuration(ConfigurationError)
    case listen(address: String, reason: String)
    case listenHTTP(address: String, reason: String)
    case mediaPlane(String)
    case eventLoop(String)
    case callRecords(path: String, reason: String)

    var description: String {
        switch self {
        case .configuration(let error): return error.description
        case .listen(let address, let reason): return "cannot listen for ng on \(address): \(reason)"
        case .listenHTTP(let address, let reason): return "cannot listen for HTTP on \(address): \(reason)"
        case .mediaPlane(let reason): return "cannot start the media plane: \(reason)"
        case .eventLoop(let reason): return "cannot start the control event loop: \(reason)"
        case .callRecords(let path, let reason): return "cannot open the call-record file \(path): \(reason)"
        }
    }
}
