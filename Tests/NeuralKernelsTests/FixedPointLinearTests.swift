import Testing
import NeuralKernels

@Suite struct FixedPointLinearTests {
    @Test func knownAnswerWithRoundingAndReLU() throws {
        // Weights 1.5 and -0.25 with 2 fractional bits: 6 and -1. Activations with 1 fractional bit.
        let layer = try #require(FixedPointLinear(inFeatures: 2, outFeatures: 1, weights: [6, -1], biases: [3],
                                                  weightFractionBits: 2))
        let input: [Int32] = [2, -4, 1, 3]  // planar: feature 0 = [2, -4], feature 1 = [1, 3]
        var output: [Int32] = [0, 0]
        input.withUnsafeBufferPointer { ip in
            output.withUnsafeMutableBufferPointer { op in
                layer.apply(input: ip.baseAddress!, count: 2, output: op.baseAddress!)
            }
        }
        // p0: 3 + 12 - 1 = 14 -> (14 + 2) >> 2 = 4.  p1: 3 - 24 - 3 = -24 -> (-24 + 2) >> 2 = -6.
        #expect(output == [4, -6])
        input.withUnsafeBufferPointer { ip in
            output.withUnsafeMutableBufferPointer { op in
                layer.apply(input: ip.baseAddress!, count: 2, output: op.baseAddress!, relu: true, accumulate: true)
            }
        }
        #expect(output == [8, -6])
    }

    /// A residual MLP (2 hidden residual layers, output layer) in float and in fixed point: the
    /// fixed-point result must stay within the error bound propagated layer by layer as documented
    /// on FixedPointLinear.
    @Test func fixedPointAgreesWithFloatWithinTheStatedBound() throws {
        let width = 20, outputs = 2, count = 300, weightBits = 12, activationBits = 8
        var random = TestRandom(seed: 90)
        let hidden = (0..<2).map { _ in (random.array(width * width, scale: 0.3), random.array(width, scale: 0.5)) }
        let head = (random.array(outputs * width, scale: 0.3), random.array(outputs, scale: 0.5))
        // Integer latents in [-20, 20] as inputs (exact on the activation grid).
        let latents = (0..<width * count).map { _ in (random.next() * 20).rounded() }

        // Float path, in Double for a clean reference.
        var x = latents.map(Double.init)
        var bound = [Double](repeating: 0, count: width * count)
        func floatLayer(_ w: [Float], _ b: [Float], _ input: [Double], _ error: [Double], outFeatures: Int)
            -> (value: [Double], error: [Double]) {
            var value = [Double](repeating: 0, count: outFeatures * count), err = value
            let step = 1.0 / Double(1 << weightBits), biasStep = step / Double(1 << activationBits)
            for o in 0..<outFeatures {
                for p in 0..<count {
                    var s = Double(b[o]), e = biasStep / 2 + 1.0 / Double(1 << (activationBits + 1))
                    for i in 0..<width {
                        s += Double(w[o * width + i]) * input[i * count + p]
                        e += (abs(Double(w[o * width + i])) + step / 2) * error[i * count + p] + step / 2 * abs(input[i * count + p])
                    }
                    value[o * count + p] = s
                    err[o * count + p] = e
                }
            }
            return (value, err)
        }
        for (w, b) in hidden {
            let (branch, branchError) = floatLayer(w, b, x, bound, outFeatures: width)
            x = zip(x, branch).map { $0 + max(0, $1) }
            bound = zip(bound, branchError).map { $0 + $1 }
        }
        let (expected, expectedError) = floatLayer(head.0, head.1, x, bound, outFeatures: outputs)

        // Fixed-point path.
        var activations = latents.map { Int32($0) << Int32(activationBits) }
        var scratch = [Int32](repeating: 0, count: width * count)
        for (w, b) in hidden {
            let layer = try #require(FixedPointLinear(weights: w, biases: b, inFeatures: width, outFeatures: width,
                                                      weightFractionBits: weightBits, activationFractionBits: activationBits))
            scratch = activations
            activations.withUnsafeBufferPointer { ip in
                scratch.withUnsafeMutableBufferPointer { op in
                    layer.apply(input: ip.baseAddress!, count: count, output: op.baseAddress!, relu: true, accumulate: true)
                }
            }
            activations = scratch
        }
        let headLayer = try #require(FixedPointLinear(weights: head.0, biases: head.1, inFeatures: width, outFeatures: outputs,
                                                      weightFractionBits: weightBits, activationFractionBits: activationBits))
        var result = [Int32](repeating: 0, count: outputs * count)
        activations.withUnsafeBufferPointer { ip in
            result.withUnsafeMutableBufferPointer { op in
                headLayer.apply(input: ip.baseAddress!, count: count, output: op.baseAddress!)
            }
        }
        var worstRatio = 0.0
        for k in 0..<outputs * count {
            let fixed = Double(result[k]) / Double(1 << activationBits)
            let error = abs(fixed - expected[k])
            #expect(error <= expectedError[k])
            worstRatio = max(worstRatio, error / expectedError[k])
        }
        // The bound is not vacuous: the observed error uses a visible part of it.
        #expect(worstRatio > 0.01)
    }
}
