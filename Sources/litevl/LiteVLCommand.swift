import ArgumentParser

/// The `litevl` command: the terminal app by default, plus non-interactive subcommands.
@main
struct LiteVLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "litevl",
        abstract: "Ask questions about a video clip with LiteVL, in the terminal.",
        version: "0.1.0",
        subcommands: LiteVLCommand.allSubcommands,
        defaultSubcommand: TUICommand.self
    )
}
