import RTPWire

/// What the hot path knows about a packet when asking the latch about it.
public struct PacketFacts: Sendable, Hashable {
    /// RTP/RTCP version 2 (the classifier already drops other versions; kept for pure tests).
    public var versionOK: Bool
    /// RTP payload type (7 bits); nil for RTCP.
    public var payloadType: UInt8?
    /// RTP sequence number; nil for RTCP.
    public var sequence: UInt16?

    @inline(__always)
    public init(versionOK: Bool = true, payloadType: UInt8? = nil, sequence: UInt16? = nil) {
        self.versionOK = versionOK
        self.payloadType = payloadType
        self.sequence = sequence
    }
}

/// Whether a packet received on a stream is relayed.
public enum LatchDecision: Sendable, Hashable {
    case accept
    /// From a source that is not (or not yet) the stream's remote: dropped and counted.
    case dropForeign
}

/// The latching rules of one stream's plan, without anything that allocates (payload types as a bitmask),
/// so a latch is a plain value the worker keeps in a flat array.
public struct LatchPolicy: Sendable, Hashable {
    public var mode: LearningMode
    public var windowNanoseconds: UInt64
    public var strictSource: Bool
    public var mediaHandover: Bool
    public var asymmetric: Bool
    /// Bit n set: payload type n is expected. Both zero: any payload type.
    var payloadTypesLow: UInt64 = 0
    var payloadTypesHigh: UInt64 = 0

    public init(mode: LearningMode = .heuristic, window: Double = 3, strictSource: Bool = false,
                mediaHandover: Bool = false, asymmetric: Bool = false, payloadTypes: [UInt8] = []) {
        self.mode = mode
        self.windowNanoseconds = MonotonicInstant(nanoseconds: 0).adding(seconds: window).nanoseconds
        self.strictSource = strictSource
        self.mediaHandover = mediaHandover
        self.asymmetric = asymmetric
        for pt in payloadTypes where pt < 128 {
            if pt < 64 { payloadTypesLow |= 1 << UInt64(pt) } else { payloadTypesHigh |= 1 << UInt64(pt - 64) }
        }
    }

    /// The RTP part of a stream plan.
    public init(plan: StreamPlan) {
        self.init(mode: plan.learning, window: plan.learningWindow, strictSource: plan.strictSource,
                  mediaHandover: plan.mediaHandover, asymmetric: plan.asymmetric, payloadTypes: plan.payloadTypes)
    }

    @inline(__always)
    func expects(payloadType pt: UInt8) -> Bool {
        if payloadTypesLow == 0 && payloadTypesHigh == 0 { return true }
        let bit = UInt64(pt & 0x3f)
        return pt & 0x40 == 0 ? (payloadTypesLow >> bit) & 1 == 1 : (payloadTypesHigh >> bit) & 1 == 1
    }
}

/// Decides, per received packet, whether its source is this stream's remote, and where to send packets
/// destined to that remote. Pure: fed source bytes, packet facts and `now`; no sockets, no clock.
///
/// Learning (rtpengine's `endpoint-learning`, ng-protocol.md §9.3): during the window after a plan is applied,
/// `heuristic` keeps the best candidate by rank (SDP address+port > SDP address > anything) and relays only
/// from it, then locks onto it when the window closes. A source counts as a candidate only if its packets look
/// like this stream (version 2, an expected payload type; for the "anything" rank two consecutive sequence
/// numbers), so a prober spraying RTP from another port cannot outrank the phone sending from its SDP port and
/// never becomes a destination while learning (the destination stays the SDP address until the lock).
public struct EndpointLatch: Sendable, Hashable {
    enum Phase: Sendable, Hashable {
        /// No learning (`off`, `asymmetric`): accept from anywhere, send to the SDP address.
        case never
        /// Inside the learning window until `windowEnd`.
        case learning
        /// Window over without a lock: lock onto the next candidate.
        case awaiting
        /// Locked onto `latched`.
        case locked
    }

    public private(set) var policy: LatchPolicy
    /// The remote announced in SDP (nil: unknown).
    public private(set) var expected: PeerAddress?
    /// The learned remote (nil until locked).
    public private(set) var latched: PeerAddress?
    /// Incremented whenever `latched` changes, so the worker publishes only then.
    public private(set) var generation: UInt32 = 0
    private(set) var phase: Phase
    private var windowEnd: UInt64 = 0
    private var best: PeerAddress?
    private var bestRank: UInt8 = 0
    /// The last "anything"-rank source and its last sequence number (two in a row make it a candidate).
    private var pending: PeerAddress?
    private var pendingSequence: UInt16 = 0
    /// Where packets go before the lock: the SDP address, or the previous lock when the SDP did not change.
    private var provisional: PeerAddress?

