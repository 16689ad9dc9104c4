/// SDES keys of one party's leg for one m= line. The relay terminates SRTP on every SDES leg, so each
/// leg has its own pair of keys and none is passed through to the other side.
public struct SDESLegState: Sendable, Hashable {
    /// The lines the relay offered to this party in its last offer to it (one per suite, fresh or
    /// kept keys), waiting for the party's answer to pick one. Empty when the relay offered none.
    public internal(set) var offered: [SDESCrypto] = []
    /// The party's key: what it encrypts with when it sends to the relay (its own `a=crypto`).
    public internal(set) var remote: SDESCrypto?
    /// The relay's key towards the party: what the relay encrypts with (the `a=crypto` it announced).
    public internal(set) var local: SDESCrypto?

    public init() {}

    /// Both directions are keyed, so the leg runs SRTP.
    public var isActive: Bool { remote != nil && local != nil }
}
