import ArgumentParser

/// `ncodec decode` (not implemented yet: its issue is open).
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decode", abstract: "(not implemented yet)")

    func run() throws {
        throw ValidationError("'ncodec decode' is not implemented yet")
    }
}
