import NeuralKernels

/// An overfitted-codec-sized model (Cool-chic-like, the shape of issue 4's benchmark) composed
/// from NeuralKernels, with one training step = forward + backward + Adam on every parameter:
/// 7 latent grids (1/1 .. 1/64), an ARM MLP over 20 causal neighbours (2 residual hidden layers
/// of width 20, then 2 outputs) on every latent with the Laplace rate, separable 8-tap x2
/// up-sampling plus 7-tap residual filters, synthesis 1x1 -> 48, ReLU, 1x1 -> 3, two 3x3
/// residual layers (replicate padding), loss MSE + lambda * bits per pixel.
/// The same model is written in PyTorch in benchmarks/peers/compute_torch.py.
final class CodecStepModel {
    static let neighbours: [(dy: Int, dx: Int)] = [
        (0, -1), (-1, 0), (-1, -1), (-1, 1), (0, -2), (-2, 0), (-1, -2), (-1, 2), (-2, -1), (-2, 1),
        (0, -3), (-3, 0), (-2, -2), (-2, 2), (-1, -3), (-1, 3), (-3, -1), (-3, 1), (0, -4), (-4, 0),
    ]
    let height: Int, width: Int
    let grids = 7, width20 = 20, hidden = 48
    let lambda: Float = 1e-3, temperature: Float = 0.3, noise: Float = 0.25
    let sizes: [(h: Int, w: Int)]
    let offsets: [Int]
    let latentCount: Int
    var step = 0

    // Parameters.
    let latents: Parameter
    let arm: PointwiseMLP, armParameters: Parameter
    let synthesisHead: PointwiseMLP, synthesisHeadParameters: Parameter
    let up: Parameter, residual: Parameter
    let synCw: Parameter, synCb: Parameter, synDw: Parameter, synDb: Parameter
    var all: [Parameter] {
        [latents, armParameters, up, residual, synthesisHeadParameters, synCw, synCb, synDw, synDb]
    }

    // Activations and gradients.
    let image: Buffer
    let soft: Buffer, noisy: Buffer, quantized: Buffer, gradQuantized: Buffer, gradNoisy: Buffer
    let context: Buffer, gradContext: Buffer
    let horizontalUp: [Buffer], stacks: [Buffer], residualH: [Buffer], gradStacks: [Buffer], gradHorizontal: Buffer
    let synB: Buffer, synR1: Buffer, synC1: Buffer, synOut: Buffer
    let gradB: Buffer, gradR1: Buffer, gradC1: Buffer, gradOut: Buffer, gradTemp: Buffer
    let conv3: Conv2D

