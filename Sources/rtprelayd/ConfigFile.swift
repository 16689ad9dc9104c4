#if canImport(Glibc)
import Glibc
#endif

/// An INI file in rtpengine's style: `key = value` lines under a `[rtprelayd]` section; other sections,
/// blank lines and `#`/`;` comments are skipped. Keys are the long flag names (`port-min`, `listen-ng`…).
struct ConfigFile: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var key: String
        var value: String
        var line: Int
    }

    static let section = "rtprelayd"

    var path: String
    var entries: [Entry]

    init(path: String, text: String) throws(ConfigurationError) {
        self.path = path
        var entries: [Entry] = []
        var inSection = false
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingWhitespace
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw .file(path: path, line: lineNumber, reason: "section header without ']'") }
                inSection = line.dropFirst().dropLast().trimmingWhitespace == ConfigFile.section
                continue
            }
            guard inSection else { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw .file(path: path, line: lineNumber, reason: "expected 'key = value'")
            }
            let key = line[..<equals].trimmingWhitespace
            let value = line[line.index(after: equals)...].trimmingWhitespace
            guard !key.isEmpty else { throw .file(path: path, line: lineNumber, reason: "empty key") }
            entries.append(Entry(key: key, value: value, line: lineNumber))
        }
        self.entries = entries
    }

    /// Reads the file; `none` (rtpengine's spelling for "no config file") is an empty file.
    static func load(path: String) throws(ConfigurationError) -> ConfigFile {
        if path == "none" { return try ConfigFile(path: path, text: "") }
        guard let file = fopen(path, "r") else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count > 0 { bytes.append(contentsOf: chunk[0..<count]) }
            if count < chunk.count { break }
            // A config file is small; refuse something that is clearly not one.
            if bytes.count > 1 << 20 { throw .unreadable(path: path, reason: "larger than 1 MiB") }
        }
        if ferror(file) != 0 { throw .unreadable(path: path, reason: "read error") }
        return try ConfigFile(path: path, text: String(decoding: bytes, as: UTF8.self))
    }
}
