import Foundation
import Testing
@testable import NCodecCLI
import OverfittedCodec

@Suite struct CodecCommandTests {
    @Test func encodeOptionsMapToTheConfiguration() throws {
        let command = try EncodeCommand.parse(["in.png", "-o", "out.ncx", "--quality", "8", "--preset", "123",
                                               "--complexity", "very-high", "--threads", "1", "--seed", "5"])
        let configuration = command.encoderConfiguration()
        #expect(abs(configuration.lambda - 1e-4) < 1e-12)
        #expect(configuration.preset == .iterations(123))
        #expect(configuration.complexity == .veryHigh)
        #expect(configuration.threads == 1 && configuration.seed == 5)
    }

    @Test func badOptionsAreRejected() {
        #expect(throws: (any Error).self) { try EncodeCommand.parse(["in.png", "-o", "o.ncx", "--quality", "9"]) }
        #expect(throws: (any Error).self) { try EncodeCommand.parse(["in.png", "-o", "o.ncx", "--preset", "turbo"]) }
        #expect(throws: (any Error).self) { try EncodeCommand.parse(["in.png", "-o", "o.ncx", "--complexity", "huge"]) }
    }

    @Test func demoImageIsDeterministicAndVaried() {
        let a = DemoImage.make(width: 64, height: 48), b = DemoImage.make(width: 64, height: 48)
        #expect(a == b)
        #expect(Set(a.planes[0].samples).count > 30)
    }
}
