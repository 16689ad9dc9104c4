/// ITU-T G.711 companding: µ-law (PCMU, RTP payload type 0) and A-law (PCMA, payload type 8).
///
/// The segment arithmetic below is the definition (G.711 §2, Tables 1a/2a); the hot path never runs it.
/// It runs once to fill lookup tables: 256-entry decode tables, encode tables indexed by the bits
/// each law actually uses (14 for µ-law, 13 for A-law), and 256-entry PCMU⇄PCMA tables so a
/// G.711-to-G.711 leg costs one table load per byte.
public enum G711 {
    public enum Law: Sendable, Hashable {
        case uLaw
        case aLaw
    }

    // MARK: - The definition

    /// µ-law code → 16-bit linear. Codes are transmitted inverted; after inversion bit 7 is the sign
    /// (set = negative), bits 6–4 the segment, bits 3–0 the step within it. Levels carry a bias of
    /// 0x84 (132 in the 16-bit domain) so each segment doubles the step of the previous one.
    public static func uLawDecodeDefinition(_ code: UInt8) -> Int16 {
        let u = ~code
        let segment = Int((u >> 4) & 0x07)
        let step = Int(u & 0x0F)
        let biased = ((step << 3) + 0x84) << segment
        return Int16(u & 0x80 != 0 ? 0x84 - biased : biased - 0x84)
    }

    /// 16-bit linear → µ-law code. µ-law quantises 14 bits: the low two bits are dropped first.
    public static func uLawEncodeDefinition(_ sample: Int16) -> UInt8 {
        var magnitude = Int(sample) >> 2
        let invert: UInt8
        if magnitude < 0 {
            magnitude = -magnitude
            invert = 0x7F   // inversion of a code whose sign bit is set (negative)
        } else {
            invert = 0xFF
        }
        // Clip to the top of segment 7, then add the bias (33 in the 14-bit domain).
        magnitude = min(magnitude, 8159) + 33
        // Segment = position of the highest set bit above bit 5: 33...63 → 0, 64...127 → 1, ...
        let width = Int.bitWidth - magnitude.leadingZeroBitCount
        let segment = width - 6
        if segment >= 8 { return 0x7F ^ invert }
        let step = (magnitude >> (segment + 1)) & 0x0F
        return UInt8((segment << 4) | step) ^ invert
    }

    /// A-law code → 16-bit linear. Even bits are inverted on the line (XOR 0x55); after that bit 7
    /// set means positive. Segments 0 and 1 share a step of 16; each later one doubles it.
    public static func aLawDecodeDefinition(_ code: UInt8) -> Int16 {
        let a = code ^ 0x55
        let segment = Int((a >> 4) & 0x07)
        var magnitude = (Int(a & 0x0F) << 4) + 8   // mid-point of the step
        if segment >= 1 { magnitude += 0x100 }
        if segment > 1 { magnitude <<= segment - 1 }
        return Int16(a & 0x80 != 0 ? magnitude : -magnitude)
    }

    /// 16-bit linear → A-law code. A-law quantises 13 bits: the low three bits are dropped first.
    public static func aLawEncodeDefinition(_ sample: Int16) -> UInt8 {
        var magnitude = Int(sample) >> 3
        let mask: UInt8
        if magnitude >= 0 {
            mask = 0xD5
        } else {
            mask = 0x55
            // Negative levels mirror the positive ones one step lower (-1 is the first negative level).
            magnitude = -magnitude - 1
        }
        // 0...31 → segment 0, 32...63 → 1, ..., 2048...4095 → 7; a 13-bit magnitude never exceeds 4095.
        let width = Int.bitWidth - magnitude.leadingZeroBitCount
        let segment = max(0, width - 5)
        let step = (segment < 2 ? magnitude >> 1 : magnitude >> segment) & 0x0F
        return UInt8((segment << 4) | step) ^ mask
    }

    // MARK: - Tables

    /// Decoded value of each µ-law code.
    public static let uLawToLinear: [Int16] = (0...255).map { uLawDecodeDefinition(UInt8($0)) }
    /// Decoded value of each A-law code.
    public static let aLawToLinear: [Int16] = (0...255).map { aLawDecodeDefinition(UInt8($0)) }

