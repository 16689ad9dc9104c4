import Testing
@testable import ControlProtocol

/// Offers: the egress column is what rtpengine 10.5 printed for `rtpengine-ng-client offer --rtcp-mux=X`
/// on the §4.1 offer (no mux) and on the WebRTC fixture (mux): `a=rtcp-mux` present or not, and whether
/// `a=rtcp:` carried the RTP port (required) or RTP port + 1.
@Suite("rtcp-mux policy")
struct RTCPMuxPolicyTests {
    static let offerCases: [([String], Bool, Bool, RTCPMuxOutput)] = [
        // options, offer has mux, expected ingress mux, expected egress
        ([], false, false, .none),
        ([], true, true, .offer),
        (["offer"], false, false, .offer),
        (["offer"], true, true, .offer),
        (["require"], false, false, .required),
        (["require"], true, true, .required),
        (["demux"], false, false, .none),
        (["demux"], true, true, .none),
        (["accept"], false, false, .none),
        (["accept"], true, true, .offer),
        (["reject"], false, false, .none),
        (["reject"], true, false, .offer),
        (["offer", "demux"], true, true, .offer),
        (["REQUIRE"], true, true, .required),
    ]

    @Test func offersFollowTheClientUnlessTold() {
        for (options, hasMux, ingress, egress) in Self.offerCases {
            let decision = RTCPMuxPolicy.decide(options: options, offerHasMux: hasMux, isOffer: true)
            #expect(decision.ingressMux == ingress, "\(options) mux=\(hasMux)")
            #expect(decision.egress == egress, "\(options) mux=\(hasMux)")
        }
    }

    @Test func answersAcceptMuxOnlyIfTheOffererHadItAccepted() {
        let accepted = RTCPMuxPolicy.decide(options: [], sdpHasMux: false, isOffer: false, offererMuxAccepted: true)
        #expect(accepted.ingressMux == false && accepted.egress == .accepted)  // demuxed by the relay
        let both = RTCPMuxPolicy.decide(options: [], sdpHasMux: true, isOffer: false, offererMuxAccepted: true)
        #expect(both.ingressMux && both.egress == .accepted)
        let notOffered = RTCPMuxPolicy.decide(options: [], sdpHasMux: true, isOffer: false, offererMuxAccepted: false)
        #expect(notOffered.ingressMux && notOffered.egress == .none)
        let required = RTCPMuxPolicy.decide(options: [], sdpHasMux: false, isOffer: false, egressWasRequired: true)
        #expect(required.ingressMux)
    }

    @Test func portNeedsFollowTheOutput() {
        #expect(RTCPMuxOutput.none.needsSeparateRTCPPort && !RTCPMuxOutput.none.advertisesMux)
        #expect(RTCPMuxOutput.offer.needsSeparateRTCPPort && RTCPMuxOutput.offer.advertisesMux)
        #expect(!RTCPMuxOutput.accepted.needsSeparateRTCPPort && RTCPMuxOutput.accepted.advertisesMux)
        #expect(!RTCPMuxOutput.required.needsSeparateRTCPPort && RTCPMuxOutput.required.advertisesMux)
    }
}
