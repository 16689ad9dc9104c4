/// A call set up over ng between two loopback phones, with RTP sent through the relay both ways: what the HTTP
/// tests watch. Phone A is `caller`, phone B is `callee`.
final class RelayedCall {
    let callID: String
    let phoneA: UDPSocket
    let phoneB: UDPSocket
    /// Relay ports each phone sends to (from the SDP the other side's signalling carried).
    let towardsB: UInt16
    let towardsA: UInt16
    /// Payload type each phone sends (the first of its SDP).
    let payloadTypeA: UInt8
    let payloadTypeB: UInt8
    private var sequence: UInt16 = 0
    private let client: NGClient

    /// `offerOptions` go into the offer (e.g. `codec` to make the relay transcode); each phone offers or answers
    /// its payload types.
    init(relay: RelayProcess, callID: String, offerOptions: [(String, TestBencode)] = [],
         payloadTypesA: [Int] = [0, 8, 101], payloadTypesB: [Int] = [0, 8, 101]) throws {
        self.callID = callID
        client = try relay.client()
        phoneA = try UDPSocket()
        phoneB = try UDPSocket()
        payloadTypeA = UInt8(payloadTypesA[0])
        payloadTypeB = UInt8(payloadTypesB[0])
        let offer = try client.command("offer", [("call-id", .string(callID)), ("from-tag", .string("caller")),
                                                 ("sdp", .string(SampleSDP.audio(port: phoneA.port, payloadTypes: payloadTypesA)))]
                                                + offerOptions)
        let answer = try client.command("answer", [("call-id", .string(callID)), ("from-tag", .string("caller")),
                                                   ("to-tag", .string("callee")),
                                                   ("sdp", .string(SampleSDP.audio(port: phoneB.port, payloadTypes: payloadTypesB)))])
        guard offer["result"]?.text == "ok", answer["result"]?.text == "ok",
              let towardsA = SDPSummary(offer["sdp"]?.text ?? "").audioPort,
              let towardsB = SDPSummary(answer["sdp"]?.text ?? "").audioPort else {
            throw ChildProcess.Failure(description: "call setup failed: \(offer) \(answer)")
        }
        self.towardsA = towardsA
        self.towardsB = towardsB
    }

    /// Sends `count` 20 ms PCMU packets each way (A→B skipping every `lossEvery`-th sequence number when set)
    /// and checks each one arrives at the other phone. Returns how many were sent from A and from B.
    @discardableResult
    func exchange(count: Int, lossEvery: Int? = nil) throws -> (fromA: Int, fromB: Int) {
        var sentA = 0, sentB = 0
        for _ in 0..<count {
            sequence &+= 1
            if lossEvery.map({ Int(sequence) % $0 != 0 }) ?? true {
                try phoneA.send(Self.packet(seq: sequence, ssrc: 0xA11CE, payloadType: payloadTypeA), to: "127.0.0.1", port: towardsB)
                guard phoneB.receive(timeout: 2) != nil else { throw ChildProcess.Failure(description: "A→B packet lost") }
                sentA += 1
            }
            try phoneB.send(Self.packet(seq: sequence, ssrc: 0xB0B, payloadType: payloadTypeB), to: "127.0.0.1", port: towardsA)
            guard phoneA.receive(timeout: 2) != nil else { throw ChildProcess.Failure(description: "B→A packet lost") }
            sentB += 1
        }
        return (sentA, sentB)
    }

    func delete() throws -> TestBencode {
        try client.command("delete", [("call-id", .string(callID)), ("from-tag", .string("caller"))])
    }

    static func packet(seq: UInt16, ssrc: UInt32, payloadType: UInt8) -> [UInt8] {
        let ts = UInt32(seq) &* 160
        return [0x80, payloadType & 0x7f, UInt8(seq >> 8), UInt8(seq & 0xff),
                UInt8(ts >> 24), UInt8(ts >> 16 & 0xff), UInt8(ts >> 8 & 0xff), UInt8(ts & 0xff),
                UInt8(ssrc >> 24), UInt8(ssrc >> 16 & 0xff), UInt8(ssrc >> 8 & 0xff), UInt8(ssrc & 0xff)]
            + Array(repeating: 0xff, count: 160)
    }
}
