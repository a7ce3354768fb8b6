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

    /// Values decoded in batches (tables looked up first) equal those decoded one at a time, and a
    /// batch stops right after the first value outside its valid range.
    @Test func batchDecodingMatchesSingleValues() throws {
        let family = QuantizedFamily.laplace16
        var random = TestRandom(seed: 7)
        let count = 5_000
        var means: [Int32] = [], scales: [Int32] = [], values: [Int32] = []
        for _ in 0..<count {
            let mean = Double.random(in: -20...20, using: &random)
            let logScale = Double.random(in: -7...5, using: &random)
            means.append(Int32((mean * 256).rounded()))
            scales.append(Int32((logScale * 256).rounded()))
            values.append(Int32(max(-1e6, min(1e6, random.laplace(mean: mean, scale: exp(logScale)).rounded()))))
        }
        var encoder = RangeEncoder()
        for i in 0..<count { encoder.encode(values[i], mean: means[i], logScale: scales[i], using: family) }
        let bytes = encoder.finish()
        var decoder = RangeDecoder(bytes: bytes)
        var decoded = [Int32](repeating: 0, count: count)
        try means.withUnsafeBufferPointer { m in
            try scales.withUnsafeBufferPointer { s in
                try decoded.withUnsafeMutableBufferPointer { d in
                    var start = 0
                    for batch in [1, 7, 300, 0, 2_000, count] where start < count {
                        let n = min(batch, count - start)
                        let written = try decoder.decode(count: n, means: m.baseAddress! + start, logScales: s.baseAddress! + start,
                                                         using: family, into: d.baseAddress! + start, valid: Int32.min...Int32.max)
                        #expect(written == n)
                        start += n
                    }
                }
            }
        }
        #expect(decoded == values)
        // A valid range the 10th value leaves: the batch ends with it.
        let outside = values[9] > 0 ? Int32.min...(values[9] - 1) : (values[9] + 1)...Int32.max
        let firstTen = values[0..<9].allSatisfy { outside.contains($0) }
        var again = RangeDecoder(bytes: bytes)
        var partial = [Int32](repeating: 0, count: count)
        let written = try again.decode(count: count, means: means, logScales: scales, using: family, into: &partial, valid: outside)
        if firstTen {
            #expect(written == 10 && partial[9] == values[9] && Array(partial[0..<10]) == Array(values[0..<10]))
        }
        #expect(written <= 10 && Array(partial[0..<written]) == Array(values[0..<written]))
    }
}

