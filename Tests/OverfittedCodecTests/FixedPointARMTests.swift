import Testing
import NeuralKernels
@testable import OverfittedCodec

/// The ARM's vector kernel against its scalar Int64 definition.
@Suite struct FixedPointARMTests {
    /// Random ARM networks: weights `±weightMagnitude` at step 2^-weightExponent, biases `±4096` at 2^-12.
    static func networks(context c: Int, weightMagnitude: Int32, weightExponent: Int,
                         generator: inout SeededGenerator) -> QuantizedNetworks {
        let layout = ARMLayout(context: c)
        let weights = (0..<layout.layout.weightCount).map { _ in Int32.random(in: -weightMagnitude...weightMagnitude, using: &generator) }
        let biases = (0..<layout.layout.biasRange.count).map { _ in Int32.random(in: -4096...4096, using: &generator) }
        return .arm(layout: layout, weights: weights, weightExponent: weightExponent, biases: biases, biasExponent: 12)
    }

    /// Every position of a random grid: the same output sums (so the same mean and log-scale) from
    /// both paths. Small weights keep the activations in the Int32 range (vector path); large ones
    /// leave it for some positions (fallback) or make a weight itself too large (scalar only).
    @Test(arguments: [(1, 40, 10, 64), (3, 40, 10, 64), (8, 200, 12, 64), (20, 300, 14, 64), (24, 40, 8, 64),
                      (40, 100, 12, 64), (20, 300, 14, 1000), (8, 1 << 20, 16, 64), (20, 1 << 14, 6, 64),
                      (14, 1 << 24, 4, 64)])
    func vectorKernelMatchesTheScalarPath(case: (context: Int, magnitude: Int32, exponent: Int, latentBound: Int32)) {
        var generator = SeededGenerator(seed: UInt64(`case`.context * 1000 + `case`.exponent))
        let networks = Self.networks(context: `case`.context, weightMagnitude: `case`.magnitude,
                                     weightExponent: `case`.exponent, generator: &generator)
        let layout = ARMLayout(context: `case`.context)
        let vector = FixedPointARM(networks: networks, layout: layout)
        let scalar = FixedPointARM(networks: networks, layout: layout, level: .portable)
        #expect(!scalar.isVectorized)
        let width = 13, height = 11
        // A grid with latents beyond -64...64 exercises the kernel without its 32-bit layer 1.
        let grid = (0..<(width * height)).map { _ in Int32.random(in: -`case`.latentBound...`case`.latentBound, using: &generator) }
        let a = vector.makeScratch(), b = scalar.makeScratch()
        defer { a.deallocate(); b.deallocate() }
        grid.withUnsafeBufferPointer { g in
            for y in 0..<height {
                for x in 0..<width {
                    let p = vector.outputSums(grid: g, width: width, height: height, x: x, y: y, scratch: a)
                    let q = scalar.outputSums(grid: g, width: width, height: height, x: x, y: y, scratch: b)
                    #expect(p == q, "context \(`case`.context) at (\(x), \(y))")
                    #expect(vector.parameters(grid: g, width: width, height: height, x: x, y: y, scratch: a)
                                == scalar.parameters(grid: g, width: width, height: height, x: x, y: y, scratch: b))
                }
            }
            // Batches: along each row, and down a wavefront-like diagonal (one row down, two columns left).
            let batch = FixedPointARM.Batch(arm: vector)
            for (x0, y0, stepX, stepY, count) in (0..<height).map({ (0, $0, 1, 0, width) }) + [(12, 0, -2, 1, 7), (5, 3, -1, 1, 6)] {
                let (means, logScales) = vector.batchParameters(grid: grid, width: width, height: height, x: x0, y: y0,
                                                                stepX: stepX, stepY: stepY, count: count, batch: batch)
                for k in 0..<count {
                    let q = scalar.parameters(grid: g, width: width, height: height, x: x0 + k * stepX, y: y0 + k * stepY, scratch: b)
                    #expect(means[k] == q.mean && logScales[k] == q.logScale, "batch from (\(x0), \(y0)), latent \(k)")
                }
            }
        }
    }

    /// The C finish of a batch (on AVX2 when the narrow kernel runs) gives the Swift finish's means and
    /// log-scales, for random sums and sums at and around every clamp and rounding boundary.
    @Test func batchFinishMatchesTheSwiftFinish() {
        var generator = SeededGenerator(seed: 21)
        let arm = FixedPointARM(networks: Self.networks(context: 20, weightMagnitude: 300, weightExponent: 14, generator: &generator),
                                layout: ARMLayout(context: 20))
        guard Acceleration.level >= .avx2 else { return }  // nk_arm_finish needs AVX2 on x86-64
        var special: [Int64] = [0, 1, -1, .max, .min, 1 << 15, -(1 << 15), (1 << 15) - 1, 1 << 56, -(1 << 56)]
        for edge: Int64 in [1 << 40, 1 << 28, 1 << 24, 1 << 20, 1 << 16, 1 << 12] {
            for delta: Int64 in -3...3 { special += [(edge << 16) + delta, (-edge << 16) + delta, (edge << 24) + delta << 8] }
        }
        let random = (0..<3001).map { _ in Int64.random(in: .min ... .max, using: &generator) >> Int64.random(in: 0...62, using: &generator) }
        let sums = special + special.reversed() + random
        let count = sums.count / 2
        var means = [Int32](repeating: 0, count: count), logScales = means
        sums.withUnsafeBufferPointer { s in
            arm.finish(sums: s.baseAddress!, count: count, means: &means, logScales: &logScales)
        }
        for n in 0..<count {
            let expected = arm.finish((sums[2 * n], sums[2 * n + 1]))
            #expect(means[n] == expected.mean && logScales[n] == expected.logScale, "sums \(sums[2 * n]), \(sums[2 * n + 1])")
        }
    }

    @Test func smallWeightsUseTheVectorKernelWhenTheCPUHasIt() {
        var generator = SeededGenerator(seed: 7)
        let networks = Self.networks(context: 20, weightMagnitude: 300, weightExponent: 14, generator: &generator)
        let arm = FixedPointARM(networks: networks, layout: ARMLayout(context: 20))
        #expect(arm.isVectorized == (Acceleration.level >= .avx2))
        #expect(arm.usesLatentLayer == (Acceleration.level >= .avx2))
        // 2^14 at step 2^-6 is 2^24 in Q16: twenty of them times 64 exceed 2^31.
        let large = Self.networks(context: 20, weightMagnitude: 1 << 14, weightExponent: 6, generator: &generator)
        #expect(!FixedPointARM(networks: large, layout: ARMLayout(context: 20)).usesLatentLayer)
    }

    @Test func weightsBeyondInt32KeepTheScalarPath() {
        var generator = SeededGenerator(seed: 8)
        // 2^24 at step 2^-4 is 2^36 in Q16.
        let networks = Self.networks(context: 8, weightMagnitude: 1 << 24, weightExponent: 4, generator: &generator)
        #expect(!FixedPointARM(networks: networks, layout: ARMLayout(context: 8)).isVectorized)
    }
}
