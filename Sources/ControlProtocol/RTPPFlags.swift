import RTPWire

/// Parser for the raw Kamailio flags string sent as `rtpp-flags` (ng-protocol.md §5.1/§5.2), e.g.
/// `trust-address replace-origin ICE=remove codec=[transcode=[PCMA PCMU] strip=[EVS]] direction=a direction=b`.
///
/// It produces the dictionary Kamailio's module-side parser would have sent for the same string, so
/// `NGRequest` interprets both forms with one code path. Tokens are space-separated, either a bare
/// `word` or `key=value`, where a value may be a `[ … ]` list of words or nested `key=value` pairs.
public enum RTPPFlags {
    /// One token of the flags string.
    indirect enum Token: Equatable {
        case word(String)
        case pair(key: String, value: Value)
    }

    enum Value: Equatable {
        case text(String)
        case list([Token])
    }

    /// Bounds nesting of `[ ]`; real strings nest two deep (`codec=[transcode=[…]]`).
    static let maxDepth = 8

    /// The ng dictionary equivalent of `flags`, plus warnings for tokens that made no sense.
    public static func dictionary(from flags: String) -> (dictionary: BencodeDictionary, warnings: [String]) {
        var warnings: [String] = []
        let tokens = tokenize(Array(flags.utf8), warnings: &warnings)
        var builder = Builder()
        for token in tokens { builder.add(token, warnings: &warnings) }
        return (builder.finish(), warnings)
    }

    // MARK: tokenizer

