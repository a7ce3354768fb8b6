import Testing
import NeuralKernels

/// Direct Double-precision convolution used as the reference.
func referenceConv(_ conv: Conv2D, _ x: [Float], height: Int, width: Int, _ w: [Float], _ b: [Float]) -> [Float] {
    let out = conv.outputSize(height: height, width: width)
    let inPerGroup = conv.inChannels / conv.groups, outPerGroup = conv.outChannels / conv.groups
    var y = [Float](repeating: 0, count: conv.outChannels * out.height * out.width)
    func sample(_ c: Int, _ yy: Int, _ xx: Int) -> Double {
        func index(_ i: Int, _ n: Int) -> Int? {
            if i >= 0 && i < n { return i }
            switch conv.paddingMode {
            case .zero: return nil
            case .replicate: return min(max(i, 0), n - 1)
            case .reflect: return i < 0 ? -i : 2 * (n - 1) - i
            }
        }
        guard let r = index(yy, height), let s = index(xx, width) else { return 0 }
        return Double(x[(c * height + r) * width + s])
    }
    for o in 0..<conv.outChannels {
        let g = o / outPerGroup
        for oy in 0..<out.height {
            for ox in 0..<out.width {
                var sum = Double(b[o])
                for i in 0..<inPerGroup {
                    for ky in 0..<conv.kernelHeight {
                        for kx in 0..<conv.kernelWidth {
                            let weight = w[((o * inPerGroup + i) * conv.kernelHeight + ky) * conv.kernelWidth + kx]
                            sum += Double(weight) * sample(g * inPerGroup + i, oy * conv.stride + ky - conv.padding,
                                                           ox * conv.stride + kx - conv.padding)
                        }
                    }
                }
                y[(o * out.height + oy) * out.width + ox] = Float(sum)
            }
        }
    }
    return y
}

@Suite struct Conv2DTests {
    static let geometries: [(Conv2D, Int, Int)] = [
        (try! Conv2D(inChannels: 3, outChannels: 5, kernel: 3, padding: 1, paddingMode: .zero), 9, 11),
        (try! Conv2D(inChannels: 3, outChannels: 3, kernel: 3, padding: 1, paddingMode: .replicate), 10, 13),
        (try! Conv2D(inChannels: 2, outChannels: 4, kernel: 3, padding: 2, paddingMode: .reflect), 7, 9),
        (try! Conv2D(inChannels: 4, outChannels: 6, kernel: 5, stride: 2, padding: 2), 11, 10),
        (try! Conv2D(inChannels: 4, outChannels: 6, kernel: 3, padding: 1, groups: 2), 6, 17),
        (try! Conv2D(inChannels: 5, outChannels: 5, kernel: 3, padding: 1, groups: 5, paddingMode: .replicate), 8, 8),
        (try! Conv2D(inChannels: 7, outChannels: 9, kernel: 1), 5, 19),
        (try! Conv2D(inChannels: 2, outChannels: 3, kernelHeight: 2, kernelWidth: 4, stride: 3, padding: 1), 9, 14),
        // Winograd F(2x2, 3x3) forward and input gradient; odd sizes leave partial edge tiles.
        (try! Conv2D(inChannels: 16, outChannels: 16, kernel: 3, padding: 1, paddingMode: .replicate), 3, 5),
        (try! Conv2D(inChannels: 16, outChannels: 17, kernel: 3, padding: 1, paddingMode: .zero), 5, 4),
    ]

    func forward(_ conv: Conv2D, _ x: [Float], _ h: Int, _ w: Int, _ weight: [Float], _ bias: [Float]) -> [Float] {
        let out = conv.outputSize(height: h, width: w)
        var y = [Float](repeating: 0, count: conv.outChannels * out.height * out.width)
        x.withUnsafeBufferPointer { xp in
            weight.withUnsafeBufferPointer { wp in
                bias.withUnsafeBufferPointer { bp in
                    y.withUnsafeMutableBufferPointer { yp in
                        conv.forward(input: xp.baseAddress!, height: h, width: w, weight: wp.baseAddress!,
                                     bias: bp.baseAddress!, output: yp.baseAddress!)
                    }
                }
            }
        }
        return y
    }

