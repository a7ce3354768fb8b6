import Foundation
import Testing
import NeuralKernels

@Suite struct QuantizationProxyTests {
    func softRound(_ x: [Float], _ temperature: Float) -> [Float] {
        var y = x
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                QuantizationProxy.softRound(xp.baseAddress!, count: x.count, temperature: temperature, output: yp.baseAddress!)
            }
        }
        return y
    }

    @Test func softRoundGoesFromIdentityToRounding() {
        let x: [Float] = [-2.3, -1.5, -0.7, 0, 0.2, 0.49, 0.51, 1.8, 3.5]
        let cold = softRound(x, 0.01), warm = softRound(x, 50)
        for (value, rounded) in zip(x, cold) where abs(value - value.rounded()) < 0.45 {
            #expect(abs(rounded - value.rounded()) < 1e-4)
        }
        #expect(maxRelativeError(warm, x) < 1e-3)
        // Half-integers are fixed points at any temperature.
        #expect(abs(softRound([-1.5, 3.5], 0.3)[0] + 1.5) < 1e-6)
    }

    @Test func softRoundGradientMatchesFiniteDifferences() {
        var random = TestRandom(seed: 80)
        let x = random.array(30, scale: 4)
        let temperature: Float = 0.3
        let g = random.array(30)
        var gx = [Float](repeating: 0, count: 30)
        x.withUnsafeBufferPointer { xp in
            g.withUnsafeBufferPointer { gp in
                gx.withUnsafeMutableBufferPointer { gxp in
                    QuantizationProxy.softRoundBackward(xp.baseAddress!, count: 30, temperature: temperature,
                                                        gradOutput: gp.baseAddress!, gradInput: gxp.baseAddress!)
                }
            }
        }
        // Reference in Double from the definition.
        func s(_ v: Double) -> Double {
            let a = 1 / Double(temperature), m = v.rounded(.down) + 0.5
            return m + 0.5 * tanh(a * (v - m)) / tanh(a / 2)
        }
        for i in 0..<30 {
            let v = Double(x[i]), h = 1e-5
            let expected = Double(g[i]) * (s(v + h) - s(v - h)) / (2 * h)
            #expect(abs(Double(gx[i]) - expected) < 1e-3 * max(1, abs(expected)))
        }
    }

    @Test func uniformNoiseIsBoundedCenteredAndReproducible() {
        let count = 20000
        let zeros = [Float](repeating: 0, count: count)
        func noise(seed: UInt64) -> [Float] {
            var y = zeros
            zeros.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    QuantizationProxy.addUniformNoise(xp.baseAddress!, count: count, seed: seed, output: yp.baseAddress!)
                }
            }
            return y
        }
        let a = noise(seed: 5)
        #expect(a == noise(seed: 5))
        #expect(a != noise(seed: 6))
        #expect(a.allSatisfy { $0 >= -0.5 && $0 < 0.5 })
        let mean = a.reduce(0, +) / Float(count)
        let variance = a.reduce(0) { $0 + $1 * $1 } / Float(count)
        #expect(abs(mean) < 0.01)
        #expect(abs(variance - 1.0 / 12) < 0.005)
    }

    @Test func gaussianNoiseHasTheRequestedSpreadAndIsReproducible() {
        let count = 40000
        let zeros = [Float](repeating: 0, count: count)
        func noise(seed: UInt64, sigma: Float) -> [Float] {
            var y = zeros
            zeros.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    QuantizationProxy.addGaussianNoise(xp.baseAddress!, count: count, standardDeviation: sigma,
                                                       seed: seed, output: yp.baseAddress!)
                }
            }
            return y
        }
        let a = noise(seed: 5, sigma: 0.2)
        #expect(a == noise(seed: 5, sigma: 0.2))
        #expect(a != noise(seed: 6, sigma: 0.2))
        let bound = 0.2 * 2 * Float(3).squareRoot()
        #expect(a.allSatisfy { abs($0) <= bound })
        let mean = a.reduce(0, +) / Float(count)
        let variance = a.reduce(0) { $0 + $1 * $1 } / Float(count)
        #expect(abs(mean) < 0.005)
        #expect(abs(variance - 0.04) < 0.002)
        // Close to normal: about 68% within one standard deviation (a uniform would give 58%).
        let within = Float(a.filter { abs($0) < 0.2 }.count) / Float(count)
        #expect(abs(within - 0.683) < 0.02)
    }

    /// The noise kernels (AVX2, and AVX-512DQ where the CPU has it) against the Swift loop, bit for bit: counts with partial vectors, a
    /// nonzero offset (the counters of a later range) and inputs of several magnitudes.
    @Test(arguments: [1, 7, 8, 9, 100, 1027])
    func gaussianNoiseKernelMatchesTheSwiftLoop(count: Int) {
        guard Acceleration.level >= .avx2 else { return }
        let x = (0..<count).map { Float($0 % 13) * 0.37 - 2 }
        func noise(_ level: Acceleration.Level) -> [Float] {
            var y = [Float](repeating: .nan, count: count)
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    QuantizationProxy.addGaussianNoise(xp.baseAddress!, count: count, standardDeviation: 0.19,
                                                       seed: 0xDEAD_BEEF_1234, offset: 977, output: yp.baseAddress!,
                                                       level: level)
                }
            }
            return y
        }
        let portable = noise(.portable).map(\.bitPattern)
        for level in [Acceleration.Level.avx2, .avx512] where level <= Acceleration.level {
            #expect(noise(level).map(\.bitPattern) == portable, "\(level)")
        }
    }

    @Test func straightThroughRoundRoundsHalfAwayFromZero() {
        let x: [Float] = [-2.5, -0.4, 0.5, 1.49, 2.5]
        var y = x
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                QuantizationProxy.straightThroughRound(xp.baseAddress!, count: x.count, output: yp.baseAddress!)
            }
        }
        #expect(y == [-3, 0, 1, 1, 3])
    }
}

