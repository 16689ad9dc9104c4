// swift-tools-version:6.0
import PackageDescription

// A load generator for ng-driven RTP relays (rtprelayd, rtpengine). Separate from the main package on
// purpose: benchmarks never run in `swift test`.
let package = Package(
    name: "loadgen",
    targets: [
        .target(name: "CLoadShim"),
        .systemLibrary(name: "CSRTP2", pkgConfig: "libsrtp2"),
        .executableTarget(name: "loadgen", dependencies: ["CLoadShim", "CSRTP2"]),
    ]
)
