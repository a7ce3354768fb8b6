import ArgumentParser

/// `ncodec plot` (not implemented yet: its issue is open).
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plot", abstract: "(not implemented yet)")

    func run() throws {
        throw ValidationError("'ncodec plot' is not implemented yet")
    }
}
