/// How the payload of an ng datagram is encoded. The reply uses the request's format (§1.1).
public enum NGPayloadFormat: Sendable, Hashable {
    case bencode
    case json
}

/// Why a datagram was dropped without any reply (§1.1): the SBC gets nothing back and retransmits
/// or fails over; the listener only counts these.
public enum NGFramingDrop: Error, Sendable, Hashable {
    /// No space at all: there is no cookie/payload boundary.
    case noSpace
    /// The datagram starts with a space: empty cookie.
    case emptyCookie
    /// Cookie longer than `NGDatagram.maxCookieLength` (Kamailio/OpenSIPS cookies are ~20 bytes).
    case cookieTooLong
}

/// One ng request datagram split into `COOKIE SP PAYLOAD`.
public struct NGDatagram: Sendable, Hashable {
    /// Everything before the first space; opaque bytes echoed in the reply and used as the reply-cache key.
    public var cookie: [UInt8]
    /// From the payload's first byte: `{` → JSON, anything else → bencode (see `payloadError`).
    public var format: NGPayloadFormat
    /// Everything after the first space.
    public var payload: [UInt8]

    /// Longest cookie accepted. rtpengine has no explicit bound; ours keeps the reply cache bounded.
    public static let maxCookieLength = 128

    public init(cookie: [UInt8], format: NGPayloadFormat, payload: [UInt8]) {
        self.cookie = cookie
        self.format = format
        self.payload = payload
    }

    /// Splits a datagram; nil when it must be dropped without reply (see `frame` for the reason).
    public static func split(_ datagram: [UInt8]) -> NGDatagram? {
        try? frame(datagram).get()
    }

    /// Splits a datagram, or says why it is dropped without reply.
    public static func frame(_ datagram: [UInt8]) -> Result<NGDatagram, NGFramingDrop> {
        guard let space = datagram.firstIndex(of: UInt8(ascii: " ")) else { return .failure(.noSpace) }
        guard space > 0 else { return .failure(.emptyCookie) }
        guard space <= maxCookieLength else { return .failure(.cookieTooLong) }
        let payload = Array(datagram[(space + 1)...])
        let format: NGPayloadFormat = payload.first == UInt8(ascii: "{") ? .json : .bencode
        return .success(NGDatagram(cookie: Array(datagram[..<space]), format: format, payload: payload))
    }

    /// The error to answer instead of decoding: empty payload → `Invalid data (no payload)`, a first byte
    /// that is neither `d` nor `{` → `Invalid NG data format` (answered in bencode).
    public var payloadError: NGError? {
        guard let first = payload.first else { return .noPayload }
        if first == UInt8(ascii: "d") || first == UInt8(ascii: "{") { return nil }
        return .invalidFormat
    }

    /// Decodes the payload into the request dictionary (JSON is converted to the same bencode model).
    /// Malformed bencode or JSON, or a top level that is not a dictionary/object, is
    /// `Could not decode bencode dictionary`, the text rtpengine answers for both.
    public func decodeDictionary(limits: BencodeLimits = BencodeLimits()) throws(NGError) -> BencodeDictionary {
        if let error = payloadError { throw error }
        switch format {
        case .bencode:
            guard let value = try? Bencode.decode(payload, limits: limits), let dict = value.dictValue else {
                throw .bencodeDecode
            }
            return dict
        case .json:
            guard let value = try? NGJSON.decode(payload, limits: limits), let dict = value.dictValue else {
                throw .bencodeDecode
            }
            return dict
        }
    }
}

/// Builds reply datagrams: `COOKIE SP PAYLOAD`, where the payload is bencode or JSON like the request.
public enum NGReplyEncoder {
    public static func encode(cookie: [UInt8], reply: BencodeDictionary, format: NGPayloadFormat) -> [UInt8] {
        var scratch: [UInt8] = []
        return encode(cookie: cookie, reply: reply, format: format, scratch: &scratch)
    }

    /// Encodes into `scratch` (kept by the caller, so its room is reused from one reply to the next), then returns
    /// an exact-size copy. The reply cache holds every reply for 30–60 s: an array reserved for the largest reply
    /// (2 KB) per entry tripled the memory held and kept the heap growing page by page (an `mprotect` and page
    /// faults every few replies) under a steady call rate.
    public static func encode(cookie: [UInt8], reply: BencodeDictionary, format: NGPayloadFormat,
                              scratch out: inout [UInt8]) -> [UInt8] {
        out.removeAll(keepingCapacity: true)
        // Offer/answer replies run to ~600 bytes and a delete's stats tree to ~1.5 KB: one allocation, not six doublings.
        out.reserveCapacity(cookie.count + 2048)
        out.append(contentsOf: cookie)
        out.append(UInt8(ascii: " "))
        switch format {
        case .bencode: Bencode.encode(reply, into: &out)
        case .json: NGJSON.encode(.dictionary(reply), into: &out)
        }
        // A fresh buffer of the reply's own size (`Array(out)` would share the scratch buffer instead).
        return out.withUnsafeBufferPointer { source in
            [UInt8](unsafeUninitializedCapacity: source.count) { target, initialized in
                initialized = target.initialize(fromContentsOf: source)
            }
        }
    }
}
