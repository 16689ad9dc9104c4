import RTPWire

/// Why the registry refused an offer/answer. The engine maps each case to its ng error text.
public enum CallRegistryError: Error, Hashable, Sendable {
    /// `answer` (or another command needing a call) for a call-id the registry does not hold.
    case unknownCallID
    /// `answer` whose from-tag names no party of the call.
    case unknownTag
    /// `--max-sessions` reached and the request would create a call.
    case sessionLimit
    /// The media plane's port pool is exhausted; the call has been destroyed.
    case outOfPorts
    /// The media plane refused for another reason (no such interface, socket failure); call destroyed.
    case mediaPlane(MediaPlaneError)
    /// An SDES (RTP/SAVP) m= line without an `a=crypto` the relay can honour.
    case noUsableCrypto
    /// An SDES answer whose `a=crypto` tag and suite match none of the lines the relay offered.
    case cryptoNotOffered
    /// No key material could be generated.
    case keyGeneration(SDESCryptoError)
}
