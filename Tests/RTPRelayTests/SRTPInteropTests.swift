import CShim
import Foundation
import Glibc
import RTPRelay
import RTPWire
import Testing

/// SRTPSession against an SRTP implementation nobody here wrote: Sipwise rtpengine (its own SRTP
/// over OpenSSL), run as a plain process on loopback. For each suite a call is set up with SDES:
/// leg A plain RTP, leg B RTP/SAVP with our key. rtpengine's packets to B must unprotect with the
/// key it offered, and packets we protect must come out of rtpengine as the plain RTP we sent.
@Suite(.serialized) struct SRTPInteropTests {
    @Test func rtpengineAndSRTPSessionUnderstandEachOther() throws {
        let engine = try Rtpengine()
        defer { engine.stop() }
        for suite in SRTPSuite.allCases {
            let a = try UDPTestSocket()
            let b = try UDPTestSocket()
            let callID = "srtp-interop-\(suite.rawValue)"
            let offerSDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                + "m=audio \(a.endpoint.port) RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
            let offer = try engine.command(["command": "offer", "call-id": .text(callID), "from-tag": "A", "sdp": .text(offerSDP),
                                            "transport-protocol": "RTP/SAVP", "ICE": "remove", "DTLS": "off"])
            // rtpengine offers every suite it knows, each with its own key: pick ours.
            let crypto = try #require(Self.crypto(for: suite, in: offer))
            let portToB = try #require(Self.mediaPort(in: offer))
            let ourKey = (0..<suite.masterLength).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            let answerSDP = "v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                + "m=audio \(b.endpoint.port) RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
                + "a=crypto:\(crypto.tag) \(suite.rawValue) inline:\(Data(ourKey).base64EncodedString())\r\n"
            let answer = try engine.command(["command": "answer", "call-id": .text(callID), "from-tag": "A", "to-tag": "B",
                                             "sdp": .text(answerSDP), "ICE": "remove"])
            let portToA = try #require(Self.mediaPort(in: answer))
            #expect(crypto.key.count == suite.masterLength)

            let fromEngine = try SRTPSession(suite: suite, masterKeyAndSalt: crypto.key, direction: .inbound)
            let toEngine = try SRTPSession(suite: suite, masterKeyAndSalt: ourKey, direction: .outbound)
            var received = 0
            var delivered = 0
            for seq in UInt16(1)...5 {
                // A → rtpengine (plain) → B (SRTP with rtpengine's key).
                let plain = rtpPacket(seq: seq, ssrc: 0x1122_3344, payload: (0..<160).map { UInt8(truncatingIfNeeded: Int(seq) + $0) })
                a.send(plain, to: Endpoint(address: "127.0.0.1", port: portToA))
                if let srtp = b.receive(timeout: 2)?.bytes {
                    var buffer = srtp
                    if let n = try? buffer.withUnsafeMutableBytes({ try fromEngine.unprotect($0, length: $0.count) }),
                       Array(buffer[12..<n]) == Array(plain[12...]) {
                        received += 1
                    }
                }
                // B (SRTP with our key) → rtpengine → A (plain).
                let ours = rtpPacket(seq: seq, ssrc: 0x5566_7788, payload: (0..<160).map { UInt8(truncatingIfNeeded: 3 * Int(seq) + $0) })
                var buffer = ours + [UInt8](repeating: 0, count: SRTPSession.maxTrailerLength)
                let n = try buffer.withUnsafeMutableBytes { try toEngine.protect($0, length: ours.count) }
                b.send(Array(buffer[0..<n]), to: Endpoint(address: "127.0.0.1", port: portToB))
                if let out = a.receive(timeout: 2)?.bytes, Array(out.dropFirst(12)) == Array(ours[12...]) {
                    delivered += 1
                }
            }
            #expect(received == 5, "\(suite.rawValue): rtpengine → SRTPSession")
            #expect(delivered == 5, "\(suite.rawValue): SRTPSession → rtpengine")
            _ = try? engine.command(["command": "delete", "call-id": .text(callID), "delete delay": 0])
        }
    }

    /// `a=crypto:<tag> <suite> inline:<base64 key‖salt>` for `suite` in the SDP of an ng reply.
    static func crypto(for suite: SRTPSuite, in reply: [String: MiniBencode]) -> (tag: String, key: [UInt8])? {
        guard let sdp = reply["sdp"]?.text else { return nil }
        for line in sdp.split(separator: "\r\n") where line.hasPrefix("a=crypto:") {
            let fields = line.dropFirst("a=crypto:".count).split(separator: " ")
            guard fields.count >= 3, fields[1] == suite.rawValue, fields[2].hasPrefix("inline:") else { continue }
            var b64 = String(fields[2].dropFirst("inline:".count).prefix { $0 != "|" })
            while b64.count % 4 != 0 { b64 += "=" }   // rtpengine leaves out the padding
            guard let key = Data(base64Encoded: b64) else { return nil }
            return (String(fields[0]), Array(key))
        }
        return nil
    }

