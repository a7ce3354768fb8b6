/// A small deterministic generator (SplitMix64) so every test run sees the same data.
struct TestRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform integer in `range` by modulo (a fixed algorithm, unlike the standard library's, so golden
    /// data never depends on the Swift version).
    mutating func integer(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// Laplace sample with mean `mean` and scale `scale` (inverse CDF, test data only).
    mutating func laplace(mean: Double, scale: Double) -> Double {
        let u = Double.random(in: -0.5..<0.5, using: &self)
        let magnitude = -scale * log1pApprox(-2 * abs(u))
        return u < 0 ? mean - magnitude : mean + magnitude
    }
}

import Foundation

private func log1pApprox(_ x: Double) -> Double { Foundation.log1p(x) }
