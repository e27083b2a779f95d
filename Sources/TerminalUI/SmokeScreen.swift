import CNcursesw
import Foundation

/// A tiny ncurses screen to check the terminal set-up end to end (the hidden `litevl smoke-tui`): a box,
/// "litevl ncurses ok ▀▄ 你好", the detected colour mode, a colour ramp, then waits for a key and restores
/// the terminal.
public enum SmokeScreen {
    public static func run(ascii: Bool = false, noColor: Bool = false, timeoutSeconds: Double = 60) throws {
        let d = try NcursesDriver(ascii: ascii, noColor: noColor)
        defer { d.shutdown(); NcursesDriver.dieOfPendingSignal() }
        var c = Canvas(width: d.size.width, height: d.size.height)
        let w = min(c.width, 48), h = min(c.height, 9)
        let r = Rect(x: 0, y: 0, width: w, height: h)
        c.box(r, title: "litevl")
        c.put("litevl ncurses ok ▀▄ 你好", x: 2, y: 1, clip: r.inset(by: 1))
        c.put("colour: \(d.capabilities.colorMode.rawValue) (\(litevl_colors()) colours)", x: 2, y: 2, clip: r.inset(by: 1))
        c.put("TERM=\(ProcessInfo.processInfo.environment["TERM"] ?? "?")", x: 2, y: 3, clip: r.inset(by: 1))
        if !d.capabilities.note.isEmpty { c.put(d.capabilities.note, x: 2, y: 4, clip: r.inset(by: 1)) }
        // A heat ramp in half blocks (top/bottom differ) to see the colour path.
        for i in 0..<max(0, w - 4) {
            let v = Double(i) / Double(max(1, w - 5))
            c.put("▀", x: 2 + i, y: 5, style: Style(fg: .rgb(HeatColormap.color(v)), bg: .rgb(HeatColormap.color(1 - v))), clip: r.inset(by: 1))
        }
        c.put("press any key", x: 2, y: 6, style: Style(attributes: .bold), clip: r.inset(by: 1))
        d.draw(c)
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline && NcursesDriver.pendingSignal == nil {
            if let k = d.readKey(timeoutMilliseconds: 100), k != .resize { break }
        }
    }
}
