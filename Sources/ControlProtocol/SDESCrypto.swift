import RTPWire

/// `a=crypto:<tag> <crypto-suite> inline:<key||salt>[|<lifetime>][|<MKI>:<length>] [<session-param>…]`
/// (RFC 4568 §9.1 grammar): one SDES offer of an SRTP master key.
///
/// `init(parsing:)` accepts what the grammar allows for the suites the relay runs, MKI and unknown
/// session parameters included, and `attributeValue` writes it back unchanged; `validateForRelay()`
/// then refuses what the relay cannot honour (an MKI, `KDR` ≠ 0, FEC keys, unknown parameters), so a
/// line is either fully honoured or clearly refused.
public struct SDESCrypto: Sendable, Hashable {
    /// 1…999999999; the answer repeats the offer's tag of the line it accepts (RFC 4568 §5.1.2).
    public var tag: UInt32
    public var suite: SRTPCryptoSuite
    public var masterKey: [UInt8]
    public var masterSalt: [UInt8]
    public var lifetime: SDESLifetime?
    public var mki: SDESMKI?
    /// In the order written.
    public var sessionParameters: [SDESSessionParameter]
    /// Write the key with `=` padding (ng `SDES pad`; kept from the input when parsed).
    public var padded: Bool

    public init(tag: UInt32, suite: SRTPCryptoSuite, masterKey: [UInt8], masterSalt: [UInt8],
                lifetime: SDESLifetime? = nil, mki: SDESMKI? = nil, sessionParameters: [SDESSessionParameter] = [],
                padded: Bool = false) {
        self.tag = tag
        self.suite = suite
        self.masterKey = masterKey
        self.masterSalt = masterSalt
        self.lifetime = lifetime
        self.mki = mki
        self.sessionParameters = sessionParameters
        self.padded = padded
    }

    /// Parses the value of an `a=crypto` attribute (the text after `a=crypto:`).
    public init(parsing value: Substring) throws(SDESCryptoError) {
        let fields = value.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 3 else { throw .missingFields }
        let tagText = fields[0]
        guard (1...9).contains(tagText.utf8.count), tagText.utf8.allSatisfy(\.isDigitASCII),
              let tag = UInt32(tagText) else { throw .badTag }
        // Suite names are case-sensitive tokens in RFC 4568; peers write them upper case.
        guard let suite = SRTPCryptoSuite(rawValue: String(fields[1])) else {
            throw .unsupportedSuite(String(fields[1].prefix(64)))
        }
        let keyParams = fields[2]
        guard !keyParams.contains(";") else { throw .severalKeys }
        guard let colon = keyParams.firstIndex(of: ":") else { throw .unsupportedKeyMethod(String(keyParams.prefix(32))) }
        let method = keyParams[..<colon]
        guard method == "inline" else { throw .unsupportedKeyMethod(String(method.prefix(32))) }
        let info = keyParams[keyParams.index(after: colon)...].split(separator: "|", omittingEmptySubsequences: false)
        guard (1...3).contains(info.count) else { throw .badLifetime }
        guard let decoded = Base64.decode(info[0]) else { throw .badBase64 }
        guard decoded.bytes.count == suite.masterLength else {
            throw .badKeyLength(expected: suite.masterLength, got: decoded.bytes.count)
        }
        var lifetime: SDESLifetime?
        var mki: SDESMKI?
        // `|lifetime` and `|MKI:length` are both optional; an MKI is told apart by its colon.
        for part in info.dropFirst() {
            if part.contains(":") {
                guard mki == nil else { throw .badMKI }
                mki = try SDESMKI(parsing: part)
            } else {
                guard lifetime == nil, mki == nil else { throw .badLifetime }
                let parsed = try SDESLifetime(parsing: part)
                guard parsed.packets <= suite.maxLifetime else { throw .lifetimeTooLong }
                lifetime = parsed
            }
        }
        var parameters: [SDESSessionParameter] = []
        for field in fields.dropFirst(3) {
            parameters.append(try SDESSessionParameter(parsing: field))
        }
        self.init(tag: tag, suite: suite, masterKey: Array(decoded.bytes.prefix(suite.keyLength)),
                  masterSalt: Array(decoded.bytes.dropFirst(suite.keyLength)), lifetime: lifetime, mki: mki,
                  sessionParameters: parameters, padded: decoded.wasPadded)
    }

