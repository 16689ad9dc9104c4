import Foundation

/// Reads the files under Tests/ControlProtocolTests/Fixtures (copied into the test bundle).
enum FixtureLoader {
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name)
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(name)))
    }

    /// The §4.1 exchanges: name → exact datagram bytes (`\r`, `\n`, `\\` unescaped to single bytes).
    static func exchanges() throws -> [String: [UInt8]] {
        let text = try String(contentsOf: url("ng-exchanges.txt"), encoding: .utf8)
        var result: [String: [UInt8]] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix("#") {
            guard let tab = line.firstIndex(of: "\t") else { continue }
            let name = String(line[..<tab])
            result[name] = unescape(Array(line[line.index(after: tab)...].utf8))
        }
        return result
    }

    static func exchange(_ name: String) throws -> [UInt8] {
        guard let bytes = try exchanges()[name] else { throw FixtureMissing(name: name) }
        return bytes
    }

    struct FixtureMissing: Error { var name: String }

    static func unescape(_ raw: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < raw.count {
            if raw[i] == UInt8(ascii: "\\"), i + 1 < raw.count {
                switch raw[i + 1] {
                case UInt8(ascii: "r"): out.append(0x0D); i += 2; continue
                case UInt8(ascii: "n"): out.append(0x0A); i += 2; continue
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); i += 2; continue
                default: break
                }
            }
            out.append(raw[i])
            i += 1
        }
        return out
    }

    /// The payload after the first space (the cookie is everything before it).
    static func payload(_ datagram: [UInt8]) -> [UInt8] {
        guard let space = datagram.firstIndex(of: UInt8(ascii: " ")) else { return [] }
        return Array(datagram[(space + 1)...])
    }
}
