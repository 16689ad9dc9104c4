import RTPWire

/// A typed ng request, read from the decoded dictionary with rtpengine's tolerances (§2, §5, §6):
/// keys and flag words in any spelling (`delete-delay` = `delete_delay` = `delete delay`, any case),
/// list-valued keys also as one comma-separated string, integers also as decimal strings, and the raw
/// Kamailio `rtpp-flags` string parsed into the same fields. Unknown keys and flags are never an error:
/// they are listed in `warnings`.
///
/// Only `command` is checked here; which other keys a command needs (call-id, tags, SDP) is the
/// engine's business, so it can answer the exact error of §3.
public struct NGRequest: Sendable {
    public var command: NGCommand
    public var callID: String?
    public var fromTag: String?
    public var toTag: String?
    public var viaBranch: String?
    /// The SDP body read as UTF-8; `sdpBytes` has the exact bytes. Decoded when asked for: offer and answer read
    /// `sdpBytes`, so building this String for every request was a copy and a UTF-8 check of the whole body.
    public var sdp: String? { sdpValue.flatMap(text) }
    /// The first `sdp` value that reads as text (a string or an integer).
    private var sdpValue: BencodeValue?
    /// Bare flag words in canonical form (`"trust address"`, `"strict source"`, `"to tag"`, …).
    public var flags: Set<String> = []
    /// `replace` entries in canonical form (`"origin"`, `"session connection"`, `"sdp version"`, …).
    public var replace: Set<String> = []
    /// `ICE` in canonical form (`"remove"`, `"force"`, `"default"`, `"force relay"`, …).
    public var ice: String?
    /// `rtcp-mux` entries in canonical form (`"offer"`, `"require"`, `"demux"`, `"accept"`, `"reject"`).
    public var rtcpMux: [String] = []
    /// Logical interface names, as given (`[from-interface, to-interface]`).
    public var direction: [String] = []
    public var addressFamily: AddressFamily?
    /// Exact profile, e.g. `RTP/AVP`, `RTP/SAVP`, `UDP/TLS/RTP/SAVPF`.
    public var transportProtocol: String?
    public var mediaAddress: String?
    /// The SIP source address from `received-from: [family, address]`.
    public var receivedFrom: String?
    /// `delete delay` in seconds.
    public var deleteDelay: Int?
    /// The client sent `supports: ["load limit"]`, so a refused new call is answered `result: load limit`.
    public var supportsLoadLimit: Bool = false
    public var codec = NGCodecOptions()
    /// `SDES` entries as given (`off`, `no-AES_CM_128_HMAC_SHA1_80`, `pad`, …): suite names keep their spelling.
    public var sdes: [String] = []
    public var label: String?
    public var setLabel: String?
    /// `list` command: how many call-ids to return.
    public var limit: Int?
    public var endpointLearning: LearningMode?
    public var ptime: Int?
    public var sipMessageType: String?
    /// Every key of the request in canonical form (first occurrence wins; keys from `rtpp-flags` added
    /// when the dictionary lacks them), for options not modelled above (`TOS`, `metadata`, `file`, …).
    public var options: [String: BencodeValue] = [:]
    /// Unknown keys, flags and values that were ignored (rtpengine logs these and carries on).
    public var warnings: [String] = []

    /// Reads a request. Throws only `noCommand` (no string `command`) and `unrecognizedCommand`.
    public init(dictionary: BencodeDictionary) throws(NGError) {
        guard let entry = dictionary.entries.first(where: { NGNormalize.word($0.key) == "command" }),
              let name = entry.value.stringValue else {
            throw .noCommand
        }
        guard let command = NGCommand(rawValue: name) else { throw .unrecognizedCommand }
        self.command = command
        apply(dictionary, fromFlagsString: false)
        if let raw = options["rtpp flags"]?.stringValue {
            let parsed = RTPPFlags.dictionary(from: raw)
            warnings += parsed.warnings
            apply(parsed.dictionary, fromFlagsString: true)
        }
    }

    /// Convenience for the decoded top-level value.
    public init(value: BencodeValue) throws(NGError) {
        guard let dict = value.dictValue else { throw .bencodeDecode }
        try self.init(dictionary: dict)
    }

    /// The SDP body exactly as received.
    public var sdpBytes: [UInt8]? { options["sdp"]?.bytesValue }

    // MARK: keys

