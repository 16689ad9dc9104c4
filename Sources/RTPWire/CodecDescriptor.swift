/// One codec as negotiated on one side of a stream: what an SDP `a=rtpmap` / `a=fmtp` pair and the
/// stream's `ptime` say about it. The control plane describes a codec plan with these; the media plane
/// builds a transcoding pipeline from a pair of them.
public struct CodecDescriptor: Hashable, Sendable, CustomStringConvertible {
    /// As written in `a=rtpmap` (`PCMU`, `opus`, `G729`, `telephone-event`); compared case-insensitively.
    public var encodingName: String
    /// RTP timestamp rate (48000 for Opus whatever its audio bandwidth, RFC 7587).
    public var clockRate: Int
    public var channels: Int
    /// 7 bits.
    public var payloadType: UInt8
    /// The `a=fmtp` parameters after the payload type, verbatim (`annexb=no`, `useinbandfec=1; maxaveragebitrate=24000`).
    public var fmtp: String
    /// Packet duration in milliseconds (`a=ptime`; 20 when the SDP says nothing).
    public var ptime: Int

    public init(encodingName: String, clockRate: Int, channels: Int = 1, payloadType: UInt8, fmtp: String = "", ptime: Int = 20) {
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.channels = channels
        self.payloadType = payloadType & 0x7F
        self.fmtp = fmtp
        self.ptime = ptime
    }

    /// Static payload types of RFC 3551 §6 and the usual dynamic ones.
    public static func pcmu(ptime: Int = 20) -> CodecDescriptor {
        CodecDescriptor(encodingName: "PCMU", clockRate: 8000, payloadType: 0, ptime: ptime)
    }
    public static func pcma(ptime: Int = 20) -> CodecDescriptor {
        CodecDescriptor(encodingName: "PCMA", clockRate: 8000, payloadType: 8, ptime: ptime)
    }
    public static func g729(ptime: Int = 20, fmtp: String = "annexb=no") -> CodecDescriptor {
        CodecDescriptor(encodingName: "G729", clockRate: 8000, payloadType: 18, fmtp: fmtp, ptime: ptime)
    }
    /// Opus is always announced as `opus/48000/2` (RFC 7587 §7), even when sent mono.
    public static func opus(payloadType: UInt8 = 96, ptime: Int = 20, fmtp: String = "") -> CodecDescriptor {
        CodecDescriptor(encodingName: "opus", clockRate: 48000, channels: 2, payloadType: payloadType, fmtp: fmtp, ptime: ptime)
    }
    /// RFC 4733 events, one payload type per clock rate.
    public static func telephoneEvent(payloadType: UInt8, clockRate: Int) -> CodecDescriptor {
        CodecDescriptor(encodingName: "telephone-event", clockRate: clockRate, payloadType: payloadType, fmtp: "0-16")
    }

    /// Whether this is the codec called `name` (SDP encoding names are case-insensitive).
    public func isEncoding(_ name: String) -> Bool {
        encodingName.lowercased() == name.lowercased()
    }

    /// The value of `key` in `fmtp` (`key=value` pairs separated by `;`), nil if absent.
    public func fmtpValue(_ key: String) -> String? {
        for pair in fmtp.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            if parts[0].trimmingSpaces.lowercased() == key.lowercased() { return String(parts[1].trimmingSpaces) }
        }
        return nil
    }

    /// `PCMU/8000 pt 0 ptime 20`.
    public var description: String {
        "\(encodingName)/\(clockRate)\(channels > 1 ? "/\(channels)" : "") pt \(payloadType) ptime \(ptime)\(fmtp.isEmpty ? "" : " fmtp \(fmtp)")"
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
