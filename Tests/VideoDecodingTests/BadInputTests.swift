import Foundation
import Testing
@testable import VideoDecoding

@Suite("Bad input: one clear error each")
struct BadInputTests {
    static func expectError(_ path: String, sourceLocation: SourceLocation = #_sourceLocation,
                            _ matches: (VideoError) -> Bool) {
        do {
            let clip = try FrameSampler(count: 4).sample(path: path)
            Issue.record("\(path): expected an error, got \(clip.frames.count) frames", sourceLocation: sourceLocation)
        } catch {
            #expect(matches(error), "\(path): unexpected error \(error)", sourceLocation: sourceLocation)
            #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
            // The path first, except "video not found: PATH", the line every command prints for a missing file.
            #expect(error.description.hasPrefix(path) || error.description.hasPrefix("video not found: \(path) "), sourceLocation: sourceLocation)
            #expect(error.path == path, sourceLocation: sourceLocation)
        }
    }

    @Test func missingFile() {
        Self.expectError("/nonexistent/dir/clip.mp4") { if case .fileNotFound = $0 { true } else { false } }
    }

    @Test func invalidArguments() throws {
        guard Fixtures.clipsPresent else { return }
        #expect(throws: VideoError.self) { try FrameSampler(count: 0).sample(path: Fixtures.clip("bikes.mp4")) }
        #expect(throws: VideoError.self) { try FrameSampler(size: 0).sample(path: Fixtures.clip("bikes.mp4")) }
    }

    @Test(.enabled(if: Fixtures.haveFFmpeg, "ffmpeg CLI not installed"))
    func generatedBadFiles() {
        let m = Matrix.shared
        Self.expectError(m.path("directory.mp4")) { if case .notARegularFile(_, "directory") = $0 { true } else { false } }
        Self.expectError(m.path("empty.mp4")) { if case .emptyFile = $0 { true } else { false } }
        Self.expectError(m.path("text.mp4")) { if case .notAVideo(_, let r) = $0 { r.contains("text") } else { false } }
        Self.expectError(m.path("zeros.mp4")) { if case .notAVideo(_, let r) = $0 { r.contains("zero") } else { false } }
        Self.expectError(m.path("truncated_no_moov.mp4")) { if case .notAVideo(_, let r) = $0 { r.contains("moov") } else { false } }
        Self.expectError(m.path("audio.m4a")) { if case .audioOnly = $0 { true } else { false } }
        Self.expectError(m.path("cover.mp3")) { if case .audioOnly = $0 { true } else { false } }
        Self.expectError(m.path("unsupported.mkv")) { if case .unsupportedCodec = $0 { true } else { false } }
    }

    @Test(.enabled(if: Fixtures.haveFFmpeg, "ffmpeg CLI not installed"),
          .enabled(if: geteuid() != 0, "running as root, which may read any file"))
    func permissionDenied() {
        Self.expectError(Matrix.shared.path("unreadable.mp4")) { if case .permissionDenied = $0 { true } else { false } }
    }

    @Test func descriptionsAreOneLine() {
        let all: [VideoError] = [
            .fileNotFound(path: "a.mp4"), .permissionDenied(path: "a.mp4"), .notARegularFile(path: "a.mp4", kind: "pipe"),
            .emptyFile(path: "a.mp4"), .notAVideo(path: "a.mp4", reason: "r"), .audioOnly(path: "a.mp4"),
            .noVideoStream(path: "a.mp4"), .unsupportedCodec(path: "a.mp4", codec: "x"),
            .corrupted(path: "a.mp4", reason: "r"), .timedOut(path: "a.mp4", seconds: 5),
        ]
        for e in all {
            #expect(e.description.hasPrefix("a.mp4: ") || e.description == "video not found: a.mp4 (check the path)")
            #expect(!e.description.contains("\n"))
        }
    }
}
