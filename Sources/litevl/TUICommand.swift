import ArgumentParser

/// `litevl [CLIP]`: the ncurses app.
struct TUICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui", abstract: "Open a clip in the terminal app (the default).")

    @Argument(help: "The video clip to open.")
    var clip: String?

    func run() async throws {
        print("TUI not wired yet: \(clip ?? "(default clip)")")
    }
}
