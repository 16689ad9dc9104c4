/// Spelling normalisation for ng keys and flag words (ng-protocol.md §2): clients mix `delete-delay`,
/// `delete_delay` and `delete delay`, `ICE` and `ice`, `trust-address` and `trust address`. Instead of
/// enumerating rtpengine's aliases we compare one canonical form: ASCII lowercase, `-`/`_` → space,
/// runs of spaces collapsed, trimmed.
public enum NGNormalize {
    static func isSeparator(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: " ")
    }

    /// Canonical form of a key or flag word.
    public static func word(_ s: String) -> String { word(Array(s.utf8)) }

    /// Canonical form of a key given as raw bytes.
    public static func word(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var pendingSpace = false
        for b in bytes {
            if isSeparator(b) || b == 0x09 {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(UInt8(ascii: " ")); pendingSpace = false }
            out.append(b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// If `raw` starts with `prefix` (compared in canonical form) followed by a separator and more text,
    /// the rest exactly as written: `dropPrefix("codec-strip-AMR-WB", "codec strip") == "AMR-WB"`.
    /// Codec and crypto-suite names keep their case and hyphens this way.
    public static func dropPrefix(_ raw: String, _ prefix: String) -> String? {
        let r = Array(raw.utf8)
        let p = Array(prefix.utf8)
        var i = 0
        for pb in p {
            guard i < r.count else { return nil }
            if isSeparator(pb) {
                guard isSeparator(r[i]) else { return nil }
            } else {
                let lower = { (b: UInt8) -> UInt8 in b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b }
                guard lower(r[i]) == lower(pb) else { return nil }
            }
            i += 1
        }
        guard i < r.count, isSeparator(r[i]) else { return nil }
        i += 1
        guard i < r.count else { return nil }
        return String(decoding: r[i...], as: UTF8.self)
    }
}
