import ArgumentParser

/// `ncodec bdrate` (not implemented yet: its issue is open).
struct BDRateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bdrate", abstract: "(not implemented yet)")

    func run() throws {
        throw ValidationError("'ncodec bdrate' is not implemented yet")
    }
}
