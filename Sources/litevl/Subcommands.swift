import ArgumentParser

extension LiteVLCommand {
    /// Every subcommand, in the order `--help` lists them. Add new subcommands here.
    static let allSubcommands: [any ParsableCommand.Type] = [
        TUICommand.self,
        ProbeCommand.self,
        FramesCommand.self,
        AskCommand.self,
        EvalCommand.self,
        InspectCommand.self,
        BenchCommand.self,
        SmokeTUICommand.self,
    ]
}
