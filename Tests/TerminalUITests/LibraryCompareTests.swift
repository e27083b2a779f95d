import Foundation
import Testing
@testable import TerminalUI

/// A backend with a library (scores from the file name) and a baseline model, for tests only.
final class LibraryTestBackend: QABackend, ClipLibraryBackend, CompareBackend, @unchecked Sendable {
    let modelName = "TestModel"
    let baselineName: String? = "Baseline"
    let baselineProblem: String? = nil
    private let lock = NSLock()
    private var calls: [String] = []
    var log: [String] { lock.withLock { calls } }

    func openClip(path: String, progress: @escaping @Sendable (Double, String) -> Void) async throws -> OpenedClip {
        lock.withLock { calls.append("open \(URL(fileURLWithPath: path).lastPathComponent)") }
        var info = testClip(frames: 8)
        info.name = URL(fileURLWithPath: path).lastPathComponent; info.path = path
        return OpenedClip(info: info, frames: testFrames(8), layerScales: testScales(4))
    }
    func ask(_ question: String) async throws -> AnswerResult {
        lock.withLock { calls.append("ask \(question)") }
        return testAnswer(frames: 8, answer: "left")
    }
    func askBaseline(_ question: String) async throws -> AnswerResult {
        lock.withLock { calls.append("baseline \(question)") }
        return testAnswer(frames: 8, answer: "right")
    }
    func libraryClip(path: String) async throws -> LibraryClip {
        if path.contains("broken") { throw ScriptedBackend.Broken() }
        return LibraryClip(path: path, thumbnail: gradientImage(), durationSeconds: 4, fromCache: false)
    }
    /// The clip whose name contains the query scores highest.
    func rankLibrary(query: String, paths: [String]) async throws -> [LibraryMatch] {
        lock.withLock { calls.append("rank \(query)") }
        return paths.map { LibraryMatch(path: $0, score: URL(fileURLWithPath: $0).lastPathComponent.contains(query) ? 0.9 : 0.1, timestamp: 1.5) }
    }
}

