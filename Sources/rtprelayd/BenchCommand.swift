import ArgumentParser

/// `rtprelayd bench ...`: measurements a user runs on their own machine to size it.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure what this machine can carry (runs in-process, no network).",
        subcommands: [BenchTranscodeCommand.self])
}
