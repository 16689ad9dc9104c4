// swift-tools-version:6.0
import PackageDescription

// Module direction (../shared/docs/architecture.md): rtprelayd wires ControlProtocol and RTPRelay,
// which never import each other; both share RTPWire. ControlProtocol is pure (no NIO): the UDP
// listener lives in rtprelayd, so the protocol core and its tests build in seconds.
let package = Package(
    name: "rtprelayd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rtprelayd", targets: ["rtprelayd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // HTTP: /metrics, /api, /events and the dashboard (rtprelayd only).
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // C libraries from Debian (libopus-dev, libbcg729-dev, libsrtp2-dev: the SRTP oracle of the tests).
        .systemLibrary(name: "COpus", path: "Sources/COpus", pkgConfig: "opus",
                       providers: [.apt(["libopus-dev"])]),
        .systemLibrary(name: "CBcg729", path: "Sources/CBcg729", pkgConfig: "libbcg729",
                       providers: [.apt(["libbcg729-dev"])]),
        .systemLibrary(name: "CSRTP2", path: "Sources/CSRTP2", pkgConfig: "libsrtp2",
                       providers: [.apt(["libsrtp2-dev"])]),
        // OpenSSL's libcrypto (libssl-dev): AES-CTR/GCM and SHA-1 for the relay's own SRTP transforms.
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        // io_uring for the media workers' --io=uring mode (liburing-dev).
        // liburing (Debian liburing-dev) wrapped in C so that liburing.h's feature macros never meet Swift's Glibc.
        .target(name: "CURing", path: "Sources/CURing", linkerSettings: [.linkedLibrary("uring")]),
        // epoll, recvmmsg/sendmmsg, eventfd: not exposed by Swift's Glibc overlay.
        .target(name: "CShim", path: "Sources/CShim"),

        .target(name: "RTPWire"),
        .target(name: "RTCPStats", dependencies: ["RTPWire"]),
        .target(name: "Transcode", dependencies: ["RTPWire", "COpus", "CBcg729"]),
        .target(name: "RTPRelay", dependencies: ["RTPWire", "RTCPStats", "Transcode", "CShim", "COpenSSL", "CURing"]),
        .target(name: "ControlProtocol", dependencies: ["RTPWire", "RTCPStats"]),
        .executableTarget(name: "rtprelayd", dependencies: [
            "ControlProtocol", "RTPRelay", "RTPWire", "Transcode",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        .testTarget(name: "RTPWireTests", dependencies: ["RTPWire"]),
        .testTarget(name: "RTCPStatsTests", dependencies: ["RTCPStats", "RTPWire"]),
        .testTarget(name: "TranscodeTests", dependencies: ["Transcode", "RTPWire"]),
        .testTarget(name: "RTPRelayTests", dependencies: ["RTPRelay", "RTPWire", "Transcode", "CShim", "CSRTP2"]),
        .testTarget(name: "ControlProtocolTests", dependencies: ["ControlProtocol", "RTPWire"],
                    resources: [.copy("Fixtures")]),
        // Starts the built daemon, rtpengine-ng-client, Kamailio and rtpengine as plain processes on loopback.
        .testTarget(name: "EndToEndTests", dependencies: ["rtprelayd", "RTPWire", "RTPRelay", "Transcode"]),
    ]
)
