import Foundation

/// A scripted walkthrough (`litevl demo`): clips opened, questions typed out character by character,
/// answers awaited, frames browsed with the attention overlay. Played by the app loop; any key stops it.
public struct DemoScript: Sendable {
    public enum Step: Sendable, Equatable {
        /// Open a clip (as `o` would).
        case open(String)
        /// A key, as if pressed.
        case key(KeyEvent)
        /// Wait this many seconds (scaled by `speed`).
        case pause(Double)
        /// Wait until no clip is opening and no question is pending.
        case waitIdle
    }

    public var steps: [Step]
    /// Start over at the end (`--loop`); otherwise the app quits after the last step.
    public var loop: Bool
    /// Time scale: 2 plays twice as fast.
    public var speed: Double

    public init(steps: [Step], loop: Bool = false, speed: Double = 1) {
        self.steps = steps; self.loop = loop; self.speed = speed > 0 ? speed : 1
    }

    /// One clip of the walkthrough and the questions asked about it.
    public struct Clip: Sendable, Equatable {
        public var path: String
        public var questions: [String]
        public init(path: String, questions: [String]) { self.path = path; self.questions = questions }
    }

    /// The standard walkthrough: for each clip, open it, type each question (`typingDelay` s a character), wait
    /// for the answer; then move across the `frameCount` frames with the attention overlay, change the
    /// layer, toggle the overlay, zoom, and come back.
    public static func walkthrough(_ clips: [Clip], frameCount: Int, loop: Bool = false, speed: Double = 1,
                                   typingDelay: Double = 0.06) -> DemoScript {
        var s: [Step] = []
        for clip in clips {
            s += [.open(clip.path), .waitIdle, .pause(1.0)]
            for q in clip.questions {
                for ch in q { s += [.key(.char(ch)), .pause(typingDelay)] }
                s += [.pause(0.5), .key(.enter), .waitIdle, .pause(1.5)]
            }
            guard frameCount > 0 else { continue }
            s += [.key(.tab), .pause(0.6), .key(.home), .pause(0.6)]
            for _ in 1..<max(1, frameCount) { s += [.key(.right), .pause(0.5)] }
            s += [.key(.char("[")), .pause(0.7), .key(.char("[")), .pause(0.7), .key(.char("]")), .pause(0.4),
                  .key(.char("]")), .pause(0.6),
                  .key(.char("a")), .pause(0.8), .key(.char("a")), .pause(0.6),
                  .key(.char("z")), .pause(2.0), .key(.left), .pause(1.0), .key(.escape), .pause(0.6),
                  .key(.tab), .pause(1.0)]
        }
        return DemoScript(steps: s, loop: loop, speed: speed)
    }
}

/// Plays a `DemoScript` against the app state: call `events(now:state:)` every loop iteration.
public struct DemoPlayer: Sendable {
    public private(set) var script: DemoScript
    public private(set) var index = 0
    private var wakeAt: Double?
    public private(set) var finished = false

    public init(_ script: DemoScript) { self.script = script }

    /// The events due at `now` (seconds) given the state.
    public mutating func events(now: Double, state: AppState) -> [AppEvent] {
        guard !finished else { return [] }
        var out: [AppEvent] = []
        while true {
            if let w = wakeAt {
                if now < w { return out }
                wakeAt = nil
                index += 1
                continue
            }
            if index >= script.steps.count {
                if script.loop && !script.steps.isEmpty {
                    index = 0
                    wakeAt = nil
                    return out   // one pass per call at most
                }
                finished = true
                out.append(.quitRequested)
                return out
            }
            switch script.steps[index] {
            case .open(let path):
                out.append(.openRequested(path)); index += 1
                return out        // let the state see the opening before waitIdle
            case .key(let k):
                out.append(.key(k)); index += 1
                return out        // one key per loop iteration: every key is drawn
            case .pause(let d):
                wakeAt = now + d / script.speed
            case .waitIdle:
                if state.isBusy || state.exporting { return out }
                index += 1
            }
        }
    }
}