    /// Parses a line and refuses what the relay cannot honour: the one entry point negotiation uses.
    public static func usable(parsing value: Substring) throws(SDESCryptoError) -> SDESCrypto {
        let crypto = try SDESCrypto(parsing: value)
        try crypto.validateForRelay()
        return crypto
    }

    /// Throws for anything the relay's SRTP contexts would not honour exactly.
    public func validateForRelay() throws(SDESCryptoError) {
        if mki != nil { throw .mkiUnsupported }
        for parameter in sessionParameters {
            switch parameter {
            case .unencryptedSRTP, .unencryptedSRTCP, .unauthenticatedSRTP, .windowSizeHint:
                continue
            case .keyDerivationRate(let rate):
                // libsrtp2 derives session keys once (rate 0); a rekeying rate would desynchronise.
                if rate != 0 { throw .unsupportedSessionParameter(parameter.text) }
            case .fecOrder(let order):
                // Without FEC the order is moot as long as it is the default (RFC 4568 §6.3.4).
                if order != "FEC_SRTP" { throw .unsupportedSessionParameter(parameter.text) }
            case .fecKey, .unknown:
                throw .unsupportedSessionParameter(parameter.text)
            }
        }
    }

    /// The attribute value, as `a=crypto:` + this.
    public var attributeValue: String {
        var text = "\(tag) \(suite.rawValue) inline:" + Base64.encode(masterKey + masterSalt, padded: padded)
        if let lifetime { text += "|" + lifetime.text }
        if let mki { text += "|" + mki.text }
        for parameter in sessionParameters { text += " " + parameter.text }
        return text
    }

    public var attribute: SDPAttribute { SDPAttribute(name: "crypto", value: attributeValue) }

    /// The keys for the media plane, with the line's declarative flags.
    public var keying: SRTPKeying {
        SRTPKeying(suite: suite, masterKey: masterKey, masterSalt: masterSalt,
                   unencryptedSRTP: sessionParameters.contains(.unencryptedSRTP),
                   unencryptedSRTCP: sessionParameters.contains(.unencryptedSRTCP),
                   unauthenticatedSRTP: sessionParameters.contains(.unauthenticatedSRTP))
    }

    /// The declarative parameters that must be the same in both directions (RFC 4568 §6.3.x): an
    /// answer repeats those of the line it accepts.
    public var symmetricParameters: [SDESSessionParameter] {
        sessionParameters.filter { [.unencryptedSRTP, .unencryptedSRTCP, .unauthenticatedSRTP].contains($0) }
    }

    /// A fresh line: key and salt from `source` (a CSPRNG).
    public static func generate(tag: UInt32, suite: SRTPCryptoSuite, sessionParameters: [SDESSessionParameter] = [],
                                lifetime: SDESLifetime? = nil, padded: Bool = false,
                                source: any SRTPKeySource) throws(SDESCryptoError) -> SDESCrypto {
        let bytes = try source.randomBytes(suite.masterLength)
        return SDESCrypto(tag: tag, suite: suite, masterKey: Array(bytes.prefix(suite.keyLength)),
                          masterSalt: Array(bytes.dropFirst(suite.keyLength)), lifetime: lifetime,
                          sessionParameters: sessionParameters, padded: padded)
    }
}

/// Key lifetime in packets, as written: `2^31` or a decimal count.
public enum SDESLifetime: Sendable, Hashable {
    case powerOfTwo(UInt8)
    case packets(UInt64)

    init(parsing text: Substring) throws(SDESCryptoError) {
        if text.hasPrefix("2^") {
            let exponent = text.dropFirst(2)
            guard (1...2).contains(exponent.utf8.count), exponent.utf8.allSatisfy(\.isDigitASCII),
                  let value = UInt8(exponent) else { throw .badLifetime }
            // Anything past 2^48 is refused by the suite check; 2^63 is the most a UInt64 holds.
            guard value <= 63 else { throw .lifetimeTooLong }
            self = .powerOfTwo(value)
        } else {
            guard (1...20).contains(text.utf8.count), text.utf8.allSatisfy(\.isDigitASCII) else { throw .badLifetime }
            guard let value = UInt64(text) else { throw .lifetimeTooLong }
            guard value > 0 else { throw .badLifetime }
            self = .packets(value)
        }
    }

