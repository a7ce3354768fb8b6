import NeuralKernels

/// The float ARM used while training: for every latent, the MLP over its causal context gives the
/// Laplace mean and log-scale, and the latent's rate (NeuralKernels' `LaplaceRate`: -log2 of the
/// bin's Laplace mass, floored at 2^-16). The MLP runs on NeuralKernels' `PointwiseMLP`, forward,
/// rate and backward fused per chunk of latents.
///
/// MLP (see ``ARMLayout``): `h1 = relu(x + W1 x + b1)`, `h2 = relu(h1 + W2 h1 + b2)`,
/// `(mean, rawLogScale) = Wout h2 + bOut + Wlinear x`, `logScale = clamp(rawLogScale)`; the linear
/// branch runs outside the `PointwiseMLP`, its output added before the rate and its gradient
/// formed from the saved output gradients.
struct ARMTraining {
    let geometry: LatentGeometry
    let layout: ARMLayout
    let offsets: [(dy: Int, dx: Int)]
    let mlp: PointwiseMLP
    /// `levelStarts[l]` is the index of grid `l`'s first latent; the last entry is the total.
    private let levelStarts: [Int]

    /// Work items of the context gathers (fixed, so nothing depends on the thread count).
    static let chunks = 32
    /// Positions per `PointwiseMLP` chunk: the stride of its per-chunk output planes.
    static let mlpChunk = 256