    /// Keys rtpengine knows that this struct does not model; accepted silently and left in `options`.
    static let otherKnownKeys: Set<String> = [
        "ice lite", "dtls", "dtls fingerprint", "dtls reverse", "osrtp", "t.38", "t38", "tos", "metadata",
        "record call", "dtmf security", "dtmf security trigger", "dtmf security trigger end", "trigger",
        "trigger end", "trigger end digits", "trigger end time", "dtmf delay", "dtmf log dest", "media echo",
        "generate rtcp", "sdp attr", "sdp media remove", "xmlrpc callback", "template", "file", "blob",
        "blob64", "db id", "repeat times", "repeat duration", "start pos", "code", "digit", "duration",
        "volume", "pause", "frequency", "frequencies", "all", "from tags", "address", "output destination",
        "recording file", "recording dir", "recording pattern", "to label", "from label", "ptime reverse",
        "repacketize", "delay buffer", "sip code", "recording meta", "sip source",
    ]

    mutating func apply(_ dictionary: BencodeDictionary, fromFlagsString: Bool) {
        options.reserveCapacity(options.count + dictionary.count)
        for entry in dictionary.entries {
            let key = NGNormalize.word(entry.key)
            let value = entry.value
            if options[key] == nil { options[key] = value }
            applyKey(key, value, fromFlagsString: fromFlagsString)
        }
    }

    mutating func applyKey(_ key: String, _ value: BencodeValue, fromFlagsString: Bool) {
        switch key {
        case "command", "rtpp flags":
            break
        case "call id":
            // `call-id=X` in a Kamailio flags string overrides the SIP Call-ID (§5.2).
            if fromFlagsString || callID == nil { callID = text(value) }
        case "from tag":
            if fromFlagsString || fromTag == nil { fromTag = text(value) }
        case "to tag":
            if fromFlagsString || toTag == nil { toTag = text(value) }
        case "via branch":
            if viaBranch == nil { viaBranch = text(value) }
        case "sdp":
            // Kept as the value (what `text` accepts: a string or an integer), decoded only if `sdp` is read.
            if sdpValue == nil {
                switch value {
                case .string, .integer: sdpValue = value
                default: break
                }
            }
        case "flags":
            for word in list(value, key: key) { applyFlag(word) }
        case "replace":
            for word in list(value, key: key) { replace.insert(NGNormalize.word(word)) }
        case "ice":
            if ice == nil { ice = list(value, key: key).first.map(NGNormalize.word) }
        case "rtcp mux":
            rtcpMux += list(value, key: key).map(NGNormalize.word)
        case "direction", "from interface", "to interface", "interface":
            direction += list(value, key: key)
        case "address family":
            guard addressFamily == nil, let t = text(value) else { break }
            if let family = AddressFamily(rawValue: t.uppercased()) {
                addressFamily = family
            } else {
                warnings.append("unknown address family '\(t)'")
            }
        case "transport protocol":
            if transportProtocol == nil { transportProtocol = text(value)?.trimmingSpaces }
        case "media address":
            if mediaAddress == nil { mediaAddress = text(value)?.trimmingSpaces }
        case "received from":
            // `[family, address]`; a lone address is accepted too.
            if receivedFrom == nil { receivedFrom = list(value, key: key).last }
        case "delete delay":
            if deleteDelay == nil { deleteDelay = integer(value, key: key) }
        case "supports":
            if list(value, key: key).contains(where: { NGNormalize.word($0) == "load limit" }) {
                supportsLoadLimit = true
            }
        case "codec":
            guard let dict = value.dictValue else {
                warnings.append("codec is not a dictionary")
                break
            }
            for op in dict.entries {
                let name = NGNormalize.word(op.key)
                if !codec.append(op: name, list(op.value, key: "codec \(name)")) {
                    warnings.append("unknown codec operation '\(name)'")
                }
            }
        case "sdes":
            sdes += list(value, key: key)
        case "label":
            if label == nil { label = text(value) }
        case "set label":
            if setLabel == nil { setLabel = text(value) }
        case "limit":
            if limit == nil { limit = integer(value, key: key) }
        case "endpoint learning":
            guard endpointLearning == nil, let t = text(value) else { break }
            if let mode = LearningMode(rawValue: NGNormalize.word(t)) {
                endpointLearning = mode
            } else {
                warnings.append("unknown endpoint-learning '\(t)'")
            }
        case "ptime":
            if ptime == nil { ptime = integer(value, key: key) }
        case "sip message type":
            if sipMessageType == nil { sipMessageType = text(value) }
        case "transcode":
            codec.transcode += list(value, key: key)
        default:
            if key.hasPrefix("codec "), codec.append(op: String(key.dropFirst(6)), list(value, key: key)) {
                break
            }
            if !NGRequest.otherKnownKeys.contains(key) { warnings.append("unknown key '\(key)'") }
        }
    }

