import ArgumentParser

/// `ncodec demo` (not implemented yet: its issue is open).
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "(not implemented yet)")

    func run() throws {
        throw ValidationError("'ncodec demo' is not implemented yet")
    }
}
