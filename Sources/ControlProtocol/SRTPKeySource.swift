#if canImport(Glibc)
import Glibc
#endif

/// Where SRTP master keys come from. Injected into the registry so that the one real source is
/// explicit; every implementation must be a CSPRNG.
public protocol SRTPKeySource: Sendable {
    /// `count` cryptographically secure random bytes, or an error — never fewer bytes.
    func randomBytes(_ count: Int) throws(SDESCryptoError) -> [UInt8]
}

/// The kernel's CSPRNG through `/dev/urandom`, read until the buffer is full.
///
/// Why not Swift's `SystemRandomNumberGenerator`: on Linux it is also the kernel CSPRNG (the stdlib's
/// `swift_stdlib_random` calls `getrandom(2)`, falling back to `/dev/urandom`), but a failure there is a
/// `fatalError` inside the runtime, and nothing in its type says "suitable for keys" — any
/// `RandomNumberGenerator` (a seeded test generator) fits the same API. Here the source is named, a
/// failure is a typed error that fails one offer, and partial reads are handled.
/// Why not `getrandom(2)` directly: Swift's Glibc overlay does not import it (nor the variadic
/// `syscall`), and it reads the same pool as `/dev/urandom`, which since Linux 5.18 also waits for the
/// pool to be initialised.
public struct URandomKeySource: SRTPKeySource {
    public init() {}

    public func randomBytes(_ count: Int) throws(SDESCryptoError) -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        var fd: Int32
        repeat { fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw .randomUnavailable(errno) }
        defer { close(fd) }
        var filled = 0
        while filled < count {
            let n = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress! + filled, count - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .randomUnavailable(errno)
            }
            guard n > 0 else { throw .randomUnavailable(EIO) }
            filled += n
        }
        return bytes
    }
}
