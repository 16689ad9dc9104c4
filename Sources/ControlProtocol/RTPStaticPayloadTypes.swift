/// The static RTP payload types of RFC 3551 §6 (tables 4 and 5), as `encoding/clock[/channels]`
/// the way they appear in `a=rtpmap`. Reserved and unassigned numbers (1, 2, 19–24, 27, 29, 30)
/// have no entry: no rtpmap can be written for them.
public enum RTPStaticPayloadTypes {
    /// The rtpmap text for a static payload type, nil for dynamic or unassigned ones.
    public static func encoding(for payloadType: UInt8) -> String? {
        switch payloadType {
        case 0: return "PCMU/8000"
        case 3: return "GSM/8000"
        case 4: return "G723/8000"
        case 5: return "DVI4/8000"
        case 6: return "DVI4/16000"
        case 7: return "LPC/8000"
        case 8: return "PCMA/8000"
        case 9: return "G722/8000"
        // RFC 3551 table 4: 10 is the stereo one. (rtpengine 10.5 swaps 10 and 11; we follow the RFC.)
        case 10: return "L16/44100/2"
        case 11: return "L16/44100"
        case 12: return "QCELP/8000"
        case 13: return "CN/8000"
        case 14: return "MPA/90000"
        case 15: return "G728/8000"
        case 16: return "DVI4/11025"
        case 17: return "DVI4/22050"
        case 18: return "G729/8000"
        case 25: return "CelB/90000"
        case 26: return "JPEG/90000"
        case 28: return "nv/90000"
        case 31: return "H261/90000"
        case 32: return "MPV/90000"
        case 33: return "MP2T/90000"
        case 34: return "H263/90000"
        default: return nil
        }
    }
}
