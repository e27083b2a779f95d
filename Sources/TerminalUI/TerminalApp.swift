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
        LatencyTrace.shared?.mark("ui-start")
        let driver = try NcursesDriver(ascii: options.ascii, noColor: options.noColor)
        LatencyTrace.shared?.mark("driver-ready")
        do { try await run(backend: backend, options: options, driver: driver) } catch {
            driver.shutdown()
            throw error
        }
        // A signal ended the loop: the terminal is restored (here, not in the handler), the history
        // was saved as it happened; now end as the signal would have.
        driver.shutdown()
        NcursesDriver.dieOfPendingSignal()
    }

    /// Runs the app on any driver (tests use `FakeDriver`). Returns when the user quits.
    /// `maxIterations` bounds the loop (tests); nil runs until quit.
    public static func run(backend: any QABackend, options: TerminalAppOptions, driver: any TerminalDriver,
                           pollInterval: Duration = .milliseconds(20), maxIterations: Int? = nil) async throws {
        let transcript = options.historyFile.map(TranscriptFile.init(url:))
        var state = AppState(size: driver.size, capabilities: driver.capabilities, modelName: backend.modelName,
                             history: transcript?.questions() ?? [])
        state.candidatesShown = max(1, options.candidatesShown)
        let libraryBackend = backend as? any ClipLibraryBackend
        let compareBackend = backend as? any CompareBackend
        state.libraryAvailable = libraryBackend != nil
        state.baselineName = compareBackend?.baselineName
        state.baselineProblem = compareBackend == nil ? "this backend has no second model" : compareBackend?.baselineProblem
        let inbox = Inbox()
        let start = ContinuousClock.now
        @Sendable func now() -> Double {
            let d = ContinuousClock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        if let problem = backend.modelProblem {
            state.addNote(.problem("no model: " + problem))
            state.notice = "no model: questions cannot be answered"
        }
        var demo = options.demo.map(DemoPlayer.init)
        state.demoPlaying = demo != nil
        if options.clip == nil && demo == nil {
            state.load = .failed("no clip open")
            state.notice = "no clip: Ctrl-O opens one"
        }

        // One worker runs the backend calls in order: opening clips, questions, exports. A question asked
        // while a clip is opening waits for it; a clip that fails to open leaves the previous one in place.
        let (jobs, jobSink) = AsyncStream<Job>.makeStream()
        let worker = Task {
            var opened = false
            for await job in jobs {
                if Task.isCancelled { break }
                switch job {
                case .open(let path):
                    do {
                        let clip = try await backend.openClip(path: path) { f, m in inbox.post(.openProgress(fraction: f, message: m)) }
                        inbox.post(.clipOpened(clip))
                        opened = true
                    } catch {
                        inbox.post(.clipFailed(path: path, describe(error)))
                    }
                case .ask(let id, let q):
                    guard opened else { inbox.post(.answerFailed(id: id, "no clip is open (Ctrl-O opens one)")); continue }
                    inbox.post(.answerStarted(id: id, at: now()))
                    do {
                        let r = try await backend.ask(q)
                        inbox.post(.answered(id: id, r))
                    } catch {
                        inbox.post(.answerFailed(id: id, describe(error)))
                    }
                case .askBaseline(let id, let q):
                    guard opened, let compareBackend else {
                        inbox.post(.baselineFailed(id: id, compareBackend == nil ? "no baseline model" : "no clip is open")); continue
                    }
                    do {
                        inbox.post(.baselineAnswered(id: id, try await compareBackend.askBaseline(q)))
                    } catch {
                        inbox.post(.baselineFailed(id: id, describe(error)))
                    }
                case .export(let snapshot, let dir):
                    do {
                        inbox.post(.exported(try await backend.export(snapshot, to: dir)))
                    } catch {
                        inbox.post(.exportFailed(describe(error)))
                    }
                }
            }
        }
        defer { jobSink.finish(); worker.cancel() }
        // The clip starts opening once the first screen is up: decoding and encoding would otherwise
        // compete with ncurses' start-up and the first frame for the CPU (docs/tui.md, Latency).
        var initialOpen: String?
        if let clip = options.clip {
            state.openingPath = clip
            initialOpen = clip
        }

        // The library's clips are encoded by their own task (cancelled when another folder is
        // listed), so that questions are not held up; rankings run as separate tasks.
        var libraryTask: Task<Void, Never>?
        defer { libraryTask?.cancel() }
        let cache = ThumbnailCache()
        var dirty = true
        var historyWarned = false
        var lastAnimation = -1.0
        var iterations = 0
        let trace = LatencyTrace.shared
        /// Queues the start-up clip (once); any job queued before it must come after it.
        func startInitialOpen() {
            if let clip = initialOpen { initialOpen = nil; jobSink.yield(.open(clip)) }
        }
        func apply(_ e: AppEvent) {
            trace?.applied(e)
            var pending = state.handle(e)
            while !pending.isEmpty {
                let effect = pending.removeFirst()
                switch effect {
                case .quit: break
                case .ask(let id, let q): trace?.asked(id: id); startInitialOpen(); jobSink.yield(.ask(id, q))
                case .open(let path): startInitialOpen(); jobSink.yield(.open(path))
                case .export(let snapshot):
                    let base = options.exportBase ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
                    startInitialOpen()
                    jobSink.yield(.export(snapshot, base.appendingPathComponent(snapshot.defaultDirectoryName)))
                case .listLibrary(let dir):
                    pending += state.handle(.libraryListed(LibraryListing.read(dir)))
                case .loadLibrary(let paths):
                    libraryTask?.cancel()
                    guard let libraryBackend else { break }
                    libraryTask = Task {
                        for path in paths {
                            if Task.isCancelled { return }
                            do {
                                inbox.post(.libraryClipReady(try await libraryBackend.libraryClip(path: path)))
                            } catch {
                                inbox.post(.libraryClipFailed(path: path, describe(error)))
                            }
                        }
                    }
                case .rankLibrary(let query, let paths):
                    guard let libraryBackend else { break }
                    Task {
                        do {
                            inbox.post(.libraryRanked(query: query, try await libraryBackend.rankLibrary(query: query, paths: paths)))
                        } catch {
                            inbox.post(.libraryRankFailed(query: query, describe(error)))
                        }
                    }
                case .askBaseline(let id, let q): startInitialOpen(); jobSink.yield(.askBaseline(id, q))
                case .listDirectory(let dir):
                    // Small and local: listed right away, so Tab completion sees it.
                    pending += state.handle(.directoryListed(DirectoryListing.read(dir)))
                case .record(let rec):
                    do { try transcript?.append(rec) } catch {
                        let what = "history not saved to \(transcript?.url.path ?? "?"): \(FileProblem.reason(error, path: transcript?.url.path ?? ""))"
                        state.notice = what
                        // Once in the conversation too: the status bar line goes away at the next key.
                        if !historyWarned { historyWarned = true; state.addNote(.problem(what)) }
                    }
                }
            }
            dirty = true
        }

        if let dir = options.library { apply(.libraryRequested(dir)) }

        while !state.quitting {
            if let m = maxIterations, iterations >= m { break }
            if NcursesDriver.pendingSignal != nil { break }       // SIGINT/TERM/HUP: leave, the caller restores
            iterations += 1
            state.now = now()
            for e in inbox.drain() { apply(e) }
            while let k = driver.readKey(timeoutMilliseconds: 0) {
                if k == .resize { apply(.resized(driver.size)) }
                else if demo != nil { apply(.quitRequested) }     // any key stops the demo
                else { apply(.key(k)) }
                if state.quitting { break }
            }
            if state.quitting { break }
            if demo != nil {
                for e in demo!.events(now: state.now, state: state) { apply(e) }
                if state.quitting { break }
            }
            // A library search is due (typing paused, new clips encoded).
            if let lib = state.library, lib.rankDue(now: state.now) { apply(.tick(now: state.now)) }
            // Animate the spinner ~10 times a second while something is running.
            if (state.isBusy || state.exporting || state.library?.isEncoding == true) && state.now - lastAnimation >= 0.1 { lastAnimation = state.now; dirty = true }
            if dirty {
                if driver.size != state.size { state.size = driver.size; state.clampScroll() }
                driver.clear()
                driver.draw(ScreenRenderer.render(state, cache: cache))
                trace?.drawn()
                dirty = false
            }
            startInitialOpen()
            try? await Task.sleep(for: pollInterval)
        }
    }

    /// Work for the background worker.
    enum Job: Sendable {
        case open(String)
        case ask(Int, String)
        case askBaseline(Int, String)
        case export(SessionSnapshot, URL)
    }

    static func describe(_ error: any Error) -> String {
        let s = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
        let one = s.replacingOccurrences(of: "\n", with: " ")
        return one.isEmpty ? String(describing: type(of: error)) : one
    }
}
