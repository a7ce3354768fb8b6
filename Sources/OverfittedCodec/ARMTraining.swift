import NeuralKernels

/// The float ARM used while training: for every latent, the MLP over its causal context gives the
/// Laplace mean and log-scale, and the latent's rate (NeuralKernels' `LaplaceRate`: -log2 of the bin's Laplace mass, floored at 2^-16). Forward and backward run
/// fused per tile of latents: the rate's gradient is known as soon as the rate is.
///
/// MLP (see ``ARMLayout``): `h1 = x + relu(W1 x + b1)`, `h2 = h1 + relu(W2 h1 + b2)`,
/// `(mean, rawLogScale) = Wout h2 + Wlinear x + bOut`, `logScale = clamp(rawLogScale)`.
struct ARMTraining {
    let geometry: LatentGeometry
    let layout: ARMLayout
    let offsets: [(dy: Int, dx: Int)]
    /// For every latent: its grid level (index into `geometry`).
    private let levelStarts: [Int]

    static let chunks = 32

    init(geometry: LatentGeometry, context: Int) {
        self.geometry = geometry
        self.layout = ARMLayout(context: context)
        self.offsets = CausalNeighbourhood.offsets(count: context)
        self.levelStarts = (0...geometry.levels).map { geometry.offset(level: min($0, geometry.levels)) }
    }

    struct Result {
        /// Total rate in bits.
        var bits: Double
        /// Gradient of `scale * bits` w.r.t. every latent (as coded value and as context).
        var gradLatents: [Float]
        /// Gradient of `scale * bits` w.r.t. the ARM parameters.
        var gradParameters: [Float]
    }

    /// Rate of `latents` (all grids) and its gradients multiplied by `scale`.
    func run(latents: [Float], parameters: [Float], scale: Float, parallel: ParallelChunks) -> Result {
        let c = layout.context
        let total = geometry.totalLatents
        let tile = TileDense.tileSize
        let tiles = (total + tile - 1) / tile
        var gradSelf = [Float](repeating: 0, count: total)
        var gradContext = [Float](repeating: 0, count: total * c)
        var chunkGrads = [[Float]](repeating: [], count: Self.chunks)
        var chunkBits = [Double](repeating: 0, count: Self.chunks)
        gradSelf.withUnsafeMutableBufferPointer { gsBuffer in
            gradContext.withUnsafeMutableBufferPointer { gcBuffer in
                chunkGrads.withUnsafeMutableBufferPointer { cgBuffer in
                    chunkBits.withUnsafeMutableBufferPointer { cbBuffer in
                        let shared = UnsafeSendableBox((gsBuffer, gcBuffer, cgBuffer, cbBuffer))
                        latents.withUnsafeBufferPointer { q in
                            parameters.withUnsafeBufferPointer { p in
                                parallel.run(chunks: Self.chunks) { chunk in
                                    var work = TileWork(context: c, parameterCount: parameters.count)
                                    var bits = 0.0
                                    for t in ParallelChunks.range(of: chunk, chunks: Self.chunks, count: tiles) {
                                        let start = t * tile
                                        let count = min(tile, total - start)
                                        bits += processTile(start: start, count: count, latents: q, parameters: p.baseAddress!,
                                                            scale: scale, work: &work,
                                                            gradSelf: shared.value.0, gradContext: shared.value.1)
                                    }
                                    shared.value.2[chunk] = work.gradParameters
                                    shared.value.3[chunk] = bits
                                }
                            }
                        }
                    }
                }
            }
        }
        var gradParameters = [Float](repeating: 0, count: parameters.count)
        for grads in chunkGrads {
            for i in 0..<grads.count { gradParameters[i] += grads[i] }
        }
        let gradLatents = scatterContextGradients(gradSelf: gradSelf, gradContext: gradContext, parallel: parallel)
        return Result(bits: chunkBits.reduce(0, +), gradLatents: gradLatents, gradParameters: gradParameters)
    }

    /// Scratch buffers of one chunk.
    struct TileWork {
        var x, z1, h1, z2, h2, out, linear: [Float]
        var gradOut, gradH2, gradZ2, gradH1, gradZ1, gradX, tmp: [Float]
        var gradParameters: [Float]

        init(context c: Int, parameterCount: Int) {
            let n = TileDense.tileSize
            x = [Float](repeating: 0, count: c * n)
            (z1, h1, z2, h2) = (x, x, x, x)
            out = [Float](repeating: 0, count: 2 * n)
            linear = out
            gradOut = out
            (gradH2, gradZ2, gradH1, gradZ1, gradX, tmp) = (x, x, x, x, x, x)
            gradParameters = [Float](repeating: 0, count: parameterCount)
        }
    }

    /// Writes the causal context of latent `index` into column `column` of a tile.
    @inline(__always)
    func gatherContext(index: Int, latents: UnsafeBufferPointer<Float>, into tile: inout [Float], column: Int) {
        var level = 0
        while index >= levelStarts[level + 1] { level += 1 }
        let base = levelStarts[level]
        let width = geometry.gridSizes[level].width
        let height = geometry.gridSizes[level].height
        let local = index - base
        let y = local / width, x = local - (local / width) * width
        for (k, offset) in offsets.enumerated() {
            let yy = y + offset.dy, xx = x + offset.dx
            let inside = yy >= 0 && xx >= 0 && xx < width && yy < height
            tile[k * TileDense.tileSize + column] = inside ? latents[base + yy * width + xx] : 0
        }
    }

