import Testing
@testable import NCodecCLI

/// Runs `ncodec <arguments>` in-process and checks that it fails the way the CLI promises: one line
/// on stderr (`NCodec.message(for:)`) containing `fragment`, and a non-zero exit code.
func expectOneLineFailure(_ arguments: [String], containing fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        var command = try NCodec.parseAsRoot(arguments)
        try command.run()
        Issue.record("expected \(arguments) to fail", sourceLocation: sourceLocation)
    } catch {
        let message = NCodec.message(for: error)
        #expect(message.contains(fragment), "\(message)", sourceLocation: sourceLocation)
        #expect(!message.contains("\n"), "\(message)", sourceLocation: sourceLocation)
        #expect(NCodec.exitCode(for: error) != .success, sourceLocation: sourceLocation)
    }
}
