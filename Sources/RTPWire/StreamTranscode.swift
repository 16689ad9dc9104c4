/// How a stream's received RTP is re-encoded before its sink sends it on: the codec (and RFC 4733 event
/// format) the remote sends to this stream, and the ones the sink's remote expects. The media plane builds
/// one transcoding pipeline per planned stream from this; a stream without it is relayed byte for byte.
///
/// Used for a codec change, a ptime change (repacketization) and telephone-event mapping alike: the two
/// sides differ in at least one of codec, payload type, ptime or event format.
public struct StreamTranscode: Sendable, Hashable, CustomStringConvertible {
    /// What the remote sends to this stream (its leg's codec, payload type and ptime).
    public var input: CodecDescriptor
    /// What the sink sends to its remote (the other leg's codec; its fmtp holds the receiver's wishes,
    /// e.g. Opus `maxaveragebitrate`/`useinbandfec`, G.729 `annexb`).
    public var output: CodecDescriptor
    /// RFC 4733 events on each side; events are mapped only when both are present, else dropped.
    public var inputEvents: CodecDescriptor?
    public var outputEvents: CodecDescriptor?

    public init(input: CodecDescriptor, output: CodecDescriptor, inputEvents: CodecDescriptor? = nil,
                outputEvents: CodecDescriptor? = nil) {
        self.input = input
        self.output = output
        self.inputEvents = inputEvents
        self.outputEvents = outputEvents
    }

    /// `PCMU/8000 pt 0 ptime 20 -> opus/48000/2 pt 96 ptime 20`.
    public var description: String { "\(input) -> \(output)" }
}
