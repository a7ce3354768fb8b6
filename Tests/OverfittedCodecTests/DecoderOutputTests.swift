import Testing
@testable import OverfittedCodec

@Suite struct DecoderOutputTests {
    /// The decoder's rounding equals `rounded()` on [0, 65535]: every half-integer and its float
    /// neighbours, plus [0, 256) in steps of 1/4096.
    @Test func roundingMatchesTheStandardLibrary() {
        var values: [Float] = []
        for n in 0...65535 {
            let half = Float(n) + 0.5
            values += [Float(n), half, half.nextUp, half.nextDown, Float(n).nextUp, Float(n).nextDown]
        }
        for i in 0..<(256 * 4096) { values.append(Float(i) / 4096) }
        for value in values where value >= 0 && value <= 65535 {
            if OverfittedDecoder.roundedHalfAway(value) != value.rounded() {
                Issue.record("\(value): \(OverfittedDecoder.roundedHalfAway(value)) vs \(value.rounded())")
                return
            }
        }
    }
}
