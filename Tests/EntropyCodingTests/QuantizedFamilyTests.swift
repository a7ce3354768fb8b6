import Foundation
import Testing
@testable import EntropyCoding

@Suite struct QuantizedFamilyTests {
    @Test(arguments: QuantizedFamily.Distribution.allCases, [15, 16])
    func randomParametersRoundTrip(distribution: QuantizedFamily.Distribution, precision: Int) throws {
        let family = try #require(QuantizedFamily.shared(distribution, precision: precision))
        var random = TestRandom(seed: 42)
        let count = 200_000
        var means: [Int32] = [], scales: [Int32] = [], values: [Int32] = []
        for _ in 0..<count {
            let mean = Double.random(in: -40...40, using: &random)
            let logScale = Double.random(in: -7...7, using: &random)
            means.append(Int32((mean * 256).rounded()))
            scales.append(Int32((logScale * 256).rounded()))
            let sample = random.laplace(mean: mean, scale: exp(logScale))
            values.append(Int32(max(-1e9, min(1e9, sample.rounded()))))
        }
        var encoder = RangeEncoder()
        for i in 0..<count { encoder.encode(values[i], mean: means[i], logScale: scales[i], using: family) }
        let bytes = encoder.finish()
        var decoder = RangeDecoder(bytes: bytes)
        for i in 0..<count {
            let decoded = try decoder.decode(mean: means[i], logScale: scales[i], using: family)
            if decoded != values[i] {
                Issue.record("symbol \(i): decoded \(decoded), expected \(values[i])")
                return
            }
        }
    }
}
