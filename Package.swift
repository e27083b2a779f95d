// swift-tools-version:6.0
import PackageDescription

#if canImport(Darwin)
let blasLinker: [LinkerSetting] = [.linkedFramework("Accelerate")]
#else
let blasLinker: [LinkerSetting] = []
#endif

let package = Package(
    name: "litevl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "litevl", targets: ["litevl"]),
        .library(name: "LiteVL", targets: ["LiteVL"]),
        .library(name: "VideoDecoding", targets: ["VideoDecoding"]),
        .library(name: "TerminalUI", targets: ["TerminalUI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C system libraries, each a module map over a shim header.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CFFmpeg", path: "Sources/CFFmpeg", pkgConfig: "libavformat libavcodec libswscale libavutil",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]),
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw", pkgConfig: "ncursesw",
                       providers: [.apt(["libncursesw5-dev"])]),

        // Hand-written C kernels: bfloat16 matrix products (AVX512_BF16, detected at run time).
        .target(name: "CKernels"),
        // The model core: tensors, kernels, LiteVL, tokenizer, weights. No UI, no FFmpeg.
        .target(name: "LiteVL", dependencies: ["CBLAS", "CKernels"], linkerSettings: blasLinker),
        // FFmpeg-backed video decoding.
        .target(name: "VideoDecoding", dependencies: ["CFFmpeg"]),
        // SIGINT/SIGTERM/SIGHUP for the app: one recorded-signal variable for the whole program.
        .target(name: "CSignals"),
        // The ncurses app.
        .target(name: "TerminalUI", dependencies: ["CNcursesw", "CSignals"]),
        // The command line.
        .executableTarget(name: "litevl", dependencies: [
            "LiteVL", "VideoDecoding", "TerminalUI",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "LiteVLTests", dependencies: ["LiteVL"], exclude: ["Fixtures"]),
        .testTarget(name: "VideoDecodingTests", dependencies: ["VideoDecoding"]),
        .testTarget(name: "TerminalUITests", dependencies: ["TerminalUI"]),
        .testTarget(name: "CLITests", dependencies: ["LiteVL"]),
        .testTarget(name: "SmokeTests", dependencies: ["CBLAS", "CFFmpeg", "CNcursesw", "LiteVL", "VideoDecoding", "TerminalUI"]),
    ]
)