    static func tokenize(_ bytes: [UInt8], warnings: inout [String]) -> [Token] {
        var position = 0
        let tokens = tokenList(bytes, &position, depth: 0, warnings: &warnings)
        if position < bytes.count { warnings.append("rtpp-flags: unbalanced ']' ignored") }
        return tokens
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    /// Tokens up to the end of input, or up to (and consuming) the `]` that closes this level.
    private static func tokenList(_ bytes: [UInt8], _ position: inout Int, depth: Int, warnings: inout [String]) -> [Token] {
        var tokens: [Token] = []
        while position < bytes.count {
            let b = bytes[position]
            if isSpace(b) { position += 1; continue }
            if b == UInt8(ascii: "]") {
                if depth > 0 { position += 1; return tokens }
                // Stray ']' at top level: skip it so parsing always advances.
                position += 1
                warnings.append("rtpp-flags: unbalanced ']' ignored")
                continue
            }
            if b == UInt8(ascii: "[") {
                // A list without a key: flatten its words into this level.
                position += 1
                if depth < maxDepth {
                    tokens += tokenList(bytes, &position, depth: depth + 1, warnings: &warnings)
                } else {
                    skipList(bytes, &position)
                    warnings.append("rtpp-flags: lists nested too deep")
                }
                continue
            }
            let start = position
            while position < bytes.count, !isSpace(bytes[position]), bytes[position] != UInt8(ascii: "="),
                  bytes[position] != UInt8(ascii: "["), bytes[position] != UInt8(ascii: "]") {
                position += 1
            }
            let word = String(decoding: bytes[start..<position], as: UTF8.self)
            guard position < bytes.count, bytes[position] == UInt8(ascii: "=") else {
                if !word.isEmpty { tokens.append(.word(word)) }
                continue
            }
            position += 1 // '='
            if position < bytes.count, bytes[position] == UInt8(ascii: "[") {
                position += 1
                if depth < maxDepth {
                    let inner = tokenList(bytes, &position, depth: depth + 1, warnings: &warnings)
                    tokens.append(.pair(key: word, value: .list(inner)))
                } else {
                    skipList(bytes, &position)
                    warnings.append("rtpp-flags: lists nested too deep")
                }
            } else {
                // A value runs to the next space or ']' and may itself contain '=' (`metadata=a=b`).
                let vstart = position
                while position < bytes.count, !isSpace(bytes[position]), bytes[position] != UInt8(ascii: "]") {
                    position += 1
                }
                tokens.append(.pair(key: word, value: .text(String(decoding: bytes[vstart..<position], as: UTF8.self))))
            }
        }
        return tokens
    }

    /// Skips to after the `]` matching an already-consumed `[`, iteratively (no recursion).
    private static func skipList(_ bytes: [UInt8], _ position: inout Int) {
        var open = 1
        while position < bytes.count, open > 0 {
            if bytes[position] == UInt8(ascii: "[") { open += 1 }
            if bytes[position] == UInt8(ascii: "]") { open -= 1 }
            position += 1
        }
    }

    // MARK: token → ng keys (§5.2)

    static let profiles: Set<String> = ["RTP/AVP", "RTP/SAVP", "RTP/AVPF", "RTP/SAVPF",
                                        "UDP/TLS/RTP/SAVP", "UDP/TLS/RTP/SAVPF"]

    /// Exact profile words and their transport bits (see `Builder.transportBits`).
    static let profileBits: [String: UInt8] = ["RTP/AVP": 0, "RTP/SAVP": 1, "RTP/AVPF": 2, "RTP/SAVPF": 3,
                                               "UDP/TLS/RTP/SAVP": 5, "UDP/TLS/RTP/SAVPF": 7]

    static let codecOps = ["strip", "offer", "transcode", "mask", "set", "except", "accept", "consume", "ignore"]

    private struct Builder {
        var dict = BencodeDictionary()
        var flags: [BencodeValue] = []
        var lists: [(key: String, items: [BencodeValue])] = []
        var codec: [(op: String, items: [BencodeValue])] = []
        // The transport profile as three bits, updated word by word in order as rtpengine's parser does:
        // 1 = secure (SRTP/SAVP), 2 = feedback (AVPF), 4 = DTLS. `RTP` clears secure, `AVP` clears feedback,
        // an exact profile sets all three, so `RTP/SAVP AVPF` → RTP/SAVPF.
        var transportBits: UInt8?

        mutating func appendList(_ key: String, _ items: [BencodeValue]) {
            if let i = lists.firstIndex(where: { $0.key == key }) {
                lists[i].items += items
            } else {
                lists.append((key, items))
            }
        }

        mutating func appendCodec(_ op: String, _ items: [BencodeValue]) {
            if let i = codec.firstIndex(where: { $0.op == op }) {
                codec[i].items += items
            } else {
                codec.append((op, items))
            }
        }

        static func words(_ value: Value) -> [BencodeValue] {
            switch value {
            case .text(let t): return t.isEmpty ? [] : [.text(t)]
            case .list(let tokens):
                return tokens.map {
                    switch $0 {
                    case .word(let w): return .text(w)
                    case .pair(let k, .text(let v)): return .text(k + "=" + v)
                    case .pair(let k, .list): return .text(k)
                    }
                }
            }
        }

        mutating func add(_ token: Token, warnings: inout [String]) {
            switch token {
            case .word(let word):
                addWord(word)
            case .pair(let key, let value):
                addPair(key, value, warnings: &warnings)
            }
        }

        mutating func addWord(_ word: String) {
            if let bits = RTPPFlags.profileBits[word] {
                transportBits = bits
                return
            }
            switch word {
            case "RTP": transportBits = (transportBits ?? 0) & ~1; return
            case "AVP": transportBits = (transportBits ?? 0) & ~2; return
            case "SRTP": transportBits = (transportBits ?? 0) | 1; return
            case "AVPF": transportBits = (transportBits ?? 0) | 2; return
            case "DTLS": transportBits = (transportBits ?? 0) | 4; return
            case "internal", "external":
                appendList("direction", [.text(word)])
                return
            default:
                break
            }
            let n = NGNormalize.word(word)
            if let rest = NGNormalize.dropPrefix(word, "replace") {
                appendList("replace", [.text(rest)])
            } else if let rest = NGNormalize.dropPrefix(word, "SDES") {
                appendList("SDES", [.text(rest)])
            } else if let rest = NGNormalize.dropPrefix(word, "rtcp-mux") {
                appendList("rtcp-mux", [.text(rest)])
            } else if let rest = NGNormalize.dropPrefix(word, "T38") ?? NGNormalize.dropPrefix(word, "T.38") {
                appendList("T.38", [.text(rest)])
            } else if n == "to tag" {
                // Kamailio: include `to-tag` even in delete; the daemon also reads it as the delete flag.
                flags.append(.text(word))
            } else {
                // Prefixed flags such as `codec-strip-X` and `transcode-X` stay flags: NGRequest reads them
                // from `flags` exactly as rtpengine does for module-side strings.
                flags.append(.text(word))
            }
        }

        mutating func addPair(_ key: String, _ value: Value, warnings: inout [String]) {
            let n = NGNormalize.word(key)
            switch n {
            case "replace", "sdes", "rtcp mux", "t38", "t.38", "from tags", "flags", "supports", "osrtp":
                let canonical = ["replace": "replace", "sdes": "SDES", "rtcp mux": "rtcp-mux", "t38": "T.38",
                                 "t.38": "T.38", "from tags": "from-tags", "flags": "flags",
                                 "supports": "supports", "osrtp": "OSRTP"][n]!
                if canonical == "flags" {
                    flags += Builder.words(value)
                } else {
                    appendList(canonical, Builder.words(value))
                }
            case "direction", "from interface", "to interface", "interface":
                appendList("direction", Builder.words(value))
            case "from tag":
                // Overriding from-tag in the flags string also makes the request directional (§5.2).
                dict.set("from-tag", Builder.listOrText(value))
                flags.append(.text("directional"))
            case "received from":
                if case .text(let address) = value, !address.isEmpty {
                    let family = AddressFamily(address: address)
                    dict.set("received-from", .list([.text(family.rawValue), .text(address)]))
                } else {
                    dict.set("received-from", .list(Builder.words(value)))
                }
            case "codec":
                guard case .list(let inner) = value else {
                    warnings.append("rtpp-flags: codec needs a [ ] list")
                    return
                }
                for token in inner {
                    guard case .pair(let opKey, let opValue) = token else {
                        warnings.append("rtpp-flags: codec entry without operation ignored")
                        continue
                    }
                    let op = NGNormalize.word(opKey)
                    if RTPPFlags.codecOps.contains(op) {
                        appendCodec(op, Builder.words(opValue))
                    } else {
                        warnings.append("rtpp-flags: unknown codec operation '\(opKey)'")
                    }
                }
            case "transcode":
                appendCodec("transcode", Builder.words(value))
            case "delete delay", "tos", "ptime", "ptime reverse", "limit", "repacketize", "dtmf delay":
                let canonical = key
                if case .text(let t) = value, let v = BencodeValue.parseDecimal(Array(t.utf8)) {
                    dict.set(canonical, .integer(v))
                } else {
                    dict.set(canonical, Builder.listOrText(value))
                }
            default:
                if n.hasPrefix("codec "), RTPPFlags.codecOps.contains(String(n.dropFirst(6))) {
                    appendCodec(String(n.dropFirst(6)), Builder.words(value))
                } else {
                    // Any other key=value becomes a string entry under its own key (`ICE=force` → ICE: "force").
                    dict.set(key, Builder.listOrText(value))
                }
            }
        }

        static func listOrText(_ value: Value) -> BencodeValue {
            switch value {
            case .text(let t): return .text(t)
            case .list: return .list(words(value))
            }
        }

        mutating func finish() -> BencodeDictionary {
            if let bits = transportBits {
                // DTLS always means an SRTP profile (rtpengine leaves DTLS+SRTP unset; we read it as SAVP).
                let dtls = bits & 4 != 0
                let secure = dtls || bits & 1 != 0
                let profile = (dtls ? "UDP/TLS/RTP/" : "RTP/") + (secure ? "S" : "") + "AVP" + (bits & 2 != 0 ? "F" : "")
                dict.set("transport-protocol", .text(profile))
            }
            for entry in lists { dict.set(entry.key, .list(entry.items)) }
            if !codec.isEmpty {
                var c = BencodeDictionary()
                for entry in codec { c.set(entry.op, .list(entry.items)) }
                dict.set("codec", .dictionary(c))
            }
            if !flags.isEmpty { dict.set("flags", .list(flags)) }
            return dict
        }
    }
}
