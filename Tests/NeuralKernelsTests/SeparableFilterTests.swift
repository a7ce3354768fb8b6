import Testing
import NeuralKernels

@Suite struct SeparableFilterTests {
    static let bicubic: [Float] = [-0.0234375, -0.0703125, 0.2265625, 0.8671875, 0.8671875, 0.2265625, -0.0703125, -0.0234375]

    /// The documented formula, evaluated in Double, one line at a time.
    func reference(_ x: [Float], planes: Int, height: Int, width: Int, axis: FilterAxis, taps: [Float],
                   factor: Int) -> [Float] {
        let out = SeparableFilter.outputSize(height: height, width: width, axis: axis, factor: factor)
        let c = (taps.count - factor) / 2
        var y = [Float](repeating: 0, count: planes * out.height * out.width)
        for p in 0..<planes {
            for oy in 0..<out.height {
                for ox in 0..<out.width {
                    let m = axis == .horizontal ? ox : oy
                    let n = axis == .horizontal ? width : height
                    var sum = 0.0
                    for t in 0..<taps.count where (m + c - t) % factor == 0 || factor == 1 {
                        let q = m + c - t
                        guard q % factor == 0 else { continue }
                        let j = min(max(Int((Double(q) / Double(factor)).rounded(.down)), 0), n - 1)
                        let sx = axis == .horizontal ? j : ox, sy = axis == .horizontal ? oy : j
                        sum += Double(taps[t]) * Double(x[(p * height + sy) * width + sx])
                    }
                    y[(p * out.height + oy) * out.width + ox] = Float(sum)
                }
            }
        }
        return y
    }

    func forward(_ x: [Float], planes: Int, height: Int, width: Int, axis: FilterAxis, taps: [Float],
                 factor: Int) -> [Float] {
        let out = SeparableFilter.outputSize(height: height, width: width, axis: axis, factor: factor)
        var y = [Float](repeating: 0, count: planes * out.height * out.width)
        x.withUnsafeBufferPointer { xp in
            taps.withUnsafeBufferPointer { tp in
                y.withUnsafeMutableBufferPointer { yp in
                    SeparableFilter.forward(input: xp.baseAddress!, planes: planes, height: height, width: width,
                                            axis: axis, taps: tp.baseAddress!, tapCount: taps.count, factor: factor,
                                            output: yp.baseAddress!)
                }
            }
        }
        return y
    }

    static let cases: [(FilterAxis, Int, Int)] = [(.horizontal, 2, 8), (.vertical, 2, 8), (.horizontal, 1, 7), (.vertical, 1, 7)]

    @Test(arguments: 0..<cases.count)
    func forwardMatchesFormula(_ index: Int) {
        let (axis, factor, tapCount) = Self.cases[index]
        var random = TestRandom(seed: UInt64(50 + index))
        let x = random.array(2 * 5 * 11), taps = random.array(tapCount)
        #expect(maxRelativeError(forward(x, planes: 2, height: 5, width: 11, axis: axis, taps: taps, factor: factor),
                                 reference(x, planes: 2, height: 5, width: 11, axis: axis, taps: taps, factor: factor)) < 1e-5)
    }

    @Test func bicubicUpsamplingInterpolatesARampAtHalfPixelPositions() {
        let width = 12
        let ramp = (0..<width).map { Float($0) }
        let y = forward(ramp, planes: 1, height: 1, width: width, axis: .horizontal, taps: Self.bicubic, factor: 2)
        // Away from the replicated edges, output m sits at input position (m + 0.5) / 2 - 0.5.
        for m in 4..<(2 * width - 4) {
            #expect(abs(y[m] - (Float(m) + 0.5) / 2 + 0.5) < 1e-5)
        }
        let constant = forward([Float](repeating: 0.3, count: 10), planes: 1, height: 10, width: 1, axis: .vertical,
                               taps: Self.bicubic, factor: 2)
        #expect(constant.allSatisfy { abs($0 - 0.3) < 1e-6 })
    }

    @Test(arguments: 0..<cases.count)
    func backwardMatchesFiniteDifferences(_ index: Int) {
        let (axis, factor, tapCount) = Self.cases[index]
        var random = TestRandom(seed: UInt64(60 + index))
        let planes = 2, height = 5, width = 9
        let x = random.array(planes * height * width), taps = random.array(tapCount)
        let g = random.array(planes * height * width * factor)
        var gx = [Float](repeating: 0, count: x.count), gt = [Float](repeating: 0, count: tapCount)
        x.withUnsafeBufferPointer { xp in
            taps.withUnsafeBufferPointer { tp in
                g.withUnsafeBufferPointer { gp in
                    gx.withUnsafeMutableBufferPointer { gxp in
                        gt.withUnsafeMutableBufferPointer { gtp in
                            SeparableFilter.backward(input: xp.baseAddress!, planes: planes, height: height, width: width,
                                                     axis: axis, taps: tp.baseAddress!, tapCount: tapCount, factor: factor,
                                                     gradOutput: gp.baseAddress!, gradInput: gxp.baseAddress!,
                                                     gradTaps: gtp.baseAddress!)
                        }
                    }
                }
            }
        }
        let nx = numericGradient(x, step: 0.25) {
            weightedSum(reference($0, planes: planes, height: height, width: width, axis: axis, taps: taps, factor: factor), g)
        }
        let nt = numericGradient(taps, step: 0.25) {
            weightedSum(reference(x, planes: planes, height: height, width: width, axis: axis, taps: $0, factor: factor), g)
        }
        #expect(maxRelativeError(gx, nx) < 1e-4)
        #expect(maxRelativeError(gt, nt) < 1e-4)
    }
}