    // MARK: flags

    /// Flags rtpengine documents (§6.1 and the delete/selector modifiers), in canonical form.
    public static let knownFlags: Set<String> = [
        "trust address", "sip source address", "symmetric", "asymmetric", "strict source", "media handover",
        "port latching", "no port latching", "unidirectional", "reset", "loop protect", "always transcode",
        "force transcoding", "allow transcoding", "single codec", "reuse codecs", "static codecs",
        "allow asymmetric codecs", "allow no codec media", "original sendrecv", "no rtcp attribute",
        "full rtcp attribute", "generate mid", "strip extmap", "trickle ice", "reject ice", "record call",
        "exclude recording", "discard recording", "skip recording db", "inject dtmf", "detect dtmf",
        "block dtmf", "block short", "block egress", "early media", "pierce nat", "nat wait", "recrypt",
        "no redis update", "debug", "fatal", "fast", "to tag", "directional", "all", "webrtc", "fragment",
        "pad crypto", "symmetric codecs", "asymmetric codecs", "no codec renegotiation", "no jitter buffer",
        "generate rtcp", "egress", "siprec", "force", "new branch", "pause",
        "no passthrough", "passthrough", "icelite", "ice lite", "sdes pad",
    ]

    /// One word from `flags` (or a bare word of `rtpp-flags`). Prefixed words carry values, as in
    /// rtpengine: `replace-origin`, `SDES-off`, `rtcp-mux-demux`, `codec-strip-PCMA`, `transcode-opus`.
    mutating func applyFlag(_ raw: String) {
        let word = raw.trimmingSpaces
        guard !word.isEmpty else { return }
        if RTPPFlags.profiles.contains(word) {
            if transportProtocol == nil { transportProtocol = word }
            return
        }
        if let rest = NGNormalize.dropPrefix(word, "replace") {
            replace.insert(NGNormalize.word(rest))
            return
        }
        if let rest = NGNormalize.dropPrefix(word, "SDES") {
            sdes.append(rest)
            return
        }
        if let rest = NGNormalize.dropPrefix(word, "rtcp-mux") {
            rtcpMux.append(NGNormalize.word(rest))
            return
        }
        for op in NGCodecOptions.operations {
            if let rest = NGNormalize.dropPrefix(word, "codec-" + op) {
                codec.append(op: op, [rest])
                return
            }
        }
        if let rest = NGNormalize.dropPrefix(word, "transcode") {
            codec.transcode.append(rest)
            return
        }
        if let rest = NGNormalize.dropPrefix(word, "endpoint-learning"),
           let mode = LearningMode(rawValue: NGNormalize.word(rest)) {
            if endpointLearning == nil { endpointLearning = mode }
            return
        }
        let canonical = NGNormalize.word(word)
        flags.insert(canonical)
        if canonical == "always transcode", !codec.accept.contains("all") {
            codec.accept.append("all")
        }
        if !NGRequest.knownFlags.contains(canonical) { warnings.append("unknown flag '\(canonical)'") }
    }

    // MARK: loose typing

    /// A string value; integers are accepted as their decimal text.
    func text(_ value: BencodeValue) -> String? {
        switch value {
        case .string: return value.stringValue
        case .integer(let v): return String(v)
        default: return nil
        }
    }

    /// A list of strings; a single string is split on commas (§2).
    mutating func list(_ value: BencodeValue, key: String) -> [String] {
        switch value {
        case .string:
            let t = value.stringValue ?? ""
            return t.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        case .integer(let v):
            return [String(v)]
        case .list(let items):
            var out: [String] = []
            for item in items {
                if let t = text(item) {
                    out.append(t.trimmingSpaces)
                } else {
                    warnings.append("non-string entry in '\(key)' ignored")
                }
            }
            return out
        case .dictionary:
            warnings.append("'\(key)' should be a list")
            return []
        }
    }

    /// An integer, also from a decimal string (`"delete delay": "5"`).
    mutating func integer(_ value: BencodeValue, key: String) -> Int? {
        guard let v = value.intValue else {
            warnings.append("'\(key)' is not an integer")
            return nil
        }
        return Int(clamping: v)
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (Foundation-free).
    var trimmingSpaces: String {
        let bytes = Array(utf8)
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        if start == 0 && end == bytes.count { return self }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
