import ArgumentParser

/// `ncodec bench` (not implemented yet: its issue is open).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "(not implemented yet)")

    func run() throws {
        throw ValidationError("'ncodec bench' is not implemented yet")
    }
}
