import Testing
import NeuralKernels
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

    /// The output samples at every vector level equal the portable loop's, bit for bit: values around
    /// every rounding boundary of 8 and 16 bits, outside [0, 1], infinities, NaNs and signed zeros, in
    /// counts with and without a partial vector.
    @Test(arguments: [8, 16])
    func outputSamplesMatchThePortableLoop(bitDepth: Int) {
        let maxValue = Float((1 << bitDepth) - 1)
        var samples: [Float] = [0, -0.0, 1, -1, 2, .infinity, -.infinity, .nan, -.nan, 0.5, 1e-30, -1e-30]
        for n in stride(from: 0, through: Int(maxValue), by: max(1, Int(maxValue) / 700)) {
            let boundary = (Float(n) + 0.5) / maxValue
            samples += [boundary, boundary.nextUp, boundary.nextDown, Float(n) / maxValue]
        }
        var generator = SeededGenerator(seed: UInt64(bitDepth))
        while samples.count % 3 != 2 { samples.append(generator.uniform(1.5)) }
        samples += samples.reversed() + samples.map { $0 * 0.999 }
        for count in [samples.count, samples.count - 5] {
            let part = Array(samples.prefix(count))
            let portable = quantized(part, maxValue: maxValue, level: .portable)
            for level in DecoderKernelTests.vectorLevels {
                #expect(quantized(part, maxValue: maxValue, level: level).map(\.bitPattern) == portable.map(\.bitPattern),
                        "\(level), \(count) samples")
            }
        }
    }

    private func quantized(_ samples: [Float], maxValue: Float, level: Acceleration.Level) -> [Float] {
        var out = [Float](repeating: -1, count: samples.count)
        samples.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { OverfittedDecoder.quantizeSamples(source, maxValue: maxValue, into: $0, level: level) }
        }
        return out
    }
}

