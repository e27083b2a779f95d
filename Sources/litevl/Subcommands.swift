import ArgumentParser

extension LiteVLCommand {
    /// Every subcommand, in the order `--help` lists them. Add new subcommands here.
    static let allSubcommands: [any ParsableCommand.Type] = [
        TUICommand.self,
        DemoCommand.self,
        ProbeCommand.self,
        FramesCommand.self,
        AskCommand.self,
        SearchCommand.self,
        EvalCommand.self,
        InspectCommand.self,
        BenchCommand.self,
        ConvertCommand.self,
        SmokeTUICommand.self,
    ]
}
