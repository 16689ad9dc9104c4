// swift-tools-version:6.0
import PackageDescription

// A load generator for ng-driven RTP relays (rtprelayd, rtpengine). Separate from the main package on
// purpose: benchmarks never run in `swift test`.
let package = Package(
    name: "loadgen",
    targets: [
        .target(name: "CLoadShim"),
        // Encoders for the transcoding mode (Debian libopus-dev, libbcg729-dev; headers in /usr/include).
        .target(name: "CLoadCodecs", linkerSettings: [.linkedLibrary("opus"), .linkedLibrary("bcg729")]),
        .systemLibrary(name: "CSRTP2", pkgConfig: "libsrtp2"),
        .executableTarget(name: "loadgen", dependencies: ["CLoadShim", "CLoadCodecs", "CSRTP2"]),
    ]
)
