import CShim
import Foundation
import Glibc
import RTPWire

/// A plain UDP socket standing in for a phone in tests (bound to an ephemeral port on loopback).
final class UDPTestSocket {
    let fd: Int32
    let endpoint: Endpoint

    init(_ address: String = "127.0.0.1") throws {
        let fd = rtprelay_udp_bind(address, 0)
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

/// An RTP packet: version 2, the given payload type, sequence, timestamp and SSRC, then `payload`.
func rtpPacket(seq: UInt16, pt: UInt8 = 0, ssrc: UInt32 = 0x1234_5678, payload: [UInt8] = Array(repeating: 0xd5, count: 160)) -> [UInt8] {
    let ts = UInt32(seq) &* 160
    return [0x80, pt & 0x7f, UInt8(seq >> 8), UInt8(seq & 0xff),
            UInt8(ts >> 24), UInt8(ts >> 16 & 0xff), UInt8(ts >> 8 & 0xff), UInt8(ts & 0xff),
            UInt8(ssrc >> 24), UInt8(ssrc >> 16 & 0xff), UInt8(ssrc >> 8 & 0xff), UInt8(ssrc & 0xff)] + payload
}

/// A minimal RTCP receiver report (RFC 3550 §6.4.2, no report blocks).
func rtcpReceiverReport(ssrc: UInt32) -> [UInt8] {
    [0x80, 201, 0x00, 0x01, UInt8(ssrc >> 24), UInt8(ssrc >> 16 & 0xff), UInt8(ssrc >> 8 & 0xff), UInt8(ssrc & 0xff)]
}

/// Number of this process's open fds that are UDP sockets bound to a port in `range` (from /proc/self/fd
/// matched against /proc/self/net/udp{,6} by inode), so parallel tests do not disturb the count.
func openUDPSockets(in range: ClosedRange<UInt16>) -> Int {
    var inodes = Set<String>()
    for table in ["/proc/self/net/udp", "/proc/self/net/udp6"] {
        guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 9, let colon = fields[1].lastIndex(of: ":"),
                  let port = UInt16(fields[1][fields[1].index(after: colon)...], radix: 16), range.contains(port) else { continue }
            inodes.insert(String(fields[9]))
        }
    }
    var count = 0
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    for fd in fds {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)"),
              target.hasPrefix("socket:[") else { continue }
        if inodes.contains(String(target.dropFirst(8).dropLast())) { count += 1 }
    }
    return count
}


/// The text before the first NUL of a C buffer.
func textOf(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