    /// A latch with no plan yet: accepts anything, has no destination.
    public init() {
        policy = LatchPolicy(mode: .off, window: 0)
        phase = .never
    }

    /// Applies a (new) plan: re-arms learning. The current lock, if any, stays the candidate to beat, and stays
    /// the destination while learning if the SDP address did not change.
    public mutating func apply(policy: LatchPolicy, expected: PeerAddress?, now: MonotonicInstant) {
        let previous = latched
        let sdpUnchanged = expected == nil || expected == self.expected
        self.policy = policy
        self.expected = expected
        pending = nil
        best = nil
        bestRank = 0
        if policy.asymmetric || policy.mode == .off {
            phase = .never
            if latched != nil { latched = nil; generation &+= 1 }
            provisional = expected
            return
        }
        latched = nil
        provisional = (sdpUnchanged ? previous : nil) ?? expected ?? previous
        windowEnd = now.nanoseconds &+ policy.windowNanoseconds
        if windowEnd < now.nanoseconds { windowEnd = .max }
        switch policy.mode {
        case .immediate:
            phase = .awaiting
        case .heuristic, .delayed, .off:
            phase = .learning
            if policy.mode == .heuristic, let previous {
                best = previous
                bestRank = max(rank(of: previous), 1)
            }
        }
        if previous != nil { generation &+= 1 }
    }

    /// Where packets for this remote go now (after `advance(now:)`).
    @inline(__always)
    public var destination: PeerAddress? {
        phase == .locked ? latched : provisional
    }

    /// Closes the learning window when it is over (heuristic: locks onto the best candidate).
    @inline(__always)
    public mutating func advance(now: MonotonicInstant) {
        guard phase == .learning, now.nanoseconds >= windowEnd else { return }
        if policy.mode == .heuristic, let best {
            lock(best)
        } else {
            phase = .awaiting
        }
    }

    /// Decides about one packet from `source`.
    @inline(__always)
    public mutating func observe(source: PeerAddress, facts: PacketFacts, now: MonotonicInstant) -> LatchDecision {
        advance(now: now)
        switch phase {
        case .never:
            return .accept
        case .locked:
            if source == latched { return .accept }
            if policy.strictSource || !policy.mediaHandover { return .dropForeign }
            guard isCandidate(source, facts: facts, rank: rank(of: source)) else { return .dropForeign }
            lock(source)
            return .accept
        case .awaiting:
            if policy.mode == .delayed {
                // Forwarding per SDP continues; the next plausible packet decides the remote.
                if plausible(facts) { lock(source) }
                return .accept
            }
            let r = rank(of: source)
            // immediate takes the first plausible source; heuristic still wants a credible one.
            let ok = policy.mode == .immediate ? plausible(facts) : isCandidate(source, facts: facts, rank: r)
            guard ok else { return .dropForeign }
            lock(source)
            return .accept
        case .learning:
            if policy.mode != .heuristic { return .accept }  // delayed: forward per SDP during the window
            if source == best { return .accept }
            let r = rank(of: source)
            guard r > bestRank, isCandidate(source, facts: facts, rank: r) else { return .dropForeign }
            best = source
            bestRank = r
            return .accept
        }
    }

    /// 3: the SDP address and port; 2: the SDP address; 1: anything else.
    @inline(__always)
    func rank(of source: PeerAddress) -> UInt8 {
        guard let expected else { return 1 }
        if source == expected { return 3 }
        return source.sameHost(as: expected) ? 2 : 1
    }

    @inline(__always)
    private func plausible(_ facts: PacketFacts) -> Bool {
        guard facts.versionOK else { return false }
        if let pt = facts.payloadType { return policy.expects(payloadType: pt) }
        return true
    }

    /// Plausible, and for the lowest rank seen twice in a row (consecutive sequence numbers for RTP).
    @inline(__always)
    private mutating func isCandidate(_ source: PeerAddress, facts: PacketFacts, rank r: UInt8) -> Bool {
        guard plausible(facts) else { return false }
        if r >= 2 { return true }
        let seq = facts.sequence ?? 0
        if source == pending, facts.sequence == nil || seq == pendingSequence &+ 1 {
            pendingSequence = seq
            return true
        }
        pending = source
        pendingSequence = seq
        return false
    }

    @inline(__always)
    private mutating func lock(_ source: PeerAddress) {
        phase = .locked
        if latched != source {
            latched = source
            generation &+= 1
        }
        best = nil
        pending = nil
    }
}