    init(height: Int = 512, width: Int = 768) throws {
        self.height = height
        self.width = width
        sizes = (0..<7).map { (height >> $0, width >> $0) }
        var offsets = [Int](), total = 0
        for s in sizes {
            offsets.append(total)
            total += s.h * s.w
        }
        self.offsets = offsets
        latentCount = total
        conv3 = try Conv2D(inChannels: 3, outChannels: 3, kernel: 3, padding: 1, paddingMode: .replicate)
        let pixels = height * width
        latents = Parameter(total, scale: 0.5, seed: 1)
        arm = try PointwiseMLP(layers: [
            .init(inFeatures: 20, outFeatures: 20, relu: true, residual: true),
            .init(inFeatures: 20, outFeatures: 20, relu: true, residual: true),
            .init(inFeatures: 20, outFeatures: 2),
        ])
        armParameters = Parameter(arm.parameterCount, scale: 0.1, seed: 2)
        synthesisHead = try PointwiseMLP(layers: [.init(inFeatures: 7, outFeatures: 48, relu: true),
                                                 .init(inFeatures: 48, outFeatures: 3)])
        synthesisHeadParameters = Parameter(synthesisHead.parameterCount, scale: 0.2, seed: 10)
        up = Parameter(6 * 8, scale: 0.2, seed: 8); residual = Parameter(6 * 7, scale: 0.05, seed: 9)
        synCw = Parameter(81, scale: 0.1, seed: 14); synCb = Parameter(3, scale: 0.01, seed: 15)
        synDw = Parameter(81, scale: 0.1, seed: 16); synDb = Parameter(3, scale: 0.01, seed: 17)
        image = Buffer(random: 3 * pixels, scale: 0.5, seed: 18)
        for i in 0..<image.count { image.p[i] += 0.5 }
        soft = Buffer(total); noisy = Buffer(total); quantized = Buffer(total)
        gradQuantized = Buffer(total); gradNoisy = Buffer(total)
        context = Buffer(20 * total); gradContext = Buffer(20 * total)
        // Level k (0 = finest) stack has 7 - k planes of sizes[k]; horizontalUp[k] is the coarser
        // stack (6 - k planes) after the horizontal x2 pass.
        let sizes = sizes
        stacks = (0..<7).map { k in Buffer((7 - k) * sizes[k].h * sizes[k].w) }
        gradStacks = (0..<7).map { k in Buffer((7 - k) * sizes[k].h * sizes[k].w) }
        horizontalUp = (0..<6).map { k in Buffer((6 - k) * sizes[k + 1].h * sizes[k].w) }
        residualH = (0..<6).map { k in Buffer(sizes[k].h * sizes[k].w) }
        gradHorizontal = Buffer(6 * sizes[1].h * sizes[0].w)
        synB = Buffer(3 * pixels); synR1 = Buffer(3 * pixels)
        synC1 = Buffer(3 * pixels); synOut = Buffer(3 * pixels)
        gradB = Buffer(3 * pixels); gradR1 = Buffer(3 * pixels)
        gradC1 = Buffer(3 * pixels); gradOut = Buffer(3 * pixels); gradTemp = Buffer(max(3 * pixels, 20 * total))
    }

    /// One training step; returns the loss.
    @discardableResult
    func trainingStep() -> Double {
        step += 1
        for parameter in all { parameter.gradient.zero() }
        let total = latentCount, pixels = height * width
        // Quantization proxy: softround(softround(y) + noise).
        QuantizationProxy.softRound(latents.value.c, count: total, temperature: temperature, output: soft.p)
        QuantizationProxy.addUniformNoise(soft.c, count: total, amplitude: noise, seed: UInt64(step), output: noisy.p)
        QuantizationProxy.softRound(noisy.c, count: total, temperature: temperature, output: quantized.p)

        let rateBits = armForwardBackward()
        upsampleForward()
        let mse = synthesisForwardBackward()
        upsampleBackward()

        // Back through the proxy to the latents.
        QuantizationProxy.softRoundBackward(noisy.c, count: total, temperature: temperature,
                                            gradOutput: gradQuantized.c, gradInput: gradNoisy.p)
        QuantizationProxy.softRoundBackward(latents.value.c, count: total, temperature: temperature,
                                            gradOutput: gradNoisy.c, gradInput: latents.gradient.p)
        let adam = Adam()
        for parameter in all {
            adam.update(parameters: parameter.value.p, gradients: parameter.gradient.c,
                        firstMoment: parameter.firstMoment.p, secondMoment: parameter.secondMoment.p,
                        count: parameter.value.count, learningRate: 1e-2, step: step)
        }
        return mse + Double(lambda) * rateBits / Double(pixels)
    }

