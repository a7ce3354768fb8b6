import Foundation
import Testing
@testable import EntropyCoding

@Suite struct FixedPointMathTests {
    @Test func integerExpMatchesLibm() {
        var random = TestRandom(seed: 11)
        for _ in 0..<2000 {
            let x = Double.random(in: -30...6, using: &random)
            let xQ32 = Int64((x * 4_294_967_296).rounded())
            let fixed = Double(FixedPointMath.exp(xQ32, fractionBits: 48)) / 281_474_976_710_656
            let reference = Foundation.exp(Double(xQ32) / 4_294_967_296)
            // ln 2 in Q32 limits the relative error to about |n| * 2^-33 (n = x / ln 2); truncation to Q48
            // adds 2^-48 absolute. Both are far below the 2^-16 resolution of the tables.
            #expect(abs(fixed - reference) <= reference * 2e-9 + 1e-14, "exp(\(x))")
        }
    }

    /// Two exponentials computed together equal the one-at-a-time ones bit for bit, including pairs
    /// whose series end at very different terms (0 and ln 2 apart) and saturated or vanishing results.
    @Test func pairedExpMatchesSingle() {
        var random = TestRandom(seed: 12)
        var arguments: [Int64] = [0, 1, -1, FixedPointMath.ln2Q32 - 1, -FixedPointMath.ln2Q32, 1 << 40, -(1 << 40)]
        for _ in 0..<4000 { arguments.append(Int64((Double.random(in: -40...3, using: &random) * 4_294_967_296).rounded())) }
        for (i, x) in arguments.enumerated() {
            let y = arguments[(i * 7 + 3) % arguments.count]
            for bits in [32, 47, 48] {
                let (a, b) = FixedPointMath.exp(x, y, fractionBits: bits)
                #expect(a == FixedPointMath.exp(x, fractionBits: bits) && b == FixedPointMath.exp(y, fractionBits: bits), "exp(\(x), \(y))")
            }
            if x >= 0 && y >= 0 {
                let (f, g) = FixedPointMath.laplaceCDF(nonNegative: x, y)
                #expect(f == FixedPointMath.laplaceCDF(x) && g == FixedPointMath.laplaceCDF(y))
            }
        }
    }

    @Test(arguments: QuantizedFamily.Distribution.allCases)
    func standardCDFsMatchClosedForms(distribution: QuantizedFamily.Distribution) {
        let builder = QuantizedFamilyBuilder(distribution: distribution, precision: 16)
        for step in -400...400 {
            let t = Double(step) / 40
            let fixed = Double(builder.standardCDF(Int64(t * 4_294_967_296))) / 281_474_976_710_656
            let reference: Double = switch distribution {
            case .laplace: t < 0 ? 0.5 * Foundation.exp(t) : 1 - 0.5 * Foundation.exp(-t)
            case .logistic: 1 / (1 + Foundation.exp(-t))
            case .gaussian: 0.5 * erfc(-t / 2.0.squareRoot())
            }
            #expect(abs(fixed - reference) < 1e-9, "\(distribution) CDF(\(t)): \(fixed) vs \(reference)")
        }
    }
}
