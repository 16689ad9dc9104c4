import ArgumentParser
import Transcode

/// `rtprelayd bench transcode --from PCMU --to opus`: how many two-way transcoded calls one core carries.
struct BenchTranscodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcode",
        abstract: "Run the real transcoding pipeline on one core and report calls per core, CPU and memory per call.",
        discussion: """
            Each call is two pipelines (A→B and B→A) fed 20 ms RTP packets of a speech-like signal at the rate a \
            live call would, but as fast as the core allows; the thread's CPU time gives the cost per call-second. \
            Codecs: PCMU, PCMA, G729, opus (Opus runs at 8 kHz against a narrowband side, 48 kHz RTP clock).
            """)

    @Option(help: "Codec of leg A: PCMU, PCMA, G729 or opus.")
    var from: String = "PCMU"

    @Option(help: "Codec of leg B: PCMU, PCMA, G729 or opus.")
    var to: String = "opus"

    @Flag(help: "Measure every pair of PCMU, PCMA, G729 and opus and print the matrix.")
    var all = false

    @Option(help: "Simulated call duration in seconds.")
    var seconds: Double = 10

    @Option(help: "Concurrent calls in the timed run.")
    var calls: Int = 20

    @Option(name: .customLong("memory-calls"), help: "Calls created to measure memory per call (RSS difference).")
    var memoryCalls: Int = 200

    @Option(help: "Packet duration on both legs, ms (Opus: 10, 20, 40 or 60).")
    var ptime: Int = 20

    @Option(help: "libopus encoder complexity 0...10.")
    var complexity: Int = 5

    @Option(help: ArgumentHelp("Speech input: a WAV file, 8 kHz mono 16-bit PCM. Default: a synthetic speech-like signal.", valueName: "wav"))
    var input: String?

    func validate() throws {
        guard seconds > 0, seconds <= 3600 else { throw ValidationError("--seconds must be in (0, 3600]") }
        guard calls >= 1, calls <= 100_000 else { throw ValidationError("--calls must be in 1...100000") }
        guard memoryCalls >= 1, memoryCalls <= 100_000 else { throw ValidationError("--memory-calls must be in 1...100000") }
        guard (0...10).contains(complexity) else { throw ValidationError("--complexity must be in 0...10") }
        guard (10...120).contains(ptime), ptime % 10 == 0 else { throw ValidationError("--ptime must be 10, 20, ... 120") }
        if !all {
            _ = try kind(from)
            _ = try kind(to)
        }
    }

    private func kind(_ name: String) throws -> TranscodeCodec.Kind {
        guard let kind = TranscodeCodec.Kind.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else {
            throw ValidationError("unknown codec '\(name)': use PCMU, PCMA, G729 or opus")
        }
        return kind
    }

    func run() throws {
        let signal: [Int16]
        let source: String
        if let input {
            signal = try WAVFile.readMono8k(path: input)
            source = input
        } else {
            signal = SpeechSignal.synthesize(seconds: 10)
            source = "synthetic speech (harmonics under formants, syllables and pauses)"
        }
        let settings = TranscodeBenchmark.Settings(seconds: seconds, calls: calls, memoryCalls: memoryCalls, ptime: ptime,
                                                   opusComplexity: complexity, speech: signal)
        print("rtprelayd bench transcode: \(calls) two-way calls × \(formatted(seconds, 1)) s simulated on one core, ptime \(ptime) ms, " +
              "Opus complexity \(complexity); input: \(source)")
        if all {
            try runMatrix(settings)
        } else {
            let result = try TranscodeBenchmark(a: kind(from), b: kind(to), settings: settings).run()
            print(result.report)
        }
    }

    private func runMatrix(_ settings: TranscodeBenchmark.Settings) throws {
        let kinds = TranscodeCodec.Kind.allCases
        var results: [String: TranscodeBenchmark.Result] = [:]
        for (i, a) in kinds.enumerated() {
            for b in kinds[(i + 1)...] {
                let result = try TranscodeBenchmark(a: a, b: b, settings: settings).run()
                results["\(a.rawValue)|\(b.rawValue)"] = result
                results["\(b.rawValue)|\(a.rawValue)"] = result
                print(result.summaryLine)
            }
        }
        let names = kinds.map(\.rawValue)
        func table(_ title: String, _ cell: (TranscodeBenchmark.Result) -> String) {
            print("\n\(title)")
            print(pad("", 6) + names.map { pad($0, 10) }.joined())
            for a in names {
                print(pad(a, 6) + names.map { b in pad(results["\(a)|\(b)"].map(cell) ?? "—", 10) }.joined())
            }
        }
        table("CPU per call-second, ms (two-way call: both directions)") { formatted($0.cpuPerCallSecondMs, 3) }
        table("Calls per core in real time") { String(Int($0.callsPerCore)) }
        table("Memory per call, KiB (RSS growth)") { formatted($0.rssPerCallBytes / 1024, 1) }
        if let allocations = results.values.compactMap(\.heapAllocationsPerPacket).max() {
            print("\nHeap allocations per packet in the timed runs (malloc probe): at most \(formatted(allocations, 4))")
        }
    }
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
}

/// `value` with `digits` decimals, without Foundation's formatter.
func formatted(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (abs(value) * scale).rounded()
    let whole = Int(rounded / scale)
    var text = (value < 0 && rounded > 0 ? "-" : "") + String(whole)
    if digits > 0 {
        let fraction = String(Int(rounded) - whole * Int(scale))
        text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
    return text
}