    /// ARM forward, rate, ARM backward (fused per chunk of latents); leaves d loss / d quantized
    /// latents in gradQuantized.
    func armForwardBackward() -> Double {
        let n = latentCount, scale = lambda / Float(height * width)
        gatherContext()
        let quantized = quantized.c, gradQuantized = gradQuantized.p
        let bits = arm.train(parameters: armParameters.value.c, input: context.c, count: n,
                             gradParameters: armParameters.gradient.p, gradInput: gradContext.p) { range, out, gradOut in
            var bits = 0.0
            var j = 0
            while j < range.count {
                let lanes = min(8, range.count - j)
                // Cool-chic's log-scale mapping: clamp(raw - 4, -5, 5).
                let raw = VectorLanes.load(out + 256 + j, count: lanes) - 4
                let outside = (raw .<= -5) .| (raw .>= 5)
                var logScale = raw.replacing(with: -5, where: raw .< -5)
                logScale.replace(with: 5, where: raw .> 5)
                let term = LaplaceRate.eight(value: VectorLanes.load(quantized + range.lowerBound + j, count: lanes),
                                             mean: VectorLanes.load(out + j, count: lanes), logScale: logScale)
                for lane in 0..<lanes { bits += Double(term.bits[lane]) }
                VectorLanes.store(scale * term.dValue, to: gradQuantized + range.lowerBound + j, count: lanes)
                VectorLanes.store(-scale * term.dValue, to: gradOut + j, count: lanes)
                VectorLanes.store((scale * term.dLogScale).replacing(with: 0, where: outside), to: gradOut + 256 + j, count: lanes)
                j += lanes
            }
            return bits
        }
        scatterContextGradient()
        return bits
    }

    /// context[j, latent (y, x)] = quantized latent at (y + dy_j, x + dx_j) of the same grid, 0 outside.
    func gatherContext() {
        let n = latentCount
        Parallel.forEach(20 * grids) { item in
            let j = item / self.grids, k = item % self.grids
            let (dy, dx) = Self.neighbours[j]
            let (h, w) = self.sizes[k]
            let source = self.quantized.c + self.offsets[k], target = self.context.p + j * n + self.offsets[k]
            for y in 0..<h {
                let row = target + y * w
                let sy = y + dy
                guard sy >= 0 && sy < h else {
                    row.update(repeating: 0, count: w)
                    continue
                }
                for x in 0..<w {
                    let sx = x + dx
                    row[x] = sx >= 0 && sx < w ? source[sy * w + sx] : 0
                }
            }
        }
    }

    /// gradQuantized[(y, x)] += sum_j gradContext[j, (y - dy_j, x - dx_j)] (the transpose of the gather).
    func scatterContextGradient() {
        let n = latentCount
        for k in 0..<grids {
            let (h, w) = sizes[k]
            let target = gradQuantized.p + offsets[k]
            Parallel.forRanges(count: h, grain: max(1, 8192 / w)) { rows in
                for y in rows {
                    for j in 0..<20 {
                        let (dy, dx) = Self.neighbours[j]
                        let sy = y - dy
                        guard sy >= 0 && sy < h else { continue }
                        let source = self.gradContext.c + j * n + self.offsets[k] + sy * w
                        for x in max(0, dx)..<min(w, w + dx) { target[y * w + x] += source[x - dx] }
                    }
                }
            }
        }
    }

    func upsampleForward() {
        let top = sizes[6]
        stacks[6].p.update(from: quantized.c + offsets[6], count: top.h * top.w)
        for k in stride(from: 5, through: 0, by: -1) {
            let (h, w) = sizes[k], (hc, wc) = sizes[k + 1], planes = 6 - k
            SeparableFilter.forward(input: stacks[k + 1].c, planes: planes, height: hc, width: wc, axis: .horizontal,
                                    taps: up.value.c + 8 * k, tapCount: 8, factor: 2, output: horizontalUp[k].p)
            SeparableFilter.forward(input: horizontalUp[k].c, planes: planes, height: hc, width: w, axis: .vertical,
                                    taps: up.value.c + 8 * k, tapCount: 8, factor: 2, output: stacks[k].p)
            // The new grid through its residual 7-tap filter, as the last plane.
            let last = stacks[k].p + planes * h * w, grid = quantized.c + offsets[k]
            SeparableFilter.forward(input: grid, planes: 1, height: h, width: w, axis: .horizontal,
                                    taps: residual.value.c + 7 * k, tapCount: 7, factor: 1, output: residualH[k].p)
            last.update(from: grid, count: h * w)
            SeparableFilter.forward(input: residualH[k].c, planes: 1, height: h, width: w, axis: .vertical,
                                    taps: residual.value.c + 7 * k, tapCount: 7, factor: 1, output: last, accumulate: true)
        }
    }