    public var packets: UInt64 {
        switch self {
        case .powerOfTwo(let exponent): 1 << UInt64(exponent)
        case .packets(let count): count
        }
    }

    public var text: String {
        switch self {
        case .powerOfTwo(let exponent): "2^\(exponent)"
        case .packets(let count): "\(count)"
        }
    }
}

/// Master key identifier: `<value>:<length in bytes>` (RFC 4568 §6.1, length 1…128).
public struct SDESMKI: Sendable, Hashable {
    /// Decimal digits as written (may exceed 64 bits for long MKIs).
    public var value: String
    public var length: Int

    init(parsing text: Substring) throws(SDESCryptoError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...40).contains(parts[0].utf8.count), parts[0].utf8.allSatisfy(\.isDigitASCII),
              (1...3).contains(parts[1].utf8.count), parts[1].utf8.allSatisfy(\.isDigitASCII),
              let length = Int(parts[1]), (1...128).contains(length) else { throw .badMKI }
        value = String(parts[0])
        self.length = length
    }

    public var text: String { "\(value):\(length)" }
}

/// SRTP session parameters (RFC 4568 §6.3).
public enum SDESSessionParameter: Sendable, Hashable {
    case unencryptedSRTP
    case unencryptedSRTCP
    case unauthenticatedSRTP
    /// `KDR=n`: key derivation rate 2^n packets, n in 0…24.
    case keyDerivationRate(UInt8)
    /// `FEC_ORDER=FEC_SRTP|SRTP_FEC`.
    case fecOrder(String)
    /// `FEC_KEY=…`: a separate key for FEC.
    case fecKey(String)
    /// `WSH=n`: replay window size hint, at least 64.
    case windowSizeHint(UInt32)
    /// Anything else, kept as written (extension parameters).
    case unknown(String)

    init(parsing text: Substring) throws(SDESCryptoError) {
        let shown = String(text.prefix(64))
        switch text {
        case "UNENCRYPTED_SRTP": self = .unencryptedSRTP
        case "UNENCRYPTED_SRTCP": self = .unencryptedSRTCP
        case "UNAUTHENTICATED_SRTP": self = .unauthenticatedSRTP
        default:
            if let value = Self.value(of: "KDR=", in: text) {
                guard (1...2).contains(value.utf8.count), value.utf8.allSatisfy(\.isDigitASCII),
                      let rate = UInt8(value), rate <= 24 else { throw .badSessionParameter(shown) }
                self = .keyDerivationRate(rate)
            } else if let value = Self.value(of: "FEC_ORDER=", in: text) {
                guard value == "FEC_SRTP" || value == "SRTP_FEC" else { throw .badSessionParameter(shown) }
                self = .fecOrder(String(value))
            } else if let value = Self.value(of: "FEC_KEY=", in: text) {
                self = .fecKey(String(value.prefix(256)))
            } else if let value = Self.value(of: "WSH=", in: text) {
                guard (1...10).contains(value.utf8.count), value.utf8.allSatisfy(\.isDigitASCII),
                      let size = UInt32(value), size >= 64 else { throw .badSessionParameter(shown) }
                self = .windowSizeHint(size)
            } else {
                self = .unknown(String(text.prefix(256)))
            }
        }
    }

    private static func value(of prefix: String, in text: Substring) -> Substring? {
        text.hasPrefix(prefix) ? text.dropFirst(prefix.count) : nil
    }

    public var text: String {
        switch self {
        case .unencryptedSRTP: "UNENCRYPTED_SRTP"
        case .unencryptedSRTCP: "UNENCRYPTED_SRTCP"
        case .unauthenticatedSRTP: "UNAUTHENTICATED_SRTP"
        case .keyDerivationRate(let rate): "KDR=\(rate)"
        case .fecOrder(let order): "FEC_ORDER=\(order)"
        case .fecKey(let key): "FEC_KEY=\(key)"
        case .windowSizeHint(let size): "WSH=\(size)"
        case .unknown(let text): text
        }
    }
}
