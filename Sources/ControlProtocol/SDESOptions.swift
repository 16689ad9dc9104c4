import RTPWire

/// ng `SDES` entries (ng-protocol §6) as they shape the relay's own `a=crypto` lines.
///
/// - `off`: offer no SDES towards the recipient (rtpengine would offer DTLS only; the relay has no
///   DTLS-SRTP, so that leg stays unkeyed).
/// - `no-SUITE` / `only-SUITE`: leave out / offer only those suites (several `only-` add up).
/// - `order:SUITE[,SUITE…]`: these suites first, in this order, then the rest in the default order.
/// - `prefer`: when the relay answers an SDES offerer, pick by the relay's order instead of the offerer's.
/// - `nonew`: towards the recipient of an SDES offer, offer only suites the offerer offered.
/// - `pad` (and flags `SDES-pad`, `pad crypto`): base64 with `=` padding.
/// - `lifetime`: add `|2^31` to the relay's lines, as rtpengine does.
/// - `unencrypted_srtp`, `unencrypted_srtcp`, `unauthenticated_srtp`: add those session parameters.
/// - `static`: accepted; the relay's keys already stay stable across re-offers.
public struct SDESOptions: Sendable, Hashable {
    public var off = false
    public var excluded: Set<SRTPCryptoSuite> = []
    public var only: [SRTPCryptoSuite] = []
    public var order: [SRTPCryptoSuite] = []
    public var prefer = false
    public var noNew = false
    public var pad = false
    public var lifetime = false
    public var unencryptedSRTP = false
    public var unencryptedSRTCP = false
    public var unauthenticatedSRTP = false

    public init() {}

    /// Reads the `SDES` list; `flags` for `pad crypto` / `sdes pad`. Entries naming suites the relay does
    /// not run (`no-F8_128_HMAC_SHA1_80`) change nothing; unknown words go to `warnings`.
    public init(entries: [String], flags: Set<String> = [], warnings: inout [String]) {
        pad = flags.contains("pad crypto") || flags.contains("sdes pad")
        for raw in entries {
            let entry = raw.trimmingSpaces
            let word = NGNormalize.word(entry)
            switch word {
            case "off", "no", "disable": off = true
            case "pad": pad = true
            case "nonew": noNew = true
            case "prefer": prefer = true
            case "lifetime": lifetime = true
            case "static": break
            case "unencrypted srtp": unencryptedSRTP = true
            case "unencrypted srtcp": unencryptedSRTCP = true
            case "unauthenticated srtp": unauthenticatedSRTP = true
            default:
                if let rest = Self.after(entry, "no-") {
                    if let suite = Self.suite(rest) { excluded.insert(suite) }
                } else if let rest = Self.after(entry, "only-") {
                    if let suite = Self.suite(rest), !only.contains(suite) { only.append(suite) }
                } else if let rest = Self.after(entry, "order:") {
                    for name in rest.split(separator: ",") {
                        if let suite = Self.suite(Substring(String(name).trimmingSpaces)), !order.contains(suite) {
                            order.append(suite)
                        }
                    }
                } else if let suite = Self.suite(Substring(entry)) {
                    // `order:A,B` given as one ng string arrives split at the comma: B continues the order.
                    if !order.contains(suite) { order.append(suite) }
                } else {
                    warnings.append("unknown SDES option '\(String(entry.prefix(64)))'")
                }
            }
        }
    }

    /// Case-insensitive prefix (ng clients write `No-`, `ONLY-`).
    private static func after(_ text: String, _ prefix: String) -> Substring? {
        guard text.utf8.count > prefix.utf8.count,
              text.prefix(prefix.count).lowercased() == prefix else { return nil }
        return text.dropFirst(prefix.count)
    }

    private static func suite(_ name: Substring) -> SRTPCryptoSuite? {
        let upper = name.uppercased()
        return SRTPCryptoSuite.allCases.first { $0.rawValue == upper }
    }

    /// The relay's ranking of suites: `order:` first, then the default order.
    public var ranking: [SRTPCryptoSuite] {
        order + SRTPCryptoSuite.offerOrder.filter { !order.contains($0) }
    }

    /// Whether the relay may offer or accept `suite`.
    public func allows(_ suite: SRTPCryptoSuite) -> Bool {
        !excluded.contains(suite) && (only.isEmpty || only.contains(suite))
    }

    /// The suites to offer, in order; `offererSuites` (non-nil when the sender used SDES) limits them with `nonew`.
    public func suitesToOffer(offererSuites: [SRTPCryptoSuite]?) -> [SRTPCryptoSuite] {
        guard !off else { return [] }
        var suites = ranking.filter(allows)
        if noNew, let offererSuites, !offererSuites.isEmpty { suites = suites.filter(offererSuites.contains) }
        return suites
    }

    /// Session parameters the relay puts on its offered lines.
    public var offeredParameters: [SDESSessionParameter] {
        var parameters: [SDESSessionParameter] = []
        if unencryptedSRTP { parameters.append(.unencryptedSRTP) }
        if unencryptedSRTCP { parameters.append(.unencryptedSRTCP) }
        if unauthenticatedSRTP { parameters.append(.unauthenticatedSRTP) }
        return parameters
    }

    /// `|2^31` when `lifetime` was asked for.
    public var offeredLifetime: SDESLifetime? { lifetime ? .powerOfTwo(31) : nil }
}
