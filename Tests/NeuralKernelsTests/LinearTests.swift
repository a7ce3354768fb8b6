import Testing
import NeuralKernels

@Suite struct LinearTests {
    let inFeatures = 5, outFeatures = 7, count = 37

    func reference(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
        var y = [Float](repeating: 0, count: outFeatures * count)
        for o in 0..<outFeatures {
            for p in 0..<count {
                var s = Double(b[o])
                for i in 0..<inFeatures { s += Double(w[o * inFeatures + i]) * Double(x[i * count + p]) }
                y[o * count + p] = Float(s)
            }
        }
        return y
    }

    func run(_ x: [Float], _ w: [Float], _ b: [Float], start: [Float]? = nil, relu: Bool = false) -> [Float] {
        var y = start ?? [Float](repeating: 0, count: outFeatures * count)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                b.withUnsafeBufferPointer { bp in
                    y.withUnsafeMutableBufferPointer { yp in
                        Linear.forward(input: xp.baseAddress!, inFeatures: inFeatures, count: count,
                                       weight: wp.baseAddress!, bias: bp.baseAddress!, outFeatures: outFeatures,
                                       output: yp.baseAddress!, accumulate: start != nil, relu: relu)
                    }
                }
            }
        }
        return y
    }

    @Test func forwardMatchesDoubleReference() {
        var random = TestRandom(seed: 1)
        let x = random.array(inFeatures * count), w = random.array(inFeatures * outFeatures), b = random.array(outFeatures)
        #expect(maxRelativeError(run(x, w, b), reference(x, w, b)) < 1e-5)
    }

    @Test func reluIsAppliedBeforeTheResidualAdd() {
        var random = TestRandom(seed: 2)
        let x = random.array(inFeatures * count), w = random.array(inFeatures * outFeatures), b = random.array(outFeatures)
        let residual = random.array(outFeatures * count)
        let expected = zip(residual, reference(x, w, b)).map { $0 + max(0, $1) }
        #expect(maxRelativeError(run(x, w, b, start: residual, relu: true), expected) < 1e-5)
    }

    @Test func backwardMatchesFiniteDifferences() {
        var random = TestRandom(seed: 3)
        let x = random.array(inFeatures * count), w = random.array(inFeatures * outFeatures), b = random.array(outFeatures)
        let g = random.array(outFeatures * count)
        var gx = [Float](repeating: 0, count: x.count), gw = [Float](repeating: 0, count: w.count)
        var gb = [Float](repeating: 0, count: b.count)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                g.withUnsafeBufferPointer { gp in
                    gx.withUnsafeMutableBufferPointer { gxp in
                        gw.withUnsafeMutableBufferPointer { gwp in
                            gb.withUnsafeMutableBufferPointer { gbp in
                                Linear.backward(input: xp.baseAddress!, inFeatures: inFeatures, count: count,
                                                weight: wp.baseAddress!, outFeatures: outFeatures,
                                                gradOutput: gp.baseAddress!, gradInput: gxp.baseAddress!,
                                                gradWeight: gwp.baseAddress!, gradBias: gbp.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        #expect(maxRelativeError(gx, numericGradient(x, step: 0.25) { weightedSum(reference($0, w, b), g) }) < 1e-4)
        #expect(maxRelativeError(gw, numericGradient(w, step: 0.25) { weightedSum(reference(x, $0, b), g) }) < 1e-4)
        #expect(maxRelativeError(gb, numericGradient(b, step: 0.25) { weightedSum(reference(x, w, $0), g) }) < 1e-4)
    }

    @Test func resultsDoNotDependOnThreadCount() {
        var random = TestRandom(seed: 4)
        let big = 9000
        let x = random.array(3 * big), w = random.array(6), g = random.array(2 * big)
        func gradients() -> [Float] {
            var gw = [Float](repeating: 0, count: 6)
            x.withUnsafeBufferPointer { xp in
                w.withUnsafeBufferPointer { wp in
                    g.withUnsafeBufferPointer { gp in
                        gw.withUnsafeMutableBufferPointer { gwp in
                            Linear.backward(input: xp.baseAddress!, inFeatures: 3, count: big, weight: wp.baseAddress!,
                                            outFeatures: 2, gradOutput: gp.baseAddress!, gradInput: nil,
                                            gradWeight: gwp.baseAddress!, gradBias: nil)
                        }
                    }
                }
            }
            return gw
        }
        Parallel.setMaxThreads(1)
        let single = gradients()
        Parallel.setMaxThreads(0)
        #expect(single == gradients())
    }
}