    func upsampleBackward() {
        for k in 0...5 {
            let (h, w) = sizes[k], (hc, wc) = sizes[k + 1], planes = 6 - k
            let lastGrad = gradStacks[k].c + planes * h * w, gradGrid = gradQuantized.p + offsets[k]
            Elementwise.add(lastGrad, into: gradGrid, count: h * w)
            let gradH = gradTemp.p
            SeparableFilter.backward(input: residualH[k].c, planes: 1, height: h, width: w, axis: .vertical,
                                     taps: residual.value.c + 7 * k, tapCount: 7, factor: 1, gradOutput: lastGrad,
                                     gradInput: gradH, gradTaps: residual.gradient.p + 7 * k)
            SeparableFilter.backward(input: quantized.c + offsets[k], planes: 1, height: h, width: w, axis: .horizontal,
                                     taps: residual.value.c + 7 * k, tapCount: 7, factor: 1, gradOutput: gradH,
                                     gradInput: gradGrid, accumulateInput: true, gradTaps: residual.gradient.p + 7 * k)
            SeparableFilter.backward(input: horizontalUp[k].c, planes: planes, height: hc, width: w, axis: .vertical,
                                     taps: up.value.c + 8 * k, tapCount: 8, factor: 2, gradOutput: gradStacks[k].c,
                                     gradInput: gradHorizontal.p, gradTaps: up.gradient.p + 8 * k)
            SeparableFilter.backward(input: stacks[k + 1].c, planes: planes, height: hc, width: wc, axis: .horizontal,
                                     taps: up.value.c + 8 * k, tapCount: 8, factor: 2, gradOutput: gradHorizontal.c,
                                     gradInput: gradStacks[k + 1].p, gradTaps: up.gradient.p + 8 * k)
        }
        let top = sizes[6]
        Elementwise.add(gradStacks[6].c, into: gradQuantized.p + offsets[6], count: top.h * top.w)
    }

    /// Synthesis forward and backward; leaves d loss / d stack 0 in gradStacks[0]. Returns the MSE.
    func synthesisForwardBackward() -> Double {
        let n = height * width
        synthesisHead.forward(parameters: synthesisHeadParameters.value.c, input: stacks[0].c, count: n, output: synB.p)
        conv3.forward(input: synB.c, height: height, width: width, weight: synCw.value.c, bias: synCb.value.c,
                      output: synR1.p, relu: true)
        Elementwise.add(synB.c, synR1.c, output: synC1.p, count: 3 * n)
        synOut.copy(from: synC1)
        conv3.forward(input: synC1.c, height: height, width: width, weight: synDw.value.c, bias: synDb.value.c,
                      output: synOut.p, accumulate: true)
        let mse = MeanSquaredError.loss(prediction: synOut.c, target: image.c, count: 3 * n, gradient: gradOut.p)

        gradC1.copy(from: gradOut)
        conv3.backward(input: synC1.c, height: height, width: width, weight: synDw.value.c, gradOutput: gradOut.c,
                       gradInput: gradC1.p, accumulateInput: true, gradWeight: synDw.gradient.p, gradBias: synDb.gradient.p)
        Activation.reluBackward(synR1.c, gradOutput: gradC1.c, gradInput: gradR1.p, count: 3 * n)
        gradB.copy(from: gradC1)
        conv3.backward(input: synB.c, height: height, width: width, weight: synCw.value.c, gradOutput: gradR1.c,
                       gradInput: gradB.p, accumulateInput: true, gradWeight: synCw.gradient.p, gradBias: synCb.gradient.p)
        synthesisHead.backward(parameters: synthesisHeadParameters.value.c, input: stacks[0].c, count: n,
                               gradOutput: gradB.c, gradInput: gradStacks[0].p,
                               gradParameters: synthesisHeadParameters.gradient.p)
        return mse
    }
}
