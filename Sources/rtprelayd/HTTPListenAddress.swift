extension ListenAddress {
    /// `--listen-http`: `[IP:]PORT` as for ng, or `off` (also `none`, `no`, `false`, empty) for no HTTP listener.
    init?(parsingOptional text: String) throws(ConfigurationError) {
        switch text.trimmingWhitespace.lowercased() {
        case "off", "none", "no", "false", "": return nil
        default: try self.init(parsing: text)
        }
    }
}
