import Foundation

/// Events posted from background tasks to the UI loop.
final class Inbox: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [AppEvent] = []
    func post(_ e: AppEvent) { lock.lock(); events.append(e); lock.unlock() }
    func drain() -> [AppEvent] { lock.lock(); defer { lock.unlock() }; let e = events; events = []; return e }
}

/// The terminal app.
public enum TerminalApp {
    /// Runs the app on the real terminal until the user quits; restores the terminal on every exit path.
    public static func run(backend: any QABackend, options: TerminalAppOptions) async throws {
        let driver = try NcursesDriver(ascii: options.ascii, noColor: options.noColor)
        defer { driver.shutdown() }
        try await run(backend: backend, options: options, driver: driver)
    }

    /// Runs the app on any driver (tests use `FakeDriver`). Returns when the user quits.
    /// `maxIterations` bounds the loop (tests); nil runs until quit.
    public static func run(backend: any QABackend, options: TerminalAppOptions, driver: any TerminalDriver,
                           pollInterval: Duration = .milliseconds(20), maxIterations: Int? = nil) async throws {
        let transcript = options.historyFile.map(TranscriptFile.init(url:))
        var state = AppState(size: driver.size, capabilities: driver.capabilities, modelName: backend.modelName,
                             history: transcript?.questions() ?? [])
        state.candidatesShown = max(1, options.candidatesShown)
        let inbox = Inbox()
        let start = ContinuousClock.now
        @Sendable func now() -> Double {
            let d = ContinuousClock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }

        // One worker: open the clip, then answer the questions in order.
        let (questions, questionSink) = AsyncStream<(Int, String)>.makeStream()
        let worker = Task {
            var opened = false
            do {
                let clip = try await backend.openClip { f, m in inbox.post(.openProgress(fraction: f, message: m)) }
                inbox.post(.clipOpened(clip))
                opened = true
            } catch {
                inbox.post(.clipFailed(describe(error)))
            }
            for await (id, q) in questions {
                if Task.isCancelled { break }
                guard opened else { inbox.post(.answerFailed(id: id, "no clip is open")); continue }
                inbox.post(.answerStarted(id: id, at: now()))
                do {
                    let r = try await backend.ask(q)
                    inbox.post(.answered(id: id, r))
                } catch {
                    inbox.post(.answerFailed(id: id, describe(error)))
                }
            }
        }
        defer { questionSink.finish(); worker.cancel() }

        let cache = ThumbnailCache()
        var dirty = true
        var lastAnimation = -1.0
        var iterations = 0
        func apply(_ e: AppEvent) {
            for effect in state.handle(e) {
                switch effect {
                case .quit: break
                case .ask(let id, let q): questionSink.yield((id, q))
                case .record(let rec):
                    do { try transcript?.append(rec) } catch {
                        state.notice = "history not saved: \(describe(error))"
                    }
                }
            }
            dirty = true
        }

        while !state.quitting {
            if let m = maxIterations, iterations >= m { break }
            iterations += 1
            state.now = now()
            for e in inbox.drain() { apply(e) }
            while let k = driver.readKey(timeoutMilliseconds: 0) {
                if k == .resize { apply(.resized(driver.size)) } else { apply(.key(k)) }
                if state.quitting { break }
            }
            if state.quitting { break }
            // Animate the spinner ~10 times a second while something is running.
            if state.isBusy && state.now - lastAnimation >= 0.1 { lastAnimation = state.now; dirty = true }
            if dirty {
                if driver.size != state.size { state.size = driver.size; state.clampScroll() }
                driver.clear()
                driver.draw(ScreenRenderer.render(state, cache: cache))
                dirty = false
            }
            try? await Task.sleep(for: pollInterval)
        }
    }

    static func describe(_ error: any Error) -> String {
        let s = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
        let one = s.replacingOccurrences(of: "\n", with: " ")
        return one.isEmpty ? String(describing: type(of: error)) : one
    }
}
