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

    /// Values coded with random parameters (escapes included) and decoded in runs of several lengths
    /// (longer than the decoder's located batch, and empty): the same values as one call per value.
    /// A run stops right after the first value outside its valid range, and reports it.
    @Test func runsDecodeAsSingleValues() throws {
        let family = QuantizedFamily.laplace16
        var random = TestRandom(seed: 5)
        var means: [Int32] = [], scales: [Int32] = [], values: [Int32] = []
        for _ in 0..<3_000 {
            let mean = Double.random(in: -30...30, using: &random), logScale = Double.random(in: -7...6, using: &random)
            means.append(Int32((mean * 256).rounded()))
            scales.append(Int32((logScale * 256).rounded()))
            values.append(Int32(max(-1e7, min(1e7, random.laplace(mean: mean, scale: exp(logScale)).rounded()))))
        }
        var encoder = RangeEncoder()
        for i in values.indices { encoder.encode(values[i], mean: means[i], logScale: scales[i], using: family) }
        let bytes = encoder.finish()
        var decoder = RangeDecoder(bytes: bytes)
        var decoded = [Int32](repeating: 0, count: values.count)
        var start = 0
        for length in [1, 0, 63, 64, 65, 200, 7, values.count] where start < values.count {
            let n = min(length, values.count - start)
            let written = try decoder.decode(count: n, means: means, logScales: scales, from: start, using: family,
                                             valid: .min ... .max, into: &decoded)
            #expect(written == n)
            start += n
        }
        #expect(decoded == values)
        // A valid range that value 70 (in the second located batch) leaves and the values before it keep.
        let limit = values[0..<70].map(\.magnitude).max()!
        let inside = Int32(-Int64(limit))...Int32(limit)
        var again = RangeDecoder(bytes: bytes)
        var partial = [Int32](repeating: 0, count: values.count)
        let written = try again.decode(count: values.count, means: means, logScales: scales, from: 0, using: family,
                                       valid: inside, into: &partial)
        let firstOutside = values.firstIndex { !inside.contains($0) }!
        #expect(written == firstOutside + 1)
        #expect(Array(partial[0..<written]) == Array(values[0..<written]))
    }
}

private extension RangeDecoder {
    /// ``decode(count:means:logScales:using:valid:into:)`` on arrays, from index `start`.
    mutating func decode(count: Int, means: [Int32], logScales: [Int32], from start: Int, using family: QuantizedFamily,
                         valid: ClosedRange<Int32>, into values: inout [Int32]) throws(EntropyDecodingError) -> Int {
        try means.withUnsafeBufferPointer { m throws(EntropyDecodingError) in
            try logScales.withUnsafeBufferPointer { s throws(EntropyDecodingError) in
                try values.withUnsafeMutableBufferPointer { v throws(EntropyDecodingError) in
                    try decode(count: count, means: m.baseAddress! + start, logScales: s.baseAddress! + start, using: family,
                               valid: valid, into: v.baseAddress! + start)
                }
            }
        }
    }
}
