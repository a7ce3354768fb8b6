import Foundation
import Testing
@testable import EntropyCoding

@Suite struct CodeLengthTests {
    /// 10^6 symbols at 16-bit precision: the stream is within 0.1% of the information content under
    /// the coder's own quantized probabilities, sum(-log2(frequency / 2^16)) (plus escape bits).
    @Test(arguments: [(-1.0, 1.0), (-4.0, 0.0), (0.0, 3.0)])
    func parametricStreamIsWithinATenthOfAPercentOfIdeal(logScaleRange: (Double, Double)) {
        let family = QuantizedFamily.laplace16
        var random = TestRandom(seed: 5)
        var encoder = RangeEncoder(capacity: 1 << 20)
        var idealBits = 0.0
        for _ in 0..<1_000_000 {
            let mean = Int32.random(in: -2000...2000, using: &random)
            let logScale = Int32((Double.random(in: logScaleRange.0...logScaleRange.1, using: &random) * 256).rounded())
            let value = Int32(random.laplace(mean: Double(mean) / 256, scale: exp(Double(logScale) / 256)).rounded())
            idealBits += family.codeLength(of: value, mean: mean, logScale: logScale)
            encoder.encode(value, mean: mean, logScale: logScale, using: family)
        }
        let actualBits = Double(encoder.finish().count * 8)
        #expect(actualBits <= idealBits * 1.001, "\(actualBits) bits for an ideal of \(idealBits)")
        #expect(actualBits >= idealBits * 0.995, "a code cannot beat its model by much: \(actualBits) vs \(idealBits)")
    }

    @Test func staticTableStreamIsWithinATenthOfAPercentOfIdeal() throws {
        var random = TestRandom(seed: 6)
        let table = try CDFTable(normalizing: (0..<64).map { UInt64(1_000_000 >> min(40, $0 / 2)) + 1 }, precision: 16)
        var encoder = RangeEncoder()
        var idealBits = 0.0
        let cumulative = table.cumulative.map { Double($0) / 65536 }
        for _ in 0..<1_000_000 {
            let u = Double.random(in: 0..<1, using: &random)
            let symbol = cumulative.lastIndex { $0 <= u }!
            idealBits += table.codeLength(of: symbol)
            encoder.encode(symbol, using: table)
        }
        let actualBits = Double(encoder.finish().count * 8)
        #expect(actualBits <= idealBits * 1.001 && actualBits >= idealBits * 0.995, "\(actualBits) vs \(idealBits)")
    }
}
