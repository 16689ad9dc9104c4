import Foundation
import Testing

/// Drives the relay with Sipwise's own command-line client (`rtpengine-ng-client`, Perl, from
/// Debian's rtpengine-utils): the relay must be usable by rtpengine's tooling unchanged.
@Suite("rtpengine-ng-client against the relay")
struct NGClientToolTests {
    static let tool = "/usr/bin/rtpengine-ng-client"

    struct Run {
        var status: Int32?
        var output: String
        var errors: String

        /// The SDP between the scissors lines after "New SDP:".
        var newSDP: String? {
            guard let start = output.range(of: "New SDP:\n") else { return nil }
            let rest = output[start.upperBound...]
            guard let open = rest.range(of: "\n") else { return nil }
            let body = rest[open.upperBound...]
            guard let close = body.range(of: "----->8") else { return nil }
            return String(body[..<close.lowerBound])
        }
    }

    static func run(_ relay: RelayProcess, _ arguments: [String]) throws -> Run {
        let process = try ChildProcess.spawn(tool, ["--proxy-address=127.0.0.1", "--proxy-port=\(relay.ngPort)"] + arguments,
                                             directory: relay.directory.path, name: "ng-client")
        let status = process.waitForExit(timeout: 20)
        if status == nil { process.stop(signal: 9) }
        return Run(status: status, output: process.standardOutput, errors: process.standardError)
    }

    @Test("ping, offer, answer, query, delete: relay ports on 127.0.0.1, nothing left after delete",
          arguments: [RelayKind.rtprelayd])
    func fullCallLifecycle(kind: RelayKind) throws {
        let relay = try RelayProcess(kind)
        let callID = "ngclient-\(UInt32.random(in: 0...UInt32.max))"
        let (fromTag, toTag) = ("callerTag1", "calleeTag2")

        let ping = try Self.run(relay, ["ping"])
        #expect(ping.status == 0)
        #expect(ping.output.contains("result => 'pong'"))

        let offer = try Self.run(relay, ["offer", "--call-id=\(callID)", "--from-tag=\(fromTag)",
                                         "--sdp=\(SampleSDP.audio(port: 5000))"])
        #expect(offer.status == 0, "offer failed: \(offer.errors)")
        let offered = SDPSummary(try #require(offer.newSDP, "no New SDP in: \(offer.output)"))
        #expect(offered.connectionAddress == "127.0.0.1")
        let offerPort = try #require(offered.audioPort)
        #expect(relay.mediaPorts.contains(offerPort), "offer port \(offerPort) outside \(relay.mediaPorts)")
        #expect(offered.payloadTypes == ["0", "8", "101"])

        let answer = try Self.run(relay, ["answer", "--call-id=\(callID)", "--from-tag=\(fromTag)", "--to-tag=\(toTag)",
                                          "--sdp=\(SampleSDP.audio(port: 6000, sessionID: 777, payloadTypes: [0]))"])
        #expect(answer.status == 0, "answer failed: \(answer.errors)")
        let answered = SDPSummary(try #require(answer.newSDP, "no New SDP in: \(answer.output)"))
        #expect(answered.connectionAddress == "127.0.0.1")
        let answerPort = try #require(answered.audioPort)
        #expect(relay.mediaPorts.contains(answerPort), "answer port \(answerPort) outside \(relay.mediaPorts)")
        #expect(answerPort != offerPort)

        let query = try Self.run(relay, ["query", "--call-id=\(callID)"])
        #expect(query.status == 0, "query failed: \(query.errors)")
        // Data::Dumper prints the monologues as `tags => { <tag> => {...` (sorted keys, quoted only if needed).
        #expect(query.output.contains("\(fromTag) => {"), "query output: \(query.output)")
        #expect(query.output.contains("\(toTag) => {"), "query output: \(query.output)")

        let listed = try Self.run(relay, ["list"])
        #expect(listed.output.contains("'\(callID)'"))

        let delete = try Self.run(relay, ["delete", "--call-id=\(callID)", "--from-tag=\(fromTag)"])
        #expect(delete.status == 0, "delete failed: \(delete.errors)")

        let after = try Self.run(relay, ["list"])
        #expect(after.status == 0)
        #expect(after.output.contains("calls => []"), "list after delete: \(after.output)")

        let gone = try Self.run(relay, ["query", "--call-id=\(callID)"])
        #expect(gone.status != 0)
        #expect(gone.errors.contains("Error reason: \"Unknown call-id\""), "query after delete: \(gone.errors)")
    }
}
