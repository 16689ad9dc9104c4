import RTPWire

/// What a plan update does to one direction of a stream's SRTP, decided on the control thread: a session
/// allocates its contexts when it is created, so sessions are built there and handed to the worker inside the
/// command, never on the hot path.
///
/// A re-offer that carries the same keys keeps the running session (`unchanged`), so the replay window and
/// the rollover counter survive it; different keys (re-keying on re-INVITE) bring a fresh session.
enum SRTPTransition: Sendable {
    /// Keep whatever the slot runs now.
    case unchanged
    /// Plain RTP from now on in this direction.
    case plain
    /// Run this session from now on (the worker drops the one it replaces, off the packet path).
    case session(SRTPSession)
    /// Keys were negotiated but no session could be made from them (a suite or key combination the session refuses): the
    /// direction drops every packet rather than pass media in the clear or pass unauthenticated media on.
    case unusable

    /// The transition from `previous` keys to `next` keys, building the new session when they differ.
    static func between(_ previous: SRTPKeying?, _ next: SRTPKeying?, direction: SRTPSession.Direction) -> SRTPTransition {
        if previous == next { return .unchanged }
        guard let next else { return .plain }
        guard let suite = SRTPSuite(rawValue: next.suite.rawValue), next.hasValidLengths else { return .unusable }
        // The SDES session parameters become the session's services; a combination the suite cannot run
        // (an AEAD suite without encryption or authentication of RTP) makes the session refuse, so `unusable`.
        let services = SRTPServices(encryptRTP: !next.unencryptedSRTP, authenticateRTP: !next.unauthenticatedSRTP,
                                    encryptRTCP: !next.unencryptedSRTCP)
        do {
            return .session(try SRTPSession(suite: suite, masterKeyAndSalt: next.masterKeyAndSalt, direction: direction,
                                            services: services))
        } catch {
            return .unusable
        }
    }
}
