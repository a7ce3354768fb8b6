import Testing
@testable import OverfittedCodec

@Suite struct EncodingPresetTests {
    /// Heavier decoders get fewer iterations under a named preset (the presets are time budgets),
    /// and each named preset keeps its order (fast < medium < slow) at every complexity.
    @Test func namedPresetsShrinkWithComplexity() {
        let complexities = DecoderComplexity.allCases
        for preset in [EncodingPreset.fast, .medium, .slow] {
            let counts = complexities.map { preset.iterationCount(for: $0) }
            #expect(counts == counts.sorted(by: >), "\(preset): \(counts)")
            #expect(Set(counts).count == counts.count, "\(preset): \(counts)")
        }
        for complexity in complexities {
            let fast = EncodingPreset.fast.iterationCount(for: complexity)
            let medium = EncodingPreset.medium.iterationCount(for: complexity)
            let slow = EncodingPreset.slow.iterationCount(for: complexity)
            #expect(fast < medium && medium < slow, "\(complexity): \(fast), \(medium), \(slow)")
        }
    }

    /// An explicit iteration count is used as given, whatever the complexity; it parses from the
    /// command-line argument and non-positive counts are refused.
    @Test func explicitIterationCountIgnoresComplexity() {
        for complexity in DecoderComplexity.allCases {
            #expect(EncodingPreset(argument: "1234")?.iterationCount(for: complexity) == 1234)
        }
        #expect(EncodingPreset(argument: "0") == nil)
        #expect(EncodingPreset(argument: "-5") == nil)
        #expect(EncodingPreset(argument: "SLOW") == .slow)
    }
}