    init(shape: ModelShape) {
        geometry = shape.geometry
        layout = shape.arm
        offsets = CausalNeighbourhood.offsets(count: shape.arm.context)
        levelStarts = (0...geometry.levels).map { shape.geometry.offset(level: $0) }
        mlp = shape.armMLP
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
        let contexts = gatherContexts(latents, parallel: parallel)
        let mlpParameters = parameters.gathered(layout.mlpOrder)
        var gradMLP = [Float](repeating: 0, count: mlpParameters.count)
        var gradContexts = [Float](repeating: 0, count: c * total)
        var gradSelf = [Float](repeating: 0, count: total)
        let range = ARMOutput.logScaleRange
        let stride = Self.mlpChunk
        let linear = linearBranch(contexts: contexts, parameters: parameters)
        var gradOutputsAll = [Float](repeating: 0, count: 2 * total)
        let bits = gradSelf.withUnsafeMutableBufferPointer { gs in
            latents.withUnsafeBufferPointer { q in
                gradContexts.withUnsafeMutableBufferPointer { gc in
                    gradMLP.withUnsafeMutableBufferPointer { gp in
                        contexts.withUnsafeBufferPointer { x in
                            mlpParameters.withUnsafeBufferPointer { p in
                                linear.withUnsafeBufferPointer { lin in
                                    gradOutputsAll.withUnsafeMutableBufferPointer { goBuffer in
                                        let gradSelf = gs.baseAddress!, values = q.baseAddress!
                                        let lin = lin.baseAddress!, gradAll = goBuffer.baseAddress!
                                        return mlp.train(parameters: p.baseAddress!, input: x.baseAddress!, count: total,
                                                         gradParameters: gp.baseAddress!, gradInput: gc.baseAddress!) { positions, outputs, gradOutputs in
                                            var bits = 0.0
                                            var j = 0
                                            while j < positions.count {
                                                let lanes = min(8, positions.count - j)
                                                let i = positions.lowerBound + j
                                                let mean = VectorLanes.load(outputs + j, count: lanes) + VectorLanes.load(lin + i, count: lanes)
                                                let raw = VectorLanes.load(outputs + stride + j, count: lanes) + VectorLanes.load(lin + total + i, count: lanes)
                                                let value = VectorLanes.load(values + i, count: lanes)
                                                let below = raw .< range.lowerBound, above = raw .> range.upperBound
                                                var logScale = raw.replacing(with: range.lowerBound, where: below)
                                                logScale.replace(with: range.upperBound, where: above)
                                                let r = LaplaceRate.eight(value: value, mean: mean, logScale: logScale)
                                                let gMean = -scale * r.dValue
                                                let gLogScale = (scale * r.dLogScale).replacing(with: 0, where: below .| above)
                                                for lane in 0..<lanes { bits += Double(r.bits[lane]) }
                                                VectorLanes.store(scale * r.dValue, to: gradSelf + i, count: lanes)
                                                VectorLanes.store(gMean, to: gradOutputs + j, count: lanes)
                                                VectorLanes.store(gLogScale, to: gradOutputs + stride + j, count: lanes)
                                                VectorLanes.store(gMean, to: gradAll + i, count: lanes)
                                                VectorLanes.store(gLogScale, to: gradAll + total + i, count: lanes)
                                                j += lanes
                                            }
                                            return bits
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var gradParameters = [Float](repeating: 0, count: parameters.count)
        linearBranchBackward(contexts: contexts, parameters: parameters, gradOutputs: gradOutputsAll,
                             gradContexts: &gradContexts, gradParameters: &gradParameters, parallel: parallel)
        gradParameters.scatterAdd(gradMLP, layout.mlpOrder)
        let gradLatents = gatherContextGradients(gradSelf: gradSelf, gradContexts: gradContexts, parallel: parallel)
        return Result(bits: bits, gradLatents: gradLatents, gradParameters: gradParameters)
    }

    /// Calls `body(level, y, x0, x1, index)` for every run of latents of one grid row in `range`, in
    /// order: latents `x0 ..< x1` of row `y` of grid `level`, the first at `index`.
    @inline(__always)
    private func forEachRowRun(in range: Range<Int>, _ body: (Int, Int, Int, Int, Int) -> Void) {
        var index = range.lowerBound
        var level = 0
        while index < range.upperBound {
            while index >= levelStarts[level + 1] { level += 1 }
            let width = geometry.gridSizes[level].width
            let local = index - levelStarts[level]
            let y = local / width, x0 = local - y * width
            let x1 = min(width, x0 + range.upperBound - index)
            body(level, y, x0, x1, index)
            index += x1 - x0
        }
    }

    /// Context planes: neighbour `k` of latent `i` at `k * total + i` (zero outside the grid),
    /// written a row run at a time: each run of a plane is a shifted copy of a grid row between zeros.
    private func gatherContexts(_ latents: [Float], parallel: ParallelChunks) -> [Float] {
        let c = layout.context
        let total = geometry.totalLatents
        return [Float](unsafeUninitializedCapacity: c * total) { out, initialized in
            latents.withUnsafeBufferPointer { q in
                let shared = UnsafeSendableBox((out.baseAddress!, q.baseAddress!))
                parallel.run(chunks: Self.chunks) { chunk in
                    let (out, q) = shared.value
                    forEachRowRun(in: ParallelChunks.range(of: chunk, chunks: Self.chunks, count: total)) { level, y, x0, x1, index in
                        let base = levelStarts[level]
                        let width = geometry.gridSizes[level].width, height = geometry.gridSizes[level].height
                        for k in 0..<c {
                            let target = out + k * total + index - x0  // x = 0 of this row in plane k
                            let yy = y + offsets[k].dy, dx = offsets[k].dx
                            let low = yy >= 0 && yy < height ? min(x1, max(x0, -dx)) : x1
                            let high = max(low, min(x1, width - dx))
                            (target + x0).update(repeating: 0, count: low - x0)
                            if high > low { (target + low).update(from: q + base + yy * width + low + dx, count: high - low) }
                            (target + high).update(repeating: 0, count: x1 - high)
                        }
                    }
                }
            }
            initialized = c * total
        }
    }

    /// `grad[i] = gradSelf[i] + sum over the latents j that read i as their k-th neighbour of
    /// gradContexts[k, j]`, the terms added in increasing `k` (a gather, so it parallelises without
    /// races), a row run at a time.
    private func gatherContextGradients(gradSelf: [Float], gradContexts: [Float], parallel: ParallelChunks) -> [Float] {
        let c = layout.context
        let total = geometry.totalLatents
        var grad = gradSelf
        grad.withUnsafeMutableBufferPointer { gBuffer in
            gradContexts.withUnsafeBufferPointer { gcBuffer in
                let shared = UnsafeSendableBox((gBuffer.baseAddress!, gcBuffer.baseAddress!))
                parallel.run(chunks: Self.chunks) { chunk in
                    let (g, gc) = shared.value
                    forEachRowRun(in: ParallelChunks.range(of: chunk, chunks: Self.chunks, count: total)) { level, y, x0, x1, index in
                        let base = levelStarts[level]
                        let width = geometry.gridSizes[level].width, height = geometry.gridSizes[level].height
                        let row = g + index - x0  // x = 0 of this row
                        // Latent (y - dy, x - dx) reads (y, x) as neighbour k.
                        for k in 0..<c {
                            let yy = y - offsets[k].dy, dx = offsets[k].dx
                            guard yy < height else { continue }
                            let low = max(x0, dx), high = min(x1, width + dx)
                            if high > low {
                                VectorOps.add(gc + k * total + base + yy * width + low - dx, into: row + low, count: high - low)
                            }
                        }
                    }
                }
            }
        }
        return grad
    }

    /// `Wlinear x` for every latent: two planes (mean, log-scale) of `total`.
    private func linearBranch(contexts: [Float], parameters: [Float]) -> [Float] {
        let c = layout.context
        let total = geometry.totalLatents
        var out = [Float](repeating: 0, count: 2 * total)
        out.withUnsafeMutableBufferPointer { o in
            contexts.withUnsafeBufferPointer { x in
                for j in 0..<2 {
                    for k in 0..<c {
                        VectorOps.axpy(parameters[layout.wLinear.lowerBound + j * c + k], x.baseAddress! + k * total,
                                       o.baseAddress! + j * total, count: total)
                    }
                }
            }
        }
        return out
    }

    /// Gradients of the linear branch: `dWlinear[j, k] = sum_i g[j, i] x[k, i]` and
    /// `dx[k, i] += sum_j Wlinear[j, k] g[j, i]`.
    private func linearBranchBackward(contexts: [Float], parameters: [Float], gradOutputs: [Float],
                                      gradContexts: inout [Float], gradParameters: inout [Float], parallel: ParallelChunks) {
        let c = layout.context
        let total = geometry.totalLatents
        var dots = [Float](repeating: 0, count: 2 * c)
        dots.withUnsafeMutableBufferPointer { d in
            gradContexts.withUnsafeMutableBufferPointer { gc in
                contexts.withUnsafeBufferPointer { x in
                    gradOutputs.withUnsafeBufferPointer { g in
                        let shared = UnsafeSendableBox((d.baseAddress!, gc.baseAddress!, x.baseAddress!, g.baseAddress!))
                        parallel.run(chunks: c) { k in
                            let (dots, gc, x, g) = shared.value
                            for j in 0..<2 {
                                dots[j * c + k] = Synthesis.dot(g + j * total, x + k * total, count: total)
                                VectorOps.axpy(parameters[layout.wLinear.lowerBound + j * c + k], g + j * total,
                                               gc + k * total, count: total)
                            }
                        }
                    }
                }
            }
        }
        for i in 0..<(2 * c) { gradParameters[layout.wLinear.lowerBound + i] += dots[i] }
    }
}

