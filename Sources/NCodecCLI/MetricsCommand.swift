import ArgumentParser

/// `ncodec metrics` (not implemented yet: its issue is open).
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "metrics", abstract: "(not implemented yet)")

    func run() throws {
        throw ValidationError("'ncodec metrics' is not implemented yet")
    }
}
