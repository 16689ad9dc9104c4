/// What the relay offered for one media and may transcode, remembered from the offer until the
/// answer decides (§8.3: codec options are processed on the offer only).
public struct CodecOffer: Sendable, Hashable {
    /// The offerer's formats the relay may use on the offerer's leg (its offer minus `ignore` and
    /// `strip`; masked and consumed ones included), in the offerer's order.
    public var usable: [CodecFormat]
    /// The formats sent to the recipient, in m= order.
    public var sent: [CodecFormat]
    /// Payload types in `sent` the relay added (`transcode`), not the offerer.
    public var added: Set<UInt8>
    /// Encoder bitrates from `transcode` specs, per added payload type.
    public var bitrates: [UInt8: Int]
    /// `consume` specs: the offerer's leg uses these codecs whatever the answerer picks.
    public var consume: [CodecSpec]
    /// `accept` specs (`always transcode` = `all`): accepted from the offerer, transcoded if needed.
    public var accept: [CodecSpec]
    /// The `ptime` option (towards the recipient), nil to keep what the parties say.
    public var ptime: Int?
    /// The offerer's own `a=ptime`.
    public var offererPtime: Int?
    /// Whether the format list differs from the offerer's (else it is written back untouched).
    public var changed: Bool
}
