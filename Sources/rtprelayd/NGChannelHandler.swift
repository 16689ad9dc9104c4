import Logging
import NIOCore
import RTPWire

/// The SwiftNIO side of the ng UDP listener: hands each datagram to the request handler and writes the
/// reply back to the sender. The reply leaves through the same channel, i.e. from the local address
/// the request arrived on (each channel is bound to one concrete address).
final class NGChannelHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let requests: NIOLoopBound<any NGRequestHandler>
    private let logger: Logger
    private var pendingFlush = false

    init(requests: NIOLoopBound<any NGRequestHandler>, logger: Logger) {
        self.requests = requests
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let address = envelope.remoteAddress.ipAddress, let port = envelope.remoteAddress.port,
              let port16 = UInt16(exactly: port) else {
            logger.warning("ng datagram from a non-IP source dropped", metadata: ["source": "\(envelope.remoteAddress)"])
            return
        }
        let datagram = Array(envelope.data.readableBytesView)
        guard let reply = requests.value.handle(datagram: datagram, from: Endpoint(address: address, port: port16)) else {
            return
        }
        let buffer = context.channel.allocator.buffer(bytes: reply)
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)), promise: nil)
        pendingFlush = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if pendingFlush {
            pendingFlush = false
            context.flush()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A UDP socket reports ICMP errors for earlier replies (e.g. the SBC went away); the
        // listener must keep serving everyone else, so errors are logged and the channel stays open.
        logger.warning("ng socket error", metadata: ["error": "\(error)"])
    }
}
