// swift-tools-version:6.0
// libFuzzer targets for LiteVL's parsers (issue 10). Built and run by scripts/fuzz.sh, which also
// passes `-sanitize=fuzzer,address` to every module (so LiteVL and VideoDecoding get coverage
// instrumentation too). The unsafe flags live here, in a local root package, so the main
// Package.swift stays free of them.
import PackageDescription

let fuzzFlags: [SwiftSetting] = [.unsafeFlags(["-sanitize=fuzzer,address", "-parse-as-library"])]
let fuzzLink: [LinkerSetting] = [.unsafeFlags(["-sanitize=fuzzer,address"])]

func fuzzTarget(_ name: String, _ deps: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport"] + deps, swiftSettings: fuzzFlags, linkerSettings: fuzzLink)
}

let package = Package(
    name: "litevl-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "litevl", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        fuzzTarget("FuzzSafeTensors", [.product(name: "LiteVL", package: "litevl")]),
        fuzzTarget("FuzzCheckpoint", [.product(name: "LiteVL", package: "litevl")]),
        fuzzTarget("FuzzPickle", [.product(name: "LiteVL", package: "litevl")]),
        fuzzTarget("FuzzConfig", [.product(name: "LiteVL", package: "litevl")]),
        fuzzTarget("FuzzTokenizer", [.product(name: "LiteVL", package: "litevl")]),
        fuzzTarget("FuzzVideo", [.product(name: "VideoDecoding", package: "litevl")]),
    ]
)
