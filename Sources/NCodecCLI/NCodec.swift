import ArgumentParser

/// The `ncodec` command: neural image compression, quality metrics and codec evaluation.
///
/// Each subcommand lives in its own file (`<Name>Command.swift`); this type only lists them.
public struct NCodec: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ncodec",
        abstract: "Neural image compression on the CPU: encode, decode, measure, compare.",
        subcommands: [
            EncodeCommand.self,
            DecodeCommand.self,
            InfoCommand.self,
            DemoCommand.self,
            MetricsCommand.self,
            BDRateCommand.self,
            BenchCommand.self,
            PlotCommand.self,
        ]
    )

    public init() {}
}
