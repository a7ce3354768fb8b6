import Foundation
import Testing
import NeuralKernels

@Suite struct LossTests {
    /// The rate in Double straight from the Laplace CDF (a different formulation from the kernel's).
    func referenceBits(_ y: Double, _ mean: Double, _ logScale: Double) -> Double {
        let b = Foundation.exp(logScale)
        func cdf(_ v: Double) -> Double { v < 0 ? 0.5 * Foundation.exp(v / b) : 1 - 0.5 * Foundation.exp(-v / b) }
        return -Foundation.log2(max(cdf(y + 0.5 - mean) - cdf(y - 0.5 - mean), 1.0 / 65536))
    }

    @Test func laplaceRateMatchesTheCDFDefinition() {
        // At the mean with b = 1 the bin holds 1 - exp(-1/2) of the mass.
        #expect(abs(LaplaceRate.single(value: 0, mean: 0, logScale: 0).bits - Float(-log2(1 - exp(-0.5)))) < 1e-5)
        var random = TestRandom(seed: 70)
        for _ in 0..<200 {
            let y = random.next() * 20, mean = random.next() * 20, logScale = random.next() * 4
            let expected = referenceBits(Double(y), Double(mean), Double(logScale))
            #expect(abs(Double(LaplaceRate.single(value: y, mean: mean, logScale: logScale).bits) - expected) < 1e-3 * max(1, expected))
        }
    }

    @Test func laplaceRateIsFlooredAt16BitsWithZeroGradient() {
        let far = LaplaceRate.single(value: 100, mean: 0, logScale: 0)
        #expect(far.bits == 16 && far.dValue == 0 && far.dLogScale == 0)
    }

    @Test func laplaceRateGradientsMatchFiniteDifferences() {
        var random = TestRandom(seed: 71)
        let count = 40
        let y = random.array(count, scale: 6), mean = random.array(count, scale: 3), logScale = random.array(count, scale: 1.5)
        var gy = [Float](repeating: 0, count: count), gm = gy, gs = gy
        let total = y.withUnsafeBufferPointer { yp in
            mean.withUnsafeBufferPointer { mp in
                logScale.withUnsafeBufferPointer { sp in
                    gy.withUnsafeMutableBufferPointer { gyp in
                        gm.withUnsafeMutableBufferPointer { gmp in
                            gs.withUnsafeMutableBufferPointer { gsp in
                                LaplaceRate.bits(values: yp.baseAddress!, means: mp.baseAddress!, logScales: sp.baseAddress!,
                                                 count: count, gradValues: gyp.baseAddress!, gradMeans: gmp.baseAddress!,
                                                 gradLogScales: gsp.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        let expectedTotal = (0..<count).reduce(0.0) { $0 + referenceBits(Double(y[$1]), Double(mean[$1]), Double(logScale[$1])) }
        #expect(abs(total - expectedTotal) < 1e-3 * expectedTotal)
        let h = 1e-4
        for i in 0..<count {
            let (yi, mi, si) = (Double(y[i]), Double(mean[i]), Double(logScale[i]))
            let dy = (referenceBits(yi + h, mi, si) - referenceBits(yi - h, mi, si)) / (2 * h)
            let dm = (referenceBits(yi, mi + h, si) - referenceBits(yi, mi - h, si)) / (2 * h)
            let ds = (referenceBits(yi, mi, si + h) - referenceBits(yi, mi, si - h)) / (2 * h)
            #expect(abs(Double(gy[i]) - dy) < 2e-3 * max(1, abs(dy)))
            #expect(abs(Double(gm[i]) - dm) < 2e-3 * max(1, abs(dm)))
            #expect(abs(Double(gs[i]) - ds) < 2e-3 * max(1, abs(ds)))
        }
    }

    @Test func meanSquaredErrorAndGradient() {
        let prediction: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
        let target = prediction.map { $0 + 0.5 }
        var gradient = [Float](repeating: 0, count: prediction.count)
        let loss = prediction.withUnsafeBufferPointer { p in
            target.withUnsafeBufferPointer { t in
                gradient.withUnsafeMutableBufferPointer { g in
                    MeanSquaredError.loss(prediction: p.baseAddress!, target: t.baseAddress!, count: p.count,
                                          gradient: g.baseAddress!, scale: 3)
                }
            }
        }
        #expect(abs(loss - 0.25) < 1e-12)
        #expect(gradient.allSatisfy { abs($0 - 3 * 2 * -0.5 / 11) < 1e-7 })
    }
}
