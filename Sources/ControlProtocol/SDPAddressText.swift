import RTPWire

/// Checks on the textual addresses SDP carries. Only numeric addresses are accepted in `c=`:
/// a relay must not resolve names from signalling, and rtpengine refuses them too.
enum SDPAddressText {
    /// Dotted-quad IPv4, each part 0...255, no leading sign.
    static func isIPv4(_ text: Substring) -> Bool {
        var parts = 0
        var digits = 0
        var value = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0 else { return false }
                parts += 1
                digits = 0
                value = 0
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits += 1
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                guard digits <= 3, value <= 255 else { return false }
            } else {
                return false
            }
        }
        return digits > 0 && parts == 3
    }

    /// RFC 4291 §2.2 text form: up to eight hex groups, at most one `::`, optional trailing IPv4.
    static func isIPv6(_ text: Substring) -> Bool {
        guard text.utf8.count >= 2, text.utf8.count <= 45, !text.contains(":::") else { return false }
        let halves = text.split(separator: "::", maxSplits: 2, omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return false }
        var groups = 0
        for (halfIndex, half) in halves.enumerated() where !half.isEmpty {
            let pieces = half.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                let isLastOfAddress = halfIndex == halves.count - 1 && index == pieces.count - 1
                if isLastOfAddress && piece.contains(".") {
                    guard isIPv4(piece) else { return false }
                    groups += 2
                    continue
                }
                guard !piece.isEmpty, piece.utf8.count <= 4, piece.utf8.allSatisfy(\.isHexDigitASCII) else {
                    return false
                }
                groups += 1
            }
        }
        return halves.count == 2 ? groups <= 7 : groups == 8
    }

    static func isValid(_ text: Substring, family: AddressFamily) -> Bool {
        family == .ipv4 ? isIPv4(text) : isIPv6(text)
    }

    /// `0.0.0.0`, `::`, `0:0:…:0`: the "do not send to me" address of RFC 2543 hold.
    static func isZero(_ text: String) -> Bool {
        text == "0.0.0.0" || (text.contains(":") && text.utf8.allSatisfy { $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: ":") })
    }

    static func zeroAddress(_ family: AddressFamily) -> String { family == .ipv4 ? "0.0.0.0" : "::" }
}

extension UInt8 {
    var isHexDigitASCII: Bool {
        (self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9")) ||
            (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f")) ||
            (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "F"))
    }

    var isDigitASCII: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
}