@Suite struct SoftRoundLevelTests {
    /// Forward and backward (plain and accumulating) at `level`, on values covering integers, half
    /// integers and values near them (the tanh series' range), large magnitudes and both signs; 203 values leave a 3-lane tail.
    func passes(level: Acceleration.Level, temperature: Float) -> [Float] {
        var random = TestRandom(seed: 7)
        let x = random.array(203).enumerated().map { i, r in
            switch i % 6 {
            case 0: Float(i / 5) - 20
            case 1: Float(i / 5) - 20.5
            case 5: Float(i / 5) - 20.5 + r * 0.02
            case 2: r * 70
            case 3: Float(i) + r * 0.05
            default: r * 3e6
            }
        }
        let g = random.array(203)
        var forward = [Float](repeating: 0, count: x.count)
        var backward = [Float](repeating: 0, count: x.count), accumulated = random.array(203)
        x.withUnsafeBufferPointer { xp in
            g.withUnsafeBufferPointer { gp in
                QuantizationProxy.softRound(xp.baseAddress!, count: x.count, temperature: temperature,
                                            output: &forward, level: level)
                QuantizationProxy.softRoundBackward(xp.baseAddress!, count: x.count, temperature: temperature,
                                                    gradOutput: gp.baseAddress!, gradInput: &backward, level: level)
                QuantizationProxy.softRoundBackward(xp.baseAddress!, count: x.count, temperature: temperature,
                                                    gradOutput: gp.baseAddress!, gradInput: &accumulated,
                                                    accumulate: true, level: level)
            }
        }
        return forward + backward + accumulated
    }

    /// The AVX2 kernels, and the AVX-512 forward, give the Swift code's values bit for bit (203
    /// positions: a partial vector at the end at both widths).
    @Test(arguments: [Float(0.5), 0.08, 0.3]) func vectorKernelsMatchSwiftBitForBit(_ temperature: Float) {
        let portable = passes(level: .portable, temperature: temperature)
        for level in [Acceleration.Level.avx2, .avx512] where level <= Acceleration.available {
            let wide = passes(level: level, temperature: temperature)
            let differing = zip(portable, wide).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(portable.count == wide.count && differing == 0, "\(level): \(differing) of \(portable.count) values differ")
        }
    }

    /// The noisy soft-round and its backward, done block by block (the backward from the derivative
    /// factors the forward wrote), give bit for bit the values of the separate passes (soft-round,
    /// noise, soft-round; two soft-round backwards) at every level this CPU has, over more positions
    /// than one block, in place for the backward.
    @Test(arguments: [Float(0.5), 0.08, 0]) func noisySoftRoundMatchesTheSeparatePasses(_ temperature: Float) {
        var random = TestRandom(seed: 9)
        let count = 70_001
        let x = random.array(count).map { $0 * 40 }
        let g = random.array(count)
        let (sigma, seed, offset): (Float, UInt64, UInt64) = (0.2, 11, 5_000_000)
        for level in [Acceleration.Level.portable, .avx2, .avx512] where level <= Acceleration.available {
            var derivatives = [Float](repeating: 0, count: 2 * count), proxy = [Float](repeating: 0, count: count)
            var separateNoisy = proxy, separateProxy = proxy, gradNoisy = proxy, separateGrad = proxy
            var fusedGrad = g
            x.withUnsafeBufferPointer { xp in
                QuantizationProxy.noisySoftRound(xp.baseAddress!, count: count, temperature: temperature, standardDeviation: sigma,
                                                 seed: seed, offset: offset, derivatives: &derivatives, output: &proxy,
                                                 level: level)
                QuantizationProxy.softRound(xp.baseAddress!, count: count, temperature: temperature, output: &separateNoisy,
                                            level: level)
                separateNoisy.withUnsafeMutableBufferPointer { v in
                    QuantizationProxy.addGaussianNoise(v.baseAddress!, count: count, standardDeviation: sigma, seed: seed,
                                                       offset: offset, output: v.baseAddress!, level: level)
                    QuantizationProxy.softRound(v.baseAddress!, count: count, temperature: temperature, output: &separateProxy,
                                                level: level)
                }
                fusedGrad.withUnsafeMutableBufferPointer { fg in
                    QuantizationProxy.noisySoftRoundBackward(derivatives: derivatives, count: count, temperature: temperature,
                                                             gradOutput: fg.baseAddress!, gradInput: fg.baseAddress!)
                }
                separateGrad = g
                separateNoisy.withUnsafeBufferPointer { v in
                    g.withUnsafeBufferPointer { gp in
                        QuantizationProxy.softRoundBackward(v.baseAddress!, count: count, temperature: temperature,
                                                            gradOutput: gp.baseAddress!, gradInput: &gradNoisy, level: level)
                    }
                }
                gradNoisy.withUnsafeBufferPointer { gv in
                    QuantizationProxy.softRoundBackward(xp.baseAddress!, count: count, temperature: temperature,
                                                        gradOutput: gv.baseAddress!, gradInput: &separateGrad, level: level)
                }
            }
            #expect(proxy.map(\.bitPattern) == separateProxy.map(\.bitPattern), "\(level)")
            #expect(fusedGrad.map(\.bitPattern) == separateGrad.map(\.bitPattern), "\(level)")
            #expect(separateNoisy != x && fusedGrad != g || temperature == 0)
        }
    }
}
