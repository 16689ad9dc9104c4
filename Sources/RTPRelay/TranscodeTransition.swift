import RTPWire
import Transcode

/// What a plan update does to a stream's transcoder, decided on the control thread: codec states allocate
/// (libopus, bcg729, the pipeline's FIFOs), so they are built there at negotiation time and handed to the
/// worker inside the command, never on the packet path. The worker frees the one it replaces while it
/// processes commands.
enum TranscodeTransition: @unchecked Sendable {
    // @unchecked: the pipeline is created by the control thread and never touched by it again once queued;
    // from then on only the owning worker uses it.

    /// Keep what the slot runs now (same codecs again: sequence numbers, SSRC and codec history go on).
    case unchanged
    /// Relay bytes unchanged from now on.
    case plain
    /// Run this pipeline from now on.
    case pipeline(TranscodePipeline)

    /// The transition from the `previous` plan's transcoding to `next`'s. A pair the transcoder cannot build
    /// (a codec it lacks, an unusable ptime) falls back to plain relaying: the call still carries media,
    /// as it would without the relay.
    static func between(_ previous: StreamTranscode?, _ next: StreamTranscode?) -> TranscodeTransition {
        if previous == next { return .unchanged }
        guard let next else { return .plain }
        do {
            return .pipeline(try makePipeline(next))
        } catch {
            return .plain
        }
    }

    /// A pipeline with a random SSRC, first sequence number and timestamp (RFC 3550 §5.1, §8).
    static func makePipeline(_ plan: StreamTranscode) throws(TranscodeError) -> TranscodePipeline {
        var random = SystemRandomNumberGenerator()
        let options = TranscodePipeline.Options(initialSequence: UInt16.random(in: 0...UInt16.max, using: &random),
                                                initialTimestamp: UInt32.random(in: 0...UInt32.max, using: &random))
        return try TranscodePipeline(input: plan.input, output: plan.output, inputEvents: plan.inputEvents,
                                     outputEvents: plan.outputEvents,
                                     outputSSRC: UInt32.random(in: 1...UInt32.max, using: &random), options: options)
    }
}