@Suite struct LibraryCompareTests {
    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("litevl-lib-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for name in ["a_circle.mp4", "b_square.mp4", "c_triangle.mkv", "broken.mp4", "notes.txt", ".hidden.mp4"] {
            try Data().write(to: dir.appendingPathComponent(name))
        }
        return dir
    }

    @Test("library reducer: list, encode, debounced ranking, Enter opens, Esc returns")
    func libraryReducer() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var s = readyState(answered: false)
        s.clip?.path = dir.appendingPathComponent("a_circle.mp4").path
        _ = s.handle(.key(.tab))
        #expect(s.handle(.key(.char("L"))).isEmpty && s.notice?.contains("no library") == true)   // backend cannot rank
        s.libraryAvailable = true
        #expect(s.handle(.key(.char("L"))) == [.listLibrary(dir.path)])
        let listing = LibraryListing.read(dir.path)
        #expect(listing.paths.map { URL(fileURLWithPath: $0).lastPathComponent } == ["a_circle.mp4", "b_square.mp4", "broken.mp4", "c_triangle.mkv"])
        #expect(s.handle(.libraryListed(listing)) == [.loadLibrary(listing.paths)])
        for p in listing.paths where !p.contains("broken") {
            _ = s.handle(.libraryClipReady(LibraryClip(path: p, thumbnail: gradientImage(), durationSeconds: 4, fromCache: true)))
        }
        _ = s.handle(.libraryClipFailed(path: listing.paths[2], "invalid data"))
        #expect(s.library?.isEncoding == false && s.library?.rankablePaths.count == 3)
        s.now = 10
        for c in "triangle" { #expect(s.handle(.key(.char(c))).isEmpty) }   // typing never ranks at once
        #expect(s.handle(.tick(now: 10.1)).isEmpty)                        // still within the debounce
        let fx = s.handle(.tick(now: 10.4))
        #expect(fx == [.rankLibrary(query: "triangle", paths: s.library!.rankablePaths)])
        #expect(s.handle(.tick(now: 11)).isEmpty)                          // one request at a time
        let matches = s.library!.rankablePaths.map { LibraryMatch(path: $0, score: $0.contains("triangle") ? 0.8 : 0.2, timestamp: 1) }
        _ = s.handle(.libraryRanked(query: "triangle", matches))
        #expect(s.library?.selected?.name == "c_triangle.mkv")
        #expect(s.library?.order.map { s.library!.items[$0].name }.last == "broken.mp4")   // unscored last
        let screen = ScreenRenderer.render(s, cache: ThumbnailCache()).text
        #expect(screen.contains("1. c_triangle.mkv") && screen.contains("score +0.800") && screen.contains("error: invalid data"), "\(screen)")
        #expect(!screen.contains(". broken.mp4") && screen.contains("broken.mp4"), "an unscored file has no rank: \(screen)")
        #expect(s.handle(.key(.enter)) == [.open(path: listing.paths[3])])
        #expect(s.library == nil)
        // Esc leaves without opening; Ctrl-R opens it from the input line.
        _ = s.handle(.key(.tab))
        #expect(s.focus == .input)
        #expect(s.handle(.key(.ctrl("r"))).count == 1 && s.library != nil)
        #expect(s.handle(.key(.escape)).isEmpty && s.library == nil)
        // Enter right after typing (before the debounce ranked it) ranks at once and opens the best
        // match when the ranking arrives, not the first clip by name.
        _ = s.handle(.key(.ctrl("r")))
        _ = s.handle(.libraryListed(listing))
        for p in listing.paths where !p.contains("broken") {
            _ = s.handle(.libraryClipReady(LibraryClip(path: p, thumbnail: nil, durationSeconds: 4, fromCache: true)))
        }
        for c in "square" { _ = s.handle(.key(.char(c))) }
        let ranks = s.handle(.key(.enter))
        #expect(ranks == [.rankLibrary(query: "square", paths: s.library!.rankablePaths)])
        #expect(s.library != nil && s.notice?.contains("ranking") == true)
        #expect(s.handle(.key(.enter)).isEmpty)      // asked once; still waiting
        let squareFirst = s.library!.rankablePaths.map { LibraryMatch(path: $0, score: $0.contains("square") ? 0.9 : 0.1, timestamp: 1) }
        #expect(s.handle(.libraryRanked(query: "square", squareFirst)) == [.open(path: listing.paths[1])])
        #expect(s.library == nil)
    }

    @Test("compare: without a baseline c says so; with one, each question goes to both and both answers show side by side")
    func compare() {
        var s = readyState(answered: false)
        s.baselineProblem = "no baseline model (Assets/models/litevl-tiny-notemp is not installed)"
        _ = s.handle(.key(.tab))
        _ = s.handle(.key(.char("c")))
        #expect(!s.compare && s.notice?.contains("litevl-tiny-notemp is not installed") == true)
        s.baselineName = "Baseline"
        _ = s.handle(.key(.char("c")))
        #expect(s.compare)
        _ = s.handle(.key(.tab))
        for c in "which way?" { _ = s.handle(.key(.char(c))) }
        let fx = s.handle(.key(.enter))
        #expect(fx.contains(.ask(id: 1, question: "which way?")) && fx.contains(.askBaseline(id: 1, question: "which way?")))
        _ = s.handle(.answered(id: 1, testAnswer(frames: 8, answer: "left")))
        #expect(ScreenRenderer.render(s, cache: ThumbnailCache()).text.contains("thinking"))
        _ = s.handle(.baselineAnswered(id: 1, testAnswer(frames: 8, answer: "right")))
        let screen = ScreenRenderer.render(s, cache: ThumbnailCache()).text
        #expect(screen.contains("TestModel") && screen.contains("Baseline") && screen.contains("› left") && screen.contains("› right"), "\(screen)")
        #expect(screen.contains("the models disagree") && screen.contains("where: "))
        // A baseline that fails (a default baseline whose weights are damaged): its reason is readable in
        // its column, wrapped, not cut to one row.
        for c in "what now?" { _ = s.handle(.key(.char(c))) }
        _ = s.handle(.key(.enter))
        _ = s.handle(.answered(id: 2, testAnswer(frames: 8, answer: "up")))
        _ = s.handle(.baselineFailed(id: 2, "the baseline model in /some/long/path/to/models/litevl-tiny-notemp could not be loaded: model.safetensors is truncated; re-download it"))
        let failed = ScreenRenderer.render(s, cache: ThumbnailCache()).text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(failed.contains("re-download it"), "\(failed)")
        _ = s.handle(.key(.ctrl("t")))
        #expect(!s.compare)
    }

    @Test("w selects the most relevant frame, then the next ones; the where line lists them with timestamps")
    func whereIsTheAnswer() {
        var s = readyState()   // pooling weights grow with the frame index: frame 8 is the most relevant
        _ = s.handle(.key(.tab))
        _ = s.handle(.key(.char("1")))
        #expect(s.selectedFrame == 0)
        _ = s.handle(.key(.char("w"))); #expect(s.selectedFrame == 7)
        _ = s.handle(.key(.char("w"))); #expect(s.selectedFrame == 6)
        _ = s.handle(.key(.char("w"))); #expect(s.selectedFrame == 5)
        _ = s.handle(.key(.left))
        _ = s.handle(.key(.char("w"))); #expect(s.selectedFrame == 7)   // after another key, from the top
        _ = s.handle(.key(.char("z"))); _ = s.handle(.key(.char("1")))
        _ = s.handle(.key(.char("w"))); #expect(s.selectedFrame == 7 && s.zoomed)   // in zoom too
        _ = s.handle(.key(.escape))
        let screen = ScreenRenderer.render(s, cache: ThumbnailCache()).text
        #expect(screen.contains("where: ★ 8 (10.5s) 22% · 7 (9.0s) 19% · 6 (7.5s) 17%"), "\(screen)")
        var fresh = readyState(answered: false)
        _ = fresh.handle(.key(.tab)); _ = fresh.handle(.key(.char("w")))
        #expect(fresh.notice?.contains("ask a question first") == true)
    }

    @Test("the app loop: --library opens the view, typing ranks after the debounce, Enter opens the clip, compare asks both models")
    func appLoop() async throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let backend = LibraryTestBackend()
        var script: [FakeDriver.Step] = [.waitForText("ready (0 from the cache)", polls: 2000)]
        script += "square".map { .key(.char($0)) }
        script += [.waitForText("1. b_square.mp4", polls: 2000), .key(.enter), .waitForText("opened b_square.mp4", polls: 2000),
                   .key(.tab), .key(.char("c")), .key(.tab)]
        script += "which way?".map { .key(.char($0)) }
        script += [.key(.enter), .waitForText("the models disagree", polls: 2000), .key(.ctrl("c"))]
        let d = FakeDriver(width: 100, height: 34, script: script)
        try await TerminalApp.run(backend: backend, options: TerminalAppOptions(clip: dir.appendingPathComponent("a_circle.mp4").path, library: dir.path),
                                  driver: d, pollInterval: .milliseconds(1), maxIterations: 20000)
        #expect(d.timedOutWaits.isEmpty, "\(d.timedOutWaits)\n\(d.screenText)")
        #expect(d.outOfBounds.isEmpty)
        #expect(backend.log.filter { $0.hasPrefix("rank") } == ["rank square"], "debounced: one ranking for the whole word")
        #expect(backend.log.contains("open b_square.mp4") && backend.log.contains("ask which way?") && backend.log.contains("baseline which way?"))
    }

    @Test("the library view fits every screen size")
    func sizes() throws {
        var s = readyState()
        s.libraryAvailable = true
        s.library = LibraryState(directory: "/clips")
        s.library!.items = (0..<12).map { LibraryState.Item(path: "/clips/clip\($0).mp4") }
        s.library!.items[0].clip = LibraryClip(path: "/clips/clip0.mp4", thumbnail: gradientImage(), durationSeconds: 3, fromCache: true)
        s.library!.selection = 9
        for (w, h) in [(1, 1), (8, 3), (20, 5), (40, 12), (80, 24), (200, 60)] {
            s.size = TerminalSize(width: w, height: h)
            let d = FakeDriver(width: w, height: h)
            d.draw(ScreenRenderer.render(s, cache: ThumbnailCache()))
            #expect(d.outOfBounds.isEmpty, "\(w)x\(h)")
            if h >= 12 { #expect(d.screenText.contains("clip9.mp4"), "selection visible at \(w)x\(h)") }
        }
    }
}
