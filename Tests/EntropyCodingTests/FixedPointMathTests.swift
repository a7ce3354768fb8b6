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

    /// Four exponentials computed together equal the one-at-a-time ones bit for bit, including groups
    /// whose series end at very different terms (0 and ln 2 apart) and saturated or vanishing results.
    @Test func groupedExpMatchesSingle() {
        var random = TestRandom(seed: 12)
        var arguments: [Int64] = [0, 1, -1, FixedPointMath.ln2Q32 - 1, -FixedPointMath.ln2Q32, 1 << 40, -(1 << 40)]
        for _ in 0..<4000 { arguments.append(Int64((Double.random(in: -40...3, using: &random) * 4_294_967_296).rounded())) }
        for (i, x) in arguments.enumerated() {
            let group = (x, arguments[(i * 7 + 3) % arguments.count], arguments[(i * 5 + 1) % arguments.count],
                         arguments[(i * 3 + 2) % arguments.count])
            for bits in [32, 47, 48] {
                let e = FixedPointMath.exp(group, fractionBits: bits)
                #expect([e.0, e.1, e.2, e.3] == [group.0, group.1, group.2, group.3].map { FixedPointMath.exp($0, fractionBits: bits) },
                        "exp\(group)")
            }
            let magnitudes = (x.magnitudeClamped, group.1.magnitudeClamped, group.2.magnitudeClamped, group.3.magnitudeClamped)
            let f = FixedPointMath.laplaceCDF(nonNegative: magnitudes)
            #expect([f.0, f.1, f.2, f.3] == [magnitudes.0, magnitudes.1, magnitudes.2, magnitudes.3].map { FixedPointMath.laplaceCDF($0) })
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
