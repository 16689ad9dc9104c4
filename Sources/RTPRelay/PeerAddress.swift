import CShim
import RTPWire

/// A remote transport address as the raw `sockaddr_in`/`sockaddr_in6` bytes the kernel hands out.
/// The hot path copies and compares these bytewise; converting to text happens only on rare events.
/// 32 bytes hold a `sockaddr_in6` (28); unused bytes stay zero so equality is plain field equality.
public struct PeerAddress: Hashable, Sendable {
    // The words come first so the sockaddr bytes start at offset 0 of the struct.
    private var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0
    /// Length of the sockaddr inside the words (16 for IPv4, 28 for IPv6).
    public private(set) var length: UInt32

    static let capacity = 32

    /// Copies `length` bytes of a sockaddr (as written by recvmmsg); longer inputs are cut to 32 bytes.
    @inline(__always)
    init(copying raw: UnsafeRawPointer, length: UInt32) {
        let n = min(Int(length), PeerAddress.capacity)
        self.length = UInt32(n)
        withUnsafeMutableBytes(of: &self) { dst in
            dst.baseAddress!.copyMemory(from: raw, byteCount: n)
        }
    }

    init(emptyWithLength length: UInt32) { self.length = length }

    /// The address from text (`127.0.0.1`, `::1`); nil if not an IP literal.
    public init?(_ endpoint: Endpoint) {
        var value = PeerAddress(emptyWithLength: 0)
        let written = withUnsafeMutableBytes(of: &value) { dst -> UInt32 in
            rtprelay_sockaddr_make(endpoint.address, endpoint.port, dst.baseAddress!)
        }
        guard written > 0 else { return nil }
        value.length = written
        self = value
    }

    /// The sockaddr bytes, for passing to the kernel.
    @inline(__always)
    func withSockaddr<R>(_ body: (UnsafeRawPointer, UInt32) -> R) -> R {
        withUnsafeBytes(of: self) { raw in
            body(raw.baseAddress!, length)
        }
    }

    /// Copies the sockaddr into `destination` (at least 32 bytes) and returns its length.
    @inline(__always)
    func copy(to destination: UnsafeMutableRawPointer) -> UInt32 {
        withSockaddr { raw, len in
            destination.copyMemory(from: raw, byteCount: PeerAddress.capacity)
            return len
        }
    }

    /// Same IP address (port ignored). sockaddr_in: address at bytes 4..<8; sockaddr_in6: 8..<24.
    @inline(__always)
    func sameHost(as other: PeerAddress) -> Bool {
        guard length == other.length else { return false }
        #if _endian(little)
        if length == 16 { return (w0 >> 32) == (other.w0 >> 32) }  // bytes 4..<8 are the high half
        #else
        if length == 16 { return (w0 & 0xffff_ffff) == (other.w0 & 0xffff_ffff) }
        #endif
        return w1 == other.w1 && w2 == other.w2
    }

    /// The textual form (for counters and logs; allocates, never on the hot path).
    public var endpoint: Endpoint? {
        withSockaddr { raw, len -> Endpoint? in
            var buffer = [CChar](repeating: 0, count: 64)
            var port: UInt16 = 0
            let rc = buffer.withUnsafeMutableBufferPointer { buf in
                rtprelay_sockaddr_format(raw, len, buf.baseAddress!, UInt32(buf.count), &port)
            }
            guard rc == 0 else { return nil }
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return Endpoint(address: text, port: port)
        }
    }
}