    private func processTile(start: Int, count: Int, latents: UnsafeBufferPointer<Float>, parameters p: UnsafePointer<Float>,
                             scale: Float, work w: inout TileWork,
                             gradSelf: UnsafeMutableBufferPointer<Float>, gradContext: UnsafeMutableBufferPointer<Float>) -> Double {
        let c = layout.context
        let n = TileDense.tileSize
        let l = layout
        for column in 0..<n {
            if column < count {
                gatherContext(index: start + column, latents: latents, into: &w.x, column: column)
            } else {
                for k in 0..<c { w.x[k * n + column] = 0 }
            }
        }
        // Forward.
        TileDense.forward(weights: p + l.w1.lowerBound, bias: p + l.b1.lowerBound, input: w.x, output: &w.z1, inputs: c, outputs: c)
        for i in 0..<(c * n) { w.h1[i] = w.x[i] + max(w.z1[i], 0) }
        TileDense.forward(weights: p + l.w2.lowerBound, bias: p + l.b2.lowerBound, input: w.h1, output: &w.z2, inputs: c, outputs: c)
        for i in 0..<(c * n) { w.h2[i] = w.h1[i] + max(w.z2[i], 0) }
        TileDense.forward(weights: p + l.wOut.lowerBound, bias: p + l.bOut.lowerBound, input: w.h2, output: &w.out, inputs: c, outputs: 2)
        TileDense.forward(weights: p + l.wLinear.lowerBound, bias: nil, input: w.x, output: &w.linear, inputs: c, outputs: 2)
        // Rate and its gradient w.r.t. the outputs.
        var bits = 0.0
        let range = ARMOutput.logScaleRange
        for column in 0..<n {
            guard column < count else {
                w.gradOut[column] = 0
                w.gradOut[n + column] = 0
                continue
            }
            let mean = w.out[column] + w.linear[column]
            let raw = w.out[n + column] + w.linear[n + column]
            let logScale = min(max(raw, range.lowerBound), range.upperBound)
            let value = latents[start + column]
            let r = LaplaceRate.single(value: value, mean: mean, logScale: logScale)
            bits += Double(r.bits)
            gradSelf[start + column] = scale * r.dValue
            w.gradOut[column] = -scale * r.dValue
            w.gradOut[n + column] = range.contains(raw) ? scale * r.dLogScale : 0
        }
        // Backward.
        w.gradParameters.withUnsafeMutableBufferPointer { gp in
            let g = gp.baseAddress!
            TileDense.backwardWeights(gradOutput: w.gradOut, input: w.h2, gradWeights: g + l.wOut.lowerBound,
                                      gradBias: g + l.bOut.lowerBound, inputs: c, outputs: 2)
            TileDense.backwardWeights(gradOutput: w.gradOut, input: w.x, gradWeights: g + l.wLinear.lowerBound,
                                      gradBias: nil, inputs: c, outputs: 2)
            TileDense.backwardInput(weights: p + l.wOut.lowerBound, gradOutput: w.gradOut, gradInput: &w.gradH2,
                                    inputs: c, outputs: 2, accumulate: false)
            TileDense.backwardInput(weights: p + l.wLinear.lowerBound, gradOutput: w.gradOut, gradInput: &w.gradX,
                                    inputs: c, outputs: 2, accumulate: false)
            for i in 0..<(c * n) { w.gradZ2[i] = w.z2[i] > 0 ? w.gradH2[i] : 0 }
            TileDense.backwardWeights(gradOutput: w.gradZ2, input: w.h1, gradWeights: g + l.w2.lowerBound,
                                      gradBias: g + l.b2.lowerBound, inputs: c, outputs: c)
            w.gradH1 = w.gradH2
            TileDense.backwardInput(weights: p + l.w2.lowerBound, gradOutput: w.gradZ2, gradInput: &w.gradH1,
                                    inputs: c, outputs: c, accumulate: true)
            for i in 0..<(c * n) { w.gradZ1[i] = w.z1[i] > 0 ? w.gradH1[i] : 0 }
            TileDense.backwardWeights(gradOutput: w.gradZ1, input: w.x, gradWeights: g + l.w1.lowerBound,
                                      gradBias: g + l.b1.lowerBound, inputs: c, outputs: c)
            for i in 0..<(c * n) { w.gradX[i] += w.gradH1[i] }
            TileDense.backwardInput(weights: p + l.w1.lowerBound, gradOutput: w.gradZ1, gradInput: &w.gradX,
                                    inputs: c, outputs: c, accumulate: true)
        }
        for column in 0..<count {
            for k in 0..<c { gradContext[(start + column) * c + k] = w.gradX[k * n + column] }
        }
        return bits
    }

    /// `grad[i] = gradSelf[i] + sum over the latents j that read i as their k-th neighbour of
    /// gradContext[j, k]` (a gather, so it parallelises without races).
    private func scatterContextGradients(gradSelf: [Float], gradContext: [Float], parallel: ParallelChunks) -> [Float] {
        let c = layout.context
        var grad = gradSelf
        grad.withUnsafeMutableBufferPointer { gBuffer in
            let g = UnsafeSendableBox(gBuffer)
            parallel.run(chunks: geometry.levels) { level in
                let base = levelStarts[level]
                let width = geometry.gridSizes[level].width
                let height = geometry.gridSizes[level].height
                for y in 0..<height {
                    for x in 0..<width {
                        var sum = g.value[base + y * width + x]
                        for (k, offset) in offsets.enumerated() {
                            // Latent (y - dy, x - dx) reads (y, x) as neighbour k.
                            let yy = y - offset.dy, xx = x - offset.dx
                            if yy < height, xx >= 0, xx < width {
                                sum += gradContext[(base + yy * width + xx) * c + k]
                            }
                        }
                        g.value[base + y * width + x] = sum
                    }
                }
            }
        }
        return grad
    }
}
