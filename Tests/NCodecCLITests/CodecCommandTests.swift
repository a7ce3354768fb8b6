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

    /// Without `--complexity` (or with `auto`) the decoder follows the preset and lambda: high at the
    /// medium and slow presets from quality 4 (the default) up, medium at their lower qualities, at
    /// the fast preset and for explicit iteration counts.
    @Test func automaticComplexityFollowsPresetAndLambda() throws {
        func complexity(_ arguments: [String]) throws -> DecoderComplexity {
            try EncodeCommand.parse(["in.png", "-o", "out.ncx"] + arguments).encoderConfiguration().complexity
        }
        #expect(try complexity(["--preset", "slow", "--lambda", "4e-4"]) == .high)
        #expect(try complexity(["--preset", "slow", "--lambda", "1e-3", "--complexity", "auto"]) == .high)
        #expect(try complexity(["--preset", "slow", "--lambda", "4e-3"]) == .medium)
        #expect(try complexity(["--preset", "slow", "--quality", "1"]) == .medium)
        #expect(try complexity(["--preset", "fast", "--lambda", "4e-4"]) == .medium)
        #expect(try complexity(["--lambda", "1e-4"]) == .high)
        #expect(try complexity(["--preset", "medium", "--lambda", "4e-3"]) == .medium)
        #expect(try complexity(["--quality", "4"]) == .high)
        #expect(try complexity(["--quality", "3"]) == .medium)
        #expect(try complexity(["--preset", "slow", "--lambda", "2.5e-3"]) == .high)
        #expect(try complexity(["--preset", "300", "--lambda", "4e-4"]) == .medium)
        #expect(try complexity(["--preset", "slow", "--lambda", "4e-4", "--complexity", "low"]) == .low)
    }

    @Test func latentRefinementIsOnUnlessTurnedOff() throws {
        func refines(_ arguments: [String]) throws -> Bool {
            try EncodeCommand.parse(["in.png", "-o", "out.ncx"] + arguments).encoderConfiguration().refineLatents
        }
        #expect(try refines(["--preset", "slow"]))
        #expect(try refines(["--preset", "fast"]))
        #expect(try refines(["--preset", "300", "--refine-latents", "on"]))
        #expect(try !refines(["--preset", "slow", "--refine-latents", "off"]))
    }

    @Test func badOptionsAreRejected() {
        #expect(throws: (any Error).self) { try EncodeCommand.parse(["in.png", "-o", "o.ncx", "--quality", "9"]) }
        #expect(throws: (any Error).self) { try EncodeCommand.parse(["in.png", "-o", "o.ncx", "--preset", "turbo"]) }
        #expect(throws: (any Error).self) { try EncodeCommand.parse(["in.png", "-o", "o.ncx", "--complexity", "huge"]) }
        #expect(throws: (any Error).self) { try EncodeCommand.parse(["in.png", "-o", "o.ncx", "--refine-latents", "yes"]) }
    }

    @Test func decodeTimingListsEveryPhase() throws {
        #expect(try DecodeCommand.parse(["in.ncx", "-o", "out.png", "--timing"]).timing)
        #expect(try !DecodeCommand.parse(["in.ncx", "-o", "out.png"]).timing)
        var phases = DecodePhases()
        phases.arm = 0.0125
        phases.synthesis = 0.002
        let table = DecodeCommand.timingTable(phases: phases, decode: 0.02, read: 0, write: 0.003)
        let lines = table.split(separator: "\n")
        #expect(lines.count == 9)
        #expect(lines.contains { $0.contains("ARM") && $0.hasSuffix("12.5 ms") })
        #expect(lines.contains { $0.contains("decode (to pixels in memory)") && $0.hasSuffix("20.0 ms") })
        #expect(lines.contains { $0.contains("write image file") && $0.hasSuffix("3.0 ms") })
    }

    @Test func demoImageIsDeterministicAndVaried() {
        let a = DemoImage.make(width: 64, height: 48), b = DemoImage.make(width: 64, height: 48)
        #expect(a == b)
        #expect(Set(a.planes[0].samples).count > 30)
    }
}