    /// µ-law code of each 14-bit value, indexed by `UInt16(bitPattern: sample) >> 2` (16 KiB).
    static let uLawFromLinear14: [UInt8] = (0..<16384).map {
        uLawEncodeDefinition(Int16(bitPattern: UInt16($0) << 2))
    }
    /// A-law code of each 13-bit value, indexed by `UInt16(bitPattern: sample) >> 3` (8 KiB).
    static let aLawFromLinear13: [UInt8] = (0..<8192).map {
        aLawEncodeDefinition(Int16(bitPattern: UInt16($0) << 3))
    }

    /// PCMU code → the PCMA code whose level is nearest (same sign; ties to the smaller magnitude).
    /// Nearest-level is the least error for one conversion; unlike G.711 Tables 3/4 it does not make
    /// PCMA→PCMU→PCMA transparent: 16 of 256 codes come back as a neighbouring level.
    public static let uLawToALaw: [UInt8] = (0...255).map {
        nearestCode(to: uLawToLinear[$0], sign: UInt8($0) & 0x80 != 0, in: aLawToLinear)
    }
    /// PCMA code → the PCMU code whose level is nearest (same sign; ties to the smaller magnitude).
    public static let aLawToULaw: [UInt8] = (0...255).map {
        nearestCode(to: aLawToLinear[$0], sign: UInt8($0) & 0x80 != 0, in: uLawToLinear)
    }

    /// Direct PCMU⇄PCMA mapping keeps the sign of the code even for µ-law's two zeros, which a
    /// round trip through linear could not (A-law has no zero level).
    private static func nearestCode(to value: Int16, sign positive: Bool, in table: [Int16]) -> UInt8 {
        let target = Int(value)
        var best = -1
        var bestDistance = Int.max
        for code in 0..<256 {
            let level = Int(table[code])
            // Zero counts as whichever sign is asked for: µ-law 0xFF (+0) and 0x7F (-0).
            guard level == 0 || (level > 0) == positive else { continue }
            let distance = abs(level - target)
            if distance < bestDistance || (distance == bestDistance && abs(level) < abs(Int(table[best]))) {
                best = code
                bestDistance = distance
            }
        }
        return UInt8(best)
    }

    // MARK: - Per sample

    @inline(__always)
    public static func uLawEncode(_ sample: Int16) -> UInt8 {
        uLawFromLinear14[Int(UInt16(bitPattern: sample) >> 2)]
    }

    @inline(__always)
    public static func aLawEncode(_ sample: Int16) -> UInt8 {
        aLawFromLinear13[Int(UInt16(bitPattern: sample) >> 3)]
    }

    // MARK: - PCMU ⇄ PCMA without a codec pipeline

    /// Rewrites a PCMU payload into PCMA in place (same length, same timestamps).
    public static func transcodeULawToALaw(_ payload: UnsafeMutableRawBufferPointer) {
        mapInPlace(payload, through: uLawToALaw)
    }

    /// Rewrites a PCMA payload into PCMU in place (same length, same timestamps).
    public static func transcodeALawToULaw(_ payload: UnsafeMutableRawBufferPointer) {
        mapInPlace(payload, through: aLawToULaw)
    }

    /// Copies a PCMU payload into `output` as PCMA; returns bytes written (the shorter of the two).
    public static func transcodeULawToALaw(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int {
        map(payload, into: output, through: uLawToALaw)
    }

    /// Copies a PCMA payload into `output` as PCMU; returns bytes written (the shorter of the two).
    public static func transcodeALawToULaw(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int {
        map(payload, into: output, through: aLawToULaw)
    }

    private static func mapInPlace(_ bytes: UnsafeMutableRawBufferPointer, through table: [UInt8]) {
        table.withUnsafeBufferPointer { t in
            // A UInt8 index into a 256-entry table cannot go out of bounds.
            for i in 0..<bytes.count { bytes[i] = t[Int(bytes[i])] }
        }
    }

    private static func map(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, through table: [UInt8]) -> Int {
        let count = min(input.count, output.count)
        table.withUnsafeBufferPointer { t in
            for i in 0..<count { output[i] = t[Int(input[i])] }
        }
        return count
    }
}
