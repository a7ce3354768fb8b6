import Foundation
import Testing
import NeuralKernels

/// Direct scatter definition of the transposed convolution, in Double.
func referenceConvTranspose(_ layer: ConvTranspose2D, _ x: [Float], height: Int, width: Int, _ w: [Float],
                            _ b: [Float]) -> [Float] {
    let out = layer.outputSize(height: height, width: width)
    let inPerGroup = layer.inChannels / layer.groups, outPerGroup = layer.outChannels / layer.groups
    var y = [Double](repeating: 0, count: layer.outChannels * out.height * out.width)
    for i in 0..<layer.inChannels {
        let g = i / inPerGroup
        for sy in 0..<height {
            for sx in 0..<width {
                for o in 0..<outPerGroup {
                    for ky in 0..<layer.kernelHeight {
                        for kx in 0..<layer.kernelWidth {
                            let oy = sy * layer.stride + ky - layer.padding, ox = sx * layer.stride + kx - layer.padding
                            guard oy >= 0, oy < out.height, ox >= 0, ox < out.width else { continue }
                            let weight = w[((i * outPerGroup + o) * layer.kernelHeight + ky) * layer.kernelWidth + kx]
                            y[((g * outPerGroup + o) * out.height + oy) * out.width + ox] +=
                                Double(weight) * Double(x[(i * height + sy) * width + sx])
                        }
                    }
                }
            }
        }
    }
    let plane = out.height * out.width
    return y.enumerated().map { Float($0.element + Double(b[$0.offset / plane])) }
}

@Suite struct ConvTranspose2DTests {
    static let geometries: [(ConvTranspose2D, Int, Int)] = [
        (try! ConvTranspose2D(inChannels: 3, outChannels: 4, kernel: 4, stride: 2, padding: 1), 5, 6),
        (try! ConvTranspose2D(inChannels: 2, outChannels: 3, kernel: 3, stride: 2, padding: 1, outputPadding: 1), 4, 7),
        (try! ConvTranspose2D(inChannels: 4, outChannels: 2, kernel: 3, stride: 1, padding: 1, groups: 2), 6, 5),
        (try! ConvTranspose2D(inChannels: 1, outChannels: 1, kernelHeight: 1, kernelWidth: 8, stride: 2, padding: 3), 3, 6),
        (try! ConvTranspose2D(inChannels: 2, outChannels: 2, kernel: 5, stride: 3, padding: 0, groups: 2), 3, 4),
    ]

    @Test(arguments: 0..<geometries.count)
    func forwardAndBackwardMatchReference(_ index: Int) {
        let (layer, h, w) = Self.geometries[index]
        var random = TestRandom(seed: UInt64(130 + index))
        let x = random.array(layer.inChannels * h * w), weight = random.array(layer.weightCount)
        let bias = random.array(layer.outChannels)
        let out = layer.outputSize(height: h, width: w)
        var y = [Float](repeating: 0, count: layer.outChannels * out.height * out.width)
        layer.forward(input: x, height: h, width: w, weight: weight, bias: bias, output: &y)
        #expect(maxRelativeError(y, referenceConvTranspose(layer, x, height: h, width: w, weight, bias)) < 1e-5)

        let g = random.array(y.count)
        var gx = [Float](repeating: 0, count: x.count), gw = [Float](repeating: 0, count: weight.count)
        var gb = [Float](repeating: 0, count: bias.count)
        layer.backward(input: x, height: h, width: w, weight: weight, gradOutput: g, gradInput: &gx, gradWeight: &gw,
                       gradBias: &gb)
        let loss = { (x: [Float], kernel: [Float], b: [Float]) in
            weightedSum(referenceConvTranspose(layer, x, height: h, width: w, kernel, b), g)
        }
        #expect(maxRelativeError(gx, numericGradient(x, step: 0.25) { loss($0, weight, bias) }) < 1e-4)
        #expect(maxRelativeError(gw, numericGradient(weight, step: 0.25) { loss(x, $0, bias) }) < 1e-4)
        #expect(maxRelativeError(gb, numericGradient(bias, step: 0.25) { loss(x, weight, $0) }) < 1e-4)
    }

    @Test func outputPaddingMustBeBelowStride() {
        #expect(throws: KernelError.self) { try ConvTranspose2D(inChannels: 1, outChannels: 1, kernel: 3, stride: 2, outputPadding: 2) }
    }
}

