import CShim
import Foundation
import Glibc
import RTPWire

/// A plain UDP socket standing in for a phone in tests (bound to an ephemeral port on loopback, or `port`).
final class UDPTestSocket {
    let fd: Int32
    let endpoint: Endpoint

    init(_ address: String = "127.0.0.1", port: UInt16 = 0) throws {
        let fd = rtprelay_udp_bind(address, port)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: -fd) ?? .EINVAL) }
        self.fd = fd
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        var port: UInt16 = 0
        var text = [CChar](repeating: 0, count: 64)
        _ = withUnsafePointer(to: &storage) { rtprelay_sockaddr_format($0, length, &text, 64, &port) }
        endpoint = Endpoint(address: textOf(text), port: port)
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8], to target: Endpoint) {
        var storage = sockaddr_storage()
        let length = withUnsafeMutablePointer(to: &storage) { rtprelay_sockaddr_make(target.address, target.port, $0) }
        _ = bytes.withUnsafeBytes { buf in
            withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, buf.baseAddress, buf.count, 0, $0, length) }
            }
        }
    }

    /// Next datagram and its source, or nil after `timeout` seconds.
    func receive(timeout: Double = 1) -> (bytes: [UInt8], from: Endpoint)? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let n = buffer.withUnsafeMutableBytes { buf in
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, buf.baseAddress, buf.count, 0, $0, &length) }
            }
        }
        guard n >= 0 else { return nil }
        var port: UInt16 = 0
        var text = [CChar](repeating: 0, count: 64)
        _ = withUnsafePointer(to: &storage) { rtprelay_sockaddr_format($0, length, &text, 64, &port) }
        return (Array(buffer.prefix(n)), Endpoint(address: textOf(text), port: port))
    }

    /// Discards everything queued.
    func drain() { while receive(timeout: 0) != nil {} }
}

/// An RTP packet: version 2, the given payload type (and marker), sequence, timestamp (by default 160 ticks per
/// sequence number) and SSRC, then `payload`.
func rtpPacket(seq: UInt16, ts: UInt32? = nil, pt: UInt8 = 0, ssrc: UInt32 = 0x1234_5678, marker: Bool = false,
               payload: [UInt8] = Array(repeating: 0xd5, count: 160)) -> [UInt8] {
    let ts = ts ?? UInt32(seq) &* 160
    return [0x80, (marker ? 0x80 : 0) | pt & 0x7f, UInt8(seq >> 8), UInt8(seq & 0xff),
            UInt8(ts >> 24), UInt8(ts >> 16 & 0xff), UInt8(ts >> 8 & 0xff), UInt8(ts & 0xff),
            UInt8(ssrc >> 24), UInt8(ssrc >> 16 & 0xff), UInt8(ssrc >> 8 & 0xff), UInt8(ssrc & 0xff)] + payload
}

/// A minimal RTCP receiver report (RFC 3550 §6.4.2, no report blocks).
func rtcpReceiverReport(ssrc: UInt32) -> [UInt8] {
    [0x80, 201, 0x00, 0x01, UInt8(ssrc >> 24), UInt8(ssrc >> 16 & 0xff), UInt8(ssrc >> 8 & 0xff), UInt8(ssrc & 0xff)]
}

/// Number of this process's open fds that are UDP sockets bound to a port in `range` (from /proc/self/fd
/// matched against /proc/self/net/udp{,6} by inode), so parallel tests do not disturb the count.
/// `connectedOnly`: only those connected to a peer (a stream's twin; `getpeername` succeeds).
func openUDPSockets(in range: ClosedRange<UInt16>, connectedOnly: Bool = false) -> Int {
    // Asks each descriptor of this process what it is (SO_TYPE) and where it is bound (getsockname),
    // instead of matching /proc/net/udp inodes: that table is shared by every process in the network
    // namespace and was seen to miss this process's sockets while other tests ran.
    var count = 0
    guard let dir = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(dir) }
    var fds: [Int32] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if let fd = Int32(name) { fds.append(fd) }
    }
    for fd in fds {
        var type: Int32 = 0
        var typeLength = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &typeLength) == 0, type == Int32(SOCK_DGRAM.rawValue) else { continue }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        } == 0
        guard ok else { continue }
        let port: UInt16
        switch Int32(storage.ss_family) {
        case AF_INET:
            port = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) } }
        case AF_INET6:
            port = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) } }
        default:
            continue
        }
        guard range.contains(port) else { continue }
        if connectedOnly {
            var peer = sockaddr_storage()
            var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let connected = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &peerLength) }
            } == 0
            guard connected else { continue }
        }
        count += 1
    }
    return count
}


/// The text before the first NUL of a C buffer.
func textOf(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