    static func mediaPort(in reply: [String: MiniBencode]) -> UInt16? {
        guard let sdp = reply["sdp"]?.text,
              let m = sdp.split(separator: "\r\n").first(where: { $0.hasPrefix("m=audio ") }) else { return nil }
        return UInt16(m.split(separator: " ")[1])
    }
}

/// rtpengine as a child process: userspace only, no config file, ng and media on loopback ports
/// that were free when it started. Stopped by its pid.
final class Rtpengine {
    let process = Process()
    let ngPort: UInt16
    private let socket: UDPTestSocket

    init() throws {
        socket = try UDPTestSocket()
        // Media ports in 20000..<24000: below the ephemeral range (the tests' own sockets never take them), above the
        // end-to-end tests' relays (10000..<20000), below RTPRelayTests' fixed ranges (24000+).
        let start = UInt16(20000 + 2 * Int.random(in: 0..<1950))
        // A port that is free now: the probe socket is closed when the helper returns.
        func freePort() throws -> UInt16 { try UDPTestSocket().endpoint.port }
        ngPort = try freePort()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/rtpengine")
        process.arguments = ["--config-file=none", "--table=-1", "--foreground", "--log-stderr", "--log-level=5",
                             "--interface=127.0.0.1", "--listen-ng=127.0.0.1:\(ngPort)",
                             "--port-min=\(start)", "--port-max=\(start + 99)", "--delete-delay=0"]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        for _ in 0..<100 where process.isRunning {
            if (try? command(["command": "ping"], timeout: 0.1))?["result"]?.text == "pong" { return }
        }
        stop()
        throw POSIXError(.ETIMEDOUT)
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

    func command(_ dict: [String: MiniBencode], timeout: Double = 3) throws -> [String: MiniBencode] {
        let cookie = "c\(UInt32.random(in: 0...UInt32.max))"
        socket.drain()
        socket.send(Array((cookie + " ").utf8) + MiniBencode.dict(dict).encoded, to: Endpoint(address: "127.0.0.1", port: ngPort))
        guard let reply = socket.receive(timeout: timeout)?.bytes,
              reply.starts(with: Array((cookie + " ").utf8)) else { throw POSIXError(.ETIMEDOUT) }
        var index = cookie.utf8.count + 1
        guard case .dict(let d)? = MiniBencode.parse(reply, &index) else { throw POSIXError(.EBADMSG) }
        return d
    }
}

/// Just enough bencode to talk ng to rtpengine from this test (the real codec is ControlProtocol's,
/// which RTPRelay's tests may not import).
enum MiniBencode: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case bytes([UInt8])
    case int(Int)
    case list([MiniBencode])
    case dict([String: MiniBencode])

    init(stringLiteral value: String) { self = .bytes(Array(value.utf8)) }
    init(integerLiteral value: Int) { self = .int(value) }
    static func text(_ s: String) -> MiniBencode { .bytes(Array(s.utf8)) }

    var text: String? { if case .bytes(let b) = self { String(decoding: b, as: UTF8.self) } else { nil } }

    var encoded: [UInt8] {
        switch self {
        case .bytes(let b): Array("\(b.count):".utf8) + b
        case .int(let i): Array("i\(i)e".utf8)
        case .list(let l): [UInt8(ascii: "l")] + l.flatMap(\.encoded) + [UInt8(ascii: "e")]
        case .dict(let d):
            [UInt8(ascii: "d")] + d.keys.sorted().flatMap { MiniBencode.bytes(Array($0.utf8)).encoded + d[$0]!.encoded } + [UInt8(ascii: "e")]
        }
    }

    static func parse(_ b: [UInt8], _ i: inout Int) -> MiniBencode? {
        guard i < b.count else { return nil }
        switch b[i] {
        case UInt8(ascii: "i"):
            guard let end = b[i...].firstIndex(of: UInt8(ascii: "e")), let v = Int(String(decoding: b[(i + 1)..<end], as: UTF8.self)) else { return nil }
            i = end + 1
            return .int(v)
        case UInt8(ascii: "l"), UInt8(ascii: "d"):
            let isDict = b[i] == UInt8(ascii: "d")
            i += 1
            var items: [MiniBencode] = []
            while i < b.count, b[i] != UInt8(ascii: "e") {
                guard let item = parse(b, &i) else { return nil }
                items.append(item)
            }
            guard i < b.count else { return nil }
            i += 1
            guard isDict else { return .list(items) }
            guard items.count % 2 == 0 else { return nil }
            var d: [String: MiniBencode] = [:]
            for k in stride(from: 0, to: items.count, by: 2) {
                guard let key = items[k].text else { return nil }
                d[key] = items[k + 1]
            }
            return .dict(d)
        default:
            guard let colon = b[i...].firstIndex(of: UInt8(ascii: ":")),
                  let n = Int(String(decoding: b[i..<colon], as: UTF8.self)), n >= 0, colon + 1 + n <= b.count else { return nil }
            i = colon + 1 + n
            return .bytes(Array(b[(colon + 1)..<i]))
        }
    }
}
