import ArgumentParser

/// `ncodec info` (not implemented yet: its issue is open).
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "(not implemented yet)")

    func run() throws {
        throw ValidationError("'ncodec info' is not implemented yet")
    }
}
