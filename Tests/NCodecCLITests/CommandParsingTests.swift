import Testing
@testable import NCodecCLI

@Suite struct CommandParsingTests {
    @Test func unknownSubcommandIsRejected() {
        #expect(throws: (any Error).self) { try NCodec.parseAsRoot(["no-such-command"]) }
    }
}
