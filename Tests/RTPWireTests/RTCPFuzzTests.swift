import Testing
import RTPWire

@Suite struct RTCPFuzzTests {
    /// 24k inputs: fixtures with random bytes flipped, truncated or spliced, and pure noise that
    /// looks like RTCP (version 2 first byte). The walk must end, never trap, never yield more packets
    /// than 4-byte steps fit, and whatever it yields must write back to bytes that parse the same.
    @Test func mutatedCompoundsNeverTrapAndAlwaysTerminate() {
        var rng = SplitMix(seed: 0x5EED)
        var yielded = 0, stoppedEarly = 0, rtpHeaders = 0
        for round in 0..<24_000 {
            var bytes: [UInt8]
            switch round % 4 {
            case 0, 1:
                bytes = Fixture.allCompounds[Int(rng.next() % 6)]
                for _ in 0..<(1 + rng.next() % 4) where !bytes.isEmpty {
                    bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
                if rng.next() % 3 == 0 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1)))) }
            case 2:
                bytes = Fixture.allCompounds[Int(rng.next() % 6)] + Fixture.allCompounds[Int(rng.next() % 6)]
                bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: Int(rng.next() % UInt64(bytes.count)))
            default:
                bytes = (0..<Int(rng.next() % 96)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                if !bytes.isEmpty { bytes[0] = 0x80 | (bytes[0] & 0x3F) }
            }
            var iterator = RTCPCompound(bytes: bytes).makeIterator()
            var packets: [RTCPPacket] = []
            while let packet = iterator.next() {
                packets.append(packet)
                if packets.count > bytes.count / 4 { break }
            }
            #expect(packets.count <= bytes.count / 4)
            if iterator.error != nil { stoppedEarly += 1 }
            yielded += packets.count
            var writer = RTCPCompoundWriter()
            writer.append(contentsOf: packets)
            // Whatever was read writes back to bytes that read the same (parse ∘ write = identity on values).
            let (again, _) = RTCPCompound.parse(writer.bytes)
            #expect(again == packets)
            // Each fuzz input also goes through the RTP header parser; a header it accepts writes back
            // to exactly the bytes it came from.
            if let header = try? RTPHeader(parsing: bytes) {
                var out: [UInt8] = []
                header.write(into: &out)
                #expect(out == Array(bytes.prefix(header.headerLength)))
                rtpHeaders += 1
            }
        }
        // The corpus exercised both outcomes.
        #expect(yielded > 10_000)
        #expect(stoppedEarly > 1_000)
        #expect(rtpHeaders > 1_000)
    }
}
