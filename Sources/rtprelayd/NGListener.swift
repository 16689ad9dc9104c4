#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOPosix

/// Binds the ng UDP sockets: one for a concrete `--listen-ng` address, or one per local address when
/// only a port is given, so every reply leaves from the address its request was sent to (NIO cannot
/// choose a datagram's source address per write).
enum NGListener {
    /// rtpengine reads up to 65 535 bytes per ng datagram.
    static let maxDatagram = 65_536
    /// Headroom for retransmission bursts from several SBCs before the kernel drops.
    static let receiveBuffer = 4 << 20
    /// Datagrams taken per `recvmmsg` when several SBC requests wait at once (NIO splits one receive buffer
    /// into this many `maxDatagram` slots, so no datagram is truncated).
    static let vectorRead = 16

    static func bind(_ listen: ListenAddress, on loop: any EventLoop,
                     requests: NIOLoopBound<any NGRequestHandler>, logger: Logger) throws(StartupError) -> [any Channel] {
        let hosts = try addresses(for: listen)
        var channels: [any Channel] = []
        for host in hosts {
            let bootstrap = DatagramBootstrap(group: loop)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: maxDatagram * vectorRead))
                .channelOption(.datagramVectorReadMessageCount, value: vectorRead)
                .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBuffer))
                .channelOption(.maxMessagesPerRead, value: 16)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NGChannelHandler(requests: requests, logger: logger))
                    }
                }
            do {
                let channel = try bootstrap.bind(host: host, port: Int(listen.port)).wait()
                channels.append(channel)
                logger.info("ng listener bound", metadata: ["address": "\(ListenAddress(host: host, port: listen.port))"])
            } catch {
                // With a concrete address every failure is fatal; with a wildcard only losing all of them is.
                if listen.host != nil || hosts.count == 1 {
                    for channel in channels { try? channel.close().wait() }
                    throw .listen(address: "\(ListenAddress(host: host, port: listen.port))", reason: describe(error))
                }
                logger.warning("ng listener skipped an address", metadata: ["address": "\(host)", "error": "\(describe(error))"])
            }
        }
        if channels.isEmpty { throw .listen(address: "\(listen)", reason: "no local address could be bound") }
        return channels
    }

    private static func addresses(for listen: ListenAddress) throws(StartupError) -> [String] {
        if let host = listen.host { return [host] }
        let devices: [NIONetworkDevice]
        do { devices = try System.enumerateDevices() } catch {
            throw .listen(address: "\(listen)", reason: "cannot list local addresses: \(error)")
        }
        var hosts: [String] = []
        for device in devices {
            guard let ip = device.address?.ipAddress else { continue }
            // Link-local IPv6 needs a scope id that SBCs never use for ng; skip it.
            if ip.lowercased().hasPrefix("fe80") { continue }
            if !hosts.contains(ip) { hosts.append(ip) }
        }
        if hosts.isEmpty { throw .listen(address: "\(listen)", reason: "no local IP addresses found") }
        return hosts
    }

    /// NIO's IOError text names the syscall and errno; the operator needs only the reason.
    static func describe(_ error: any Error) -> String {
        if let io = error as? IOError {
            return String(cString: strerror(io.errnoCode))
        }
        return "\(error)"
    }
}