    @Test(arguments: 0..<geometries.count)
    func forwardMatchesDoubleReference(_ index: Int) {
        let (conv, h, w) = Self.geometries[index]
        var random = TestRandom(seed: UInt64(10 + index))
        let x = random.array(conv.inChannels * h * w), weight = random.array(conv.weightCount)
        let bias = random.array(conv.outChannels)
        #expect(maxRelativeError(forward(conv, x, h, w, weight, bias),
                                 referenceConv(conv, x, height: h, width: w, weight, bias)) < 1e-5)
    }

    @Test(arguments: 0..<geometries.count)
    func backwardMatchesFiniteDifferences(_ index: Int) {
        let (conv, h, w) = Self.geometries[index]
        var random = TestRandom(seed: UInt64(30 + index))
        let x = random.array(conv.inChannels * h * w), weight = random.array(conv.weightCount)
        let bias = random.array(conv.outChannels)
        let out = conv.outputSize(height: h, width: w)
        let g = random.array(conv.outChannels * out.height * out.width)
        var gx = [Float](repeating: 0, count: x.count), gw = [Float](repeating: 0, count: weight.count)
        var gb = [Float](repeating: 0, count: bias.count)
        x.withUnsafeBufferPointer { xp in
            weight.withUnsafeBufferPointer { wp in
                g.withUnsafeBufferPointer { gp in
                    gx.withUnsafeMutableBufferPointer { gxp in
                        gw.withUnsafeMutableBufferPointer { gwp in
                            gb.withUnsafeMutableBufferPointer { gbp in
                                conv.backward(input: xp.baseAddress!, height: h, width: w, weight: wp.baseAddress!,
                                              gradOutput: gp.baseAddress!, gradInput: gxp.baseAddress!,
                                              gradWeight: gwp.baseAddress!, gradBias: gbp.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        let nx = numericGradient(x, step: 0.25) { weightedSum(referenceConv(conv, $0, height: h, width: w, weight, bias), g) }
        let nw = numericGradient(weight, step: 0.25) { weightedSum(referenceConv(conv, x, height: h, width: w, $0, bias), g) }
        let nb = numericGradient(bias, step: 0.25) { weightedSum(referenceConv(conv, x, height: h, width: w, weight, $0), g) }
        #expect(maxRelativeError(gx, nx) < 1e-4)
        #expect(maxRelativeError(gw, nw) < 1e-4)
        #expect(maxRelativeError(gb, nb) < 1e-4)
    }

    /// The zero-padded input gradient is computed only on the unpadded window: check it on a map wide
    /// enough for the 64-column tiles (70 = 64 + 6) against a double-precision transposed correlation,
    /// and that `accumulateInput` adds exactly that gradient to what was there.
    @Test func zeroPaddedInputGradientWindowMatchesReference() throws {
        let conv = try Conv2D(inChannels: 5, outChannels: 7, kernel: 3, padding: 1)
        let (h, w) = (4, 70)
        var random = TestRandom(seed: 77)
        let x = random.array(5 * h * w), weight = random.array(conv.weightCount), g = random.array(7 * h * w)
        var reference = [Float](repeating: 0, count: x.count)
        for i in 0..<5 {
            for y in 0..<h {
                for xx in 0..<w {
                    var sum = 0.0
                    for o in 0..<7 {
                        for ky in 0..<3 {
                            for kx in 0..<3 {
                                let oy = y + 1 - ky, ox = xx + 1 - kx
                                guard oy >= 0, oy < h, ox >= 0, ox < w else { continue }
                                sum += Double(weight[((o * 5 + i) * 3 + ky) * 3 + kx]) * Double(g[(o * h + oy) * w + ox])
                            }
                        }
                    }
                    reference[(i * h + y) * w + xx] = Float(sum)
                }
            }
        }
        let prior = random.array(x.count)
        var gx = [Float](repeating: 0, count: x.count), accumulated = prior
        var gw = [Float](repeating: 0, count: weight.count)
        conv.backward(input: x, height: h, width: w, weight: weight, gradOutput: g, gradInput: &gx, gradWeight: &gw,
                      gradBias: nil)
        conv.backward(input: x, height: h, width: w, weight: weight, gradOutput: g, gradInput: &accumulated,
                      accumulateInput: true, gradWeight: &gw, gradBias: nil)
        #expect(maxRelativeError(gx, reference) < 1e-5)
        #expect(accumulated == zip(prior, gx).map { $0 + $1 })
    }

    /// The Winograd weight gradient (and bias gradient) against a double-precision direct sum.
    /// 47 x 257 outputs are 24 x 129 tiles with partial tiles at the right and bottom edges, cut
    /// into 8 bands of 3 tile rows, each run in two steps (2 + 1 tile rows); 6 x 7 is 3 x 4 tiles
    /// (three bands of one tile row) with a partial tile column.
    @Test(arguments: [PaddingMode.zero, .replicate], [(47, 257), (6, 7)])
    func winogradWeightGradientMatchesReference(_ mode: PaddingMode, _ size: (Int, Int)) throws {
        let (c, k) = (16, 17), (h, w) = size
        let conv = try Conv2D(inChannels: c, outChannels: k, kernel: 3, padding: 1, paddingMode: mode)
        var random = TestRandom(seed: 91)
        let x = random.array(c * h * w), weight = random.array(conv.weightCount), g = random.array(k * h * w)
        let prior = random.array(conv.weightCount), priorBias = random.array(k)
        var gw = prior, gb = priorBias
        conv.backward(input: x, height: h, width: w, weight: weight, gradOutput: g, gradInput: nil,
                      gradWeight: &gw, gradBias: &gb)
        func sample(_ i: Int, _ yy: Int, _ xx: Int) -> Double {
            if mode == .zero, yy < 0 || yy >= h || xx < 0 || xx >= w { return 0 }
            return Double(x[(i * h + min(max(yy, 0), h - 1)) * w + min(max(xx, 0), w - 1)])
        }
        var referenceWeight = [Float](repeating: 0, count: conv.weightCount)
        var referenceBias = [Float](repeating: 0, count: k)
        for o in 0..<k {
            var bias = Double(priorBias[o])
            for p in 0..<(h * w) { bias += Double(g[o * h * w + p]) }
            referenceBias[o] = Float(bias)
            for i in 0..<c {
                for ky in 0..<3 {
                    for kx in 0..<3 {
                        let index = ((o * c + i) * 3 + ky) * 3 + kx
                        var sum = Double(prior[index])
                        for y in 0..<h {
                            for xx in 0..<w {
                                sum += Double(g[(o * h + y) * w + xx]) * sample(i, y + ky - 1, xx + kx - 1)
                            }
                        }
                        referenceWeight[index] = Float(sum)
                    }
                }
            }
        }
        // Sums of up to 12,000 products (magnitude about 40) in Float, reassociated by the transforms.
        #expect(maxRelativeError(gw, referenceWeight) < 1e-4)
        #expect(maxRelativeError(gb, referenceBias) < 1e-4)
    }

    @Test func invalidGeometryThrows() {
        #expect(throws: KernelError.self) { try Conv2D(inChannels: 3, outChannels: 4, kernel: 3, groups: 2) }
        #expect(throws: KernelError.self) { try Conv2D(inChannels: 3, outChannels: 3, kernel: 0) }
    }
}
