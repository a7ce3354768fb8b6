import ArgumentParser

/// `ncodec encode` (not implemented yet: its issue is open).
struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "encode", abstract: "(not implemented yet)")

    func run() throws {
        throw ValidationError("'ncodec encode' is not implemented yet")
    }
}