@Suite struct PixelShuffleTests {
    @Test func shuffleMovesChannelsToSubpixelsAndBack() {
        // 4 channels of 1x2 -> 1 channel of 2x4.
        let input: [Float] = [0, 1, 10, 11, 20, 21, 30, 31]
        var output = [Float](repeating: -1, count: 8)
        PixelShuffle.shuffle(input, channels: 1, height: 1, width: 2, factor: 2, output: &output)
        #expect(output == [0, 10, 1, 11, 20, 30, 21, 31])
        var back = [Float](repeating: -1, count: 8)
        PixelShuffle.unshuffle(output, channels: 1, height: 1, width: 2, factor: 2, output: &back)
        #expect(back == input)
        var random = TestRandom(seed: 140)
        let big = random.array(2 * 9 * 4 * 5)
        var spread = big, packed = big
        PixelShuffle.shuffle(big, channels: 2, height: 4, width: 5, factor: 3, output: &spread)
        PixelShuffle.unshuffle(spread, channels: 2, height: 4, width: 5, factor: 3, output: &packed)
        #expect(packed == big)
    }
}

@Suite struct GDNTests {
    func forward(_ gdn: GDN, _ x: [Float], count: Int, _ beta: [Float], _ gamma: [Float]) -> [Float] {
        var y = x
        gdn.forward(input: x, count: count, beta: beta, gamma: gamma, output: &y)
        return y
    }

    @Test func knownValues() {
        // One channel, beta 1, gamma 3: s = 1 + 3 x^2.
        let x: [Float] = [0, 1, -2]
        let gdn = forward(GDN(channels: 1), x, count: 3, [1], [3])
        let igdn = forward(GDN(channels: 1, inverse: true), x, count: 3, [1], [3])
        #expect(gdn == [0, 0.5, -2 / Float(13).squareRoot()])
        #expect(abs(igdn[1] - 2) < 1e-6 && abs(igdn[2] + 2 * Float(13).squareRoot()) < 1e-5)
    }

    @Test(arguments: [false, true])
    func backwardMatchesFiniteDifferences(_ inverse: Bool) {
        let channels = 3, count = 11
        let gdn = GDN(channels: channels, inverse: inverse)
        var random = TestRandom(seed: inverse ? 150 : 151)
        let x = random.array(channels * count)
        let beta = random.array(channels).map { 0.5 + abs($0) }, gamma = random.array(channels * channels).map { abs($0) * 0.5 }
        let g = random.array(channels * count)
        var gx = [Float](repeating: 0, count: x.count), gb = [Float](repeating: 0, count: channels)
        var gg = [Float](repeating: 0, count: gamma.count)
        gdn.backward(input: x, count: count, beta: beta, gamma: gamma, gradOutput: g, gradInput: &gx, gradBeta: &gb,
                     gradGamma: &gg)
        let h: Float = 1.0 / 1024
        #expect(maxRelativeError(gx, numericGradient(x, step: h) { weightedSum(forward(gdn, $0, count: count, beta, gamma), g) }) < 2e-3)
        #expect(maxRelativeError(gb, numericGradient(beta, step: h) { weightedSum(forward(gdn, x, count: count, $0, gamma), g) }) < 2e-3)
        #expect(maxRelativeError(gg, numericGradient(gamma, step: h) { weightedSum(forward(gdn, x, count: count, beta, $0), g) }) < 2e-3)
    }
}

@Suite struct ActivationTests {
    @Test func geluKnownValuesAndGradient() {
        let x: [Float] = [-3, -1, -0.2, 0, 0.5, 1, 2.5]
        var y = x
        Activation.gelu(x, output: &y, count: x.count)
        #expect(abs(y[5] - 0.8413447) < 1e-6)
        #expect(abs(y[1] + 0.1586553) < 1e-6)
        #expect(y[3] == 0)
        var gx = x
        let ones = [Float](repeating: 1, count: x.count)
        Activation.geluBackward(x, gradOutput: ones, gradInput: &gx, count: x.count)
        for i in 0..<x.count {
            let v = Double(x[i]), h = 1e-4
            func gelu(_ t: Double) -> Double { t * 0.5 * (1 + erf(t / 2.0.squareRoot())) }
            #expect(abs(Double(gx[i]) - (gelu(v + h) - gelu(v - h)) / (2 * h)) < 1e-5)
        }
    }

    @Test func leakyReLUAndReLUGradients() {
        let x: [Float] = (0..<19).map { Float($0) - 9.5 }
        let g: [Float] = (0..<19).map { Float($0) * 0.1 + 1 }
        var y = x, gx = x
        Activation.leakyReLU(x, slope: 0.1, output: &y, count: x.count)
        #expect(y == x.map { $0 > 0 ? $0 : 0.1 * $0 })
        Activation.leakyReLUBackward(x, slope: 0.1, gradOutput: g, gradInput: &gx, count: x.count)
        #expect(gx == zip(x, g).map { $0 > 0 ? $1 : 0.1 * $1 })
        Activation.reluBackward(x, gradOutput: g, gradInput: &gx, count: x.count, accumulate: true)
        #expect(gx == zip(x, g).map { $0 > 0 ? 2 * $1 : 0.1 * $1 })
    }
}
