/// Hex fixtures → bytes (test helper).
func hexBytes(_ hex: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var high: UInt8?
    for scalar in hex.unicodeScalars {
        guard let nibble = UInt8(String(scalar), radix: 16) else { continue }
        if let h = high {
            bytes.append(h << 4 | nibble)
            high = nil
        } else {
            high = nibble
        }
    }
    return bytes
}

/// Bytes produced by Tests/Fixtures/rtcp/make_fixtures.py (struct-packed from the RFC layouts) and
/// decoded by tshark into Tests/Fixtures/rtcp/tshark-decode.txt.
enum Fixture {
    static let linphoneSRSDES = hexBytes("81c8000c5a3c1f02eb2a4c108f5c28f60001f400000005de0003aac01b2c3d4e0c00002500011f40000000544c108f5c0001333381ca00125a3c1f0201156c696e70686f6e65403139322e3136382e312e323006284c696e70686f6e65204465736b746f702f352e322e30202862656c6c652d7369702f352e322e3029000000")
    static let rrTwoBlocks = hexBytes("82c9000d0a0b0c0d11111111000000000002fffe000000a0abcd1234000100002222222240fffffd0000010000000002000000000000000081ca00060a0b0c0d010e7278406578616d706c652e6f726700000000")
    static let xrVoIPRRTDLRR = hexBytes("80cf00140a0b0c0d04000002eb2a4c2040000000050000065a3c1f024c108f5c00008000111111111234567800010000070000085a3c1f020d05500200781194002a0041e9bd7f10587f292868000028005000c8")
    static let byeAppNack = hexBytes("80c900010a0b0c0d81cd00030a0b0c0d5a3c1f0203e8000583cc00040a0b0c0d504c4949010203040506070882cb00060a0b0c0d0e0f10110d73657373696f6e20656e6465640000")
    static let reducedSizePLI = hexBytes("81ce00020a0b0c0d5a3c1f02")
    static let rrPadded = hexBytes("a1c900090a0b0c0d33333333ff7fffffffffffffffffffff00000001000000020000000000000008")
    static let rtpPCMU = hexBytes("8080ffffffffff605a3c1f02" + String(repeating: "ff", count: 160))
    static let rtpCSRCExtension = hexBytes("926f1092000ea600deadbeef0102030405060708bede0001108500000000000000000000000000000000000000000000")

    static let allCompounds: [[UInt8]] = [linphoneSRSDES, rrTwoBlocks, xrVoIPRRTDLRR, byeAppNack, reducedSizePLI, rrPadded]
}
