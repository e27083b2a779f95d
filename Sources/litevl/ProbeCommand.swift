import ArgumentParser
import Foundation
import VideoDecoding

/// `litevl probe FILE [--json]`: what a video file holds, without decoding it.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe", abstract: "Show a video's duration, frame count and rate, size, rotation and codec.")

    @Argument(help: "The video file.")
    var file: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let probe: VideoProbe
        do {
            probe = try VideoFile.probe(file)
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(probe)
            print(String(decoding: data, as: UTF8.self))
        } else {
            for line in probe.summaryLines { printText(line) }
        }
    }
}

