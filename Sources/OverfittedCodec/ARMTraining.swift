import CNeuralKernels
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
///
/// It runs on the coded grids alone (``EntropyGrids/codedGrids``): its methods take and return
/// latents and inter-grid parameters of the whole model, the uncoded grids' gradients zero.
struct ARMTraining {
    let layout: ARMLayout
    let offsets: [(dy: Int, dx: Int)]
    let mlp: PointwiseMLP
    /// `levelStarts[l]` is the index of coded grid `l`'s first latent; the last entry is the total.
    private let levelStarts: [Int]
    /// The inter-grid context of the coded grids.
    let interGrid: InterGridContext
    /// The model's inter-grid context (its parameters are what the methods take and return).
    let modelInterGrid: InterGridContext
    /// Index of the first coded latent in the model's latent buffer (0 without uncoded grids).
    let firstCodedLatent: Int
    /// Causal neighbours; the last `context - spatial` inputs are the inter-grid features.
    let spatial: Int
    /// Sizes of the coded grids (``EntropyGrids/codedGrids``).
    let grids: [(width: Int, height: Int)]
    /// Latents over the coded grids.
    let total: Int

    /// Work items of the context gathers (fixed, so nothing depends on the thread count).
    static let chunks = 32
    /// Positions per `PointwiseMLP` chunk: the stride of its per-chunk output planes.
    static let mlpChunk = PointwiseMLP.chunk

    init(shape: ModelShape) {
        layout = shape.arm
        spatial = shape.architecture.spatialContext
        offsets = CausalNeighbourhood.offsets(count: spatial)
        modelInterGrid = shape.interGrid
        interGrid = shape.interGrid.coded
        let coded = shape.entropyGrids.codedGrids
        firstCodedLatent = shape.entropyGrids.firstCodedLatent
        levelStarts = coded.starts
        grids = coded.sizes
        total = coded.totalLatents
        mlp = shape.armMLP
    }

    struct Result {
        /// Total rate in bits.
        var bits: Double
        /// Gradient of `scale * bits` w.r.t. every latent (as coded value and as context).
        var gradLatents: [Float]
        /// Gradient of `scale * bits` w.r.t. the ARM parameters (the MLP's estimated from the chunks
        /// that `run`'s `weightGradients` takes).
        var gradParameters: [Float]
        /// Gradient of `scale * bits` w.r.t. the inter-grid feature parameters.
        var gradInterGrid: [Float]
    }

    /// Rate of `latents` (all grids) and its gradients multiplied by `scale`: the latents' at every
    /// position, the MLP's weights' and biases' summed over the chunks of ``mlpChunk`` latents that
    /// `weightGradients` takes (the linear branch's over all).
    ///
    /// The linear branch runs inside the MLP's per-chunk callback, while the chunk's inputs are in
    /// cache: its output `Wlinear x` is added to the MLP's, its input gradient written to the
    /// context-gradient planes (the MLP's backward then adds its own) and its weight gradient summed
    /// per chunk, the chunks' sums added in position order. The context gradients go back to the
    /// latents they were read from through ``ContextGradientSpills``, so nothing depends on the
    /// thread count.
    func run(latents: [Float], parameters: [Float], interGridParameters: [Float], scale: Float, parallel: ParallelChunks,
             weightGradients: ChunkSampling = .all) -> Result {
        guard firstCodedLatent > 0 else {
            return runCoded(latents: latents, parameters: parameters, interGridParameters: interGridParameters, scale: scale,
                            parallel: parallel, weightGradients: weightGradients)
        }
        var result = runCoded(latents: codedLatents(latents), parameters: parameters,
                              interGridParameters: modelInterGrid.codedParameters(interGridParameters), scale: scale,
                              parallel: parallel, weightGradients: weightGradients)
        result.gradLatents = [Float](repeating: 0, count: firstCodedLatent) + result.gradLatents
        result.gradInterGrid = modelInterGrid.fromCoded(result.gradInterGrid)
        return result
    }

    /// The coded grids' latents of the model's `latents`.
    private func codedLatents(_ latents: [Float]) -> [Float] { Array(latents[min(firstCodedLatent, latents.count)...]) }

    /// ``run(latents:parameters:interGridParameters:scale:parallel:weightGradients:)`` on the coded
    /// grids' latents and inter-grid parameters.
    private func runCoded(latents: [Float], parameters: [Float], interGridParameters: [Float], scale: Float,
                          parallel: ParallelChunks, weightGradients: ChunkSampling) -> Result {
        let c = layout.context
        let features = codedFeatures(of: latents, parameters: interGridParameters, parallel: parallel)
        let featureValues = features?.values ?? []
        // The gradients of the feature inputs: `c - spatial` planes of `total` (written for the
        // latents of the feature grids).
        let gradFeatureCount = features == nil ? 0 : (c - spatial) * total
        var gradFeatures = [Float](unsafeUninitializedCapacity: gradFeatureCount) { _, count in count = gradFeatureCount }
        // At AVX2 and above the fused kernel gathers each chunk's contexts itself (``fusedTrain``).
        let fused = Acceleration.level >= .avx2 && c <= Int(NK_ARM_TRAIN_MAX_CONTEXT)
        let contexts = fused ? [] : gatherContexts(latents, features: features?.values, parallel: parallel)
        let mlpParameters = parameters.gathered(layout.mlpOrder)
        var gradMLP = [Float](repeating: 0, count: mlpParameters.count)
        // The portable path's context gradients, planar over all latents (the fused kernel keeps each
        // chunk's in its scratch); every value written by `rateChunk` and the MLP's backward.
        let planarCount = fused ? 0 : c * total
        var gradContexts = [Float](unsafeUninitializedCapacity: planarCount) { _, count in count = planarCount }
        // Every value of these two is written: gradSelf by the rate step (it covers all latents), each
        // item's spill zeroed by its item before the scatters.
        var gradSelf = [Float](unsafeUninitializedCapacity: total) { _, count in count = total }
        let spills = ContextGradientSpills(total: total, halo: contextReach)
        var spillValues = [Float](unsafeUninitializedCapacity: spills.storage) { _, count in count = spills.storage }
        let stride = Self.mlpChunk
        let chunkCount = (total + stride - 1) / stride
        var linearPartials = [Float](repeating: 0, count: chunkCount * 2 * c)
        let linearWeights = Array(parameters[layout.wLinear])
        let bits = gradSelf.withUnsafeMutableBufferPointer { gs in
            latents.withUnsafeBufferPointer { q in
                gradContexts.withUnsafeMutableBufferPointer { gc in
                    gradMLP.withUnsafeMutableBufferPointer { gp in
                        contexts.withUnsafeBufferPointer { x in
                            mlpParameters.withUnsafeBufferPointer { p in
                                linearPartials.withUnsafeMutableBufferPointer { partials in
                                    linearWeights.withUnsafeBufferPointer { w in
                                        spillValues.withUnsafeMutableBufferPointer { spill in
                                            let gradSelf = gs.baseAddress!, values = q.baseAddress!, partials = partials.baseAddress!
                                            if fused {
                                                return featureValues.withUnsafeBufferPointer { fp in
                                                    gradFeatures.withUnsafeMutableBufferPointer { gf in
                                                        fusedTrain(latents: values, mlpParameters: p.baseAddress!, linearWeights: w.baseAddress!,
                                                                  scale: scale, gradSelf: gradSelf, spills: spills, spill: spill.baseAddress!,
                                                                  gradMLP: gp.baseAddress!, linearPartials: partials,
                                                                  weightGradients: weightGradients,
                                                                  features: features == nil ? nil : fp.baseAddress,
                                                                  gradFeatures: features == nil ? nil : gf.baseAddress)
                                                    }
                                                }
                                            }
                                            let branch = LinearBranch(inputs: x.baseAddress!, gradInputs: gc.baseAddress!, weights: w.baseAddress!,
                                                                      context: c, total: total)
                                            let bits = mlp.train(parameters: p.baseAddress!, input: x.baseAddress!, count: total,
                                                                 gradParameters: gp.baseAddress!, gradInput: gc.baseAddress!,
                                                                 accumulateInput: true, weightGradients: weightGradients) { positions, outputs, gradOutputs in
                                                rateChunk(positions: positions, outputs: outputs, gradOutputs: gradOutputs, values: values,
                                                          gradSelf: gradSelf, scale: scale, branch: branch,
                                                          weightGradient: partials + positions.lowerBound / stride * 2 * c)
                                            }
                                            scatterPlanarContextGradients(gc.baseAddress!, spills: spills, spill: spill.baseAddress!)
                                            gradFeatures.withUnsafeMutableBufferPointer { gf in
                                                if features != nil, let target = gf.baseAddress {
                                                    target.update(from: gc.baseAddress! + spatial * total, count: gradFeatureCount)
                                                }
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
        for chunk in 0..<chunkCount {
            for k in 0..<(2 * c) { gradParameters[layout.wLinear.lowerBound + k] += linearPartials[chunk * 2 * c + k] }
        }
        gradParameters.scatterAdd(gradMLP, layout.mlpOrder)
        var gradLatents = consume gradSelf  // its buffer, not a copy
        spills.combine(into: &gradLatents, spill: spillValues, parallel: parallel)
        var gradInterGrid = [Float](repeating: 0, count: interGridParameters.count)
        if let features, scale != 0 {  // (scale 0: the rate alone, every gradient zero)
            gradInterGrid = latents.withUnsafeBufferPointer { q in
                interGridParameters.withUnsafeBufferPointer { p in
                    gradFeatures.withUnsafeBufferPointer { gf in
                        gradLatents.withUnsafeMutableBufferPointer { gl in
                            interGrid.backward(latents: q.baseAddress!, parameters: p.baseAddress!, features: features,
                                               gradFeatures: gf.baseAddress!, gradLatents: gl.baseAddress!, parallel: parallel)
                        }
                    }
                }
            }
        }
        return Result(bits: bits, gradLatents: gradLatents, gradParameters: gradParameters, gradInterGrid: gradInterGrid)
    }

    /// The latents' rate in bits alone: ``run(latents:parameters:interGridParameters:scale:parallel:weightGradients:)``'s
    /// `bits` (the same sums in the same order) without the backward, about a third of the work.
    func bits(latents: [Float], parameters: [Float], interGridParameters: [Float], parallel: ParallelChunks) -> Double {
        let c = layout.context
        guard Acceleration.level >= .avx2, c <= Int(NK_ARM_TRAIN_MAX_CONTEXT), latents.count == firstCodedLatent + total else {
            return run(latents: latents, parameters: parameters, interGridParameters: interGridParameters, scale: 0,
                       parallel: parallel, weightGradients: .none).bits
        }
        let latents = firstCodedLatent > 0 ? codedLatents(latents) : latents
        let features = codedFeatures(of: latents, parameters: modelInterGrid.codedParameters(interGridParameters), parallel: parallel)
        let featureValues = features?.values ?? [], mlpParameters = parameters.gathered(layout.mlpOrder)
        let linearWeights = Array(parameters[layout.wLinear])
        let stride = Self.mlpChunk, range = ARMOutput.logScaleRange
        let avx512: Int32 = Acceleration.level >= .avx512 ? 1 : 0
        return latents.withUnsafeBufferPointer { q in
            mlpParameters.withUnsafeBufferPointer { p in
                linearWeights.withUnsafeBufferPointer { w in
                    featureValues.withUnsafeBufferPointer { fp in
                        let latents = q.baseAddress!, mlp = p.baseAddress!, linear = w.baseAddress!
                        let features = features == nil ? nil : fp.baseAddress
                        // `run`'s work items and order of sums, so the same bits.
                        return Parallel.sumOverRanges(count: total, grain: PointwiseMLP.itemSize) { item in
                            // Scratch, contexts, then the values' gradients and the linear branch's sums (unused).
                            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: (5 * c + 3) * stride + 16 * c)
                            defer { scratch.deallocate() }
                            let contexts = scratch + (4 * c + 2) * stride, gradValues = contexts + c * stride
                            let linearSums = gradValues + stride
                            var bits = 0.0, start = item.lowerBound
                            while start < item.upperBound {
                                let n = min(stride, item.upperBound - start)
                                writeContexts(of: start..<start + n, latents: latents, into: contexts, plane: stride, origin: start,
                                              features: features)
                                bits += nk_arm_train_chunk(avx512, Int32(c), n, contexts, stride, latents + start, mlp, linear, 0,
                                                           range.lowerBound, range.upperBound, scratch, gradValues, nil, stride,
                                                           nil, linearSums)
                                start += n
                            }
                            return bits
                        }
                    }
                }
            }
        }
    }

    /// The bits of the latents in each of `runs` (index ranges of `latents`) under the MLP and
    /// linear branch of `parameters`, with the inter-grid features `features` (``features(of:parameters:parallel:)``
    /// of the same latents): the rate ``run`` and ``bits(latents:parameters:interGridParameters:parallel:)``
    /// sum, per run, for the few latents a local change reaches (none for uncoded latents).
    /// Portable Swift on every machine.
    func bits(of runs: [Range<Int>], latents: [Float], parameters: [Float], features: TrainingFeatures?) -> [Double] {
        let c = layout.context, first = firstCodedLatent
        let runs = runs.map { (max($0.lowerBound, first) - first)..<(max($0.upperBound, first) - first) }
        let count = runs.reduce(0) { $0 + $1.count }
        guard count > 0 else { return [Double](repeating: 0, count: runs.count) }
        let mlpParameters = parameters.gathered(layout.mlpOrder)
        let linear = Array(parameters[layout.wLinear])
        var contexts = [Float](repeating: 0, count: c * count)
        var outputs = [Float](repeating: 0, count: 2 * count)
        latents.withUnsafeBufferPointer { q in
            (features?.values ?? []).withUnsafeBufferPointer { f in
                contexts.withUnsafeMutableBufferPointer { out in
                    var position = 0
                    for run in runs {
                        writeContexts(of: run, latents: q.baseAddress! + first, into: out.baseAddress! + position, plane: count,
                                      origin: run.lowerBound, features: features == nil ? nil : f.baseAddress)
                        position += run.count
                    }
                }
            }
        }
        mlpParameters.withUnsafeBufferPointer { p in
            contexts.withUnsafeBufferPointer { x in
                outputs.withUnsafeMutableBufferPointer { o in
                    mlp.forward(parameters: p.baseAddress!, input: x.baseAddress!, count: count, output: o.baseAddress!)
                }
            }
        }
        let range = ARMOutput.logScaleRange
        var result: [Double] = [], position = 0
        result.reserveCapacity(runs.count)
        for run in runs {
            var bits = 0.0
            for i in run {
                var mean = outputs[position], logScale = outputs[count + position]
                for k in 0..<c {
                    let x = contexts[k * count + position]
                    mean += linear[k] * x
                    logScale += linear[c + k] * x
                }
                logScale = min(max(logScale, range.lowerBound), range.upperBound)
                bits += Double(LaplaceRate.single(value: latents[first + i], mean: mean, logScale: logScale).bits)
                position += 1
            }
            result.append(bits)
        }
        return result
    }

    /// The inter-grid features of the coded grids of `latents` (the model's latents and inter-grid
    /// parameters; ``InterGridContext/trainingFeatures(latents:parameters:parallel:)``); nil for a
    /// model without coded feature grids (its feature inputs read zero).
    func features(of latents: [Float], parameters: [Float], parallel: ParallelChunks) -> TrainingFeatures? {
        guard latents.count == firstCodedLatent + total else { return nil }
        return latents.withUnsafeBufferPointer { q in
            codedFeatures(of: q.baseAddress! + firstCodedLatent, parameters: modelInterGrid.codedParameters(parameters),
                          parallel: parallel)
        }
    }

    /// The inter-grid features of the coded grids' latents under the coded grids' parameters.
    private func codedFeatures(of latents: [Float], parameters: [Float], parallel: ParallelChunks) -> TrainingFeatures? {
        guard latents.count == total else { return nil }
        return latents.withUnsafeBufferPointer { codedFeatures(of: $0.baseAddress!, parameters: parameters, parallel: parallel) }
    }

    private func codedFeatures(of latents: UnsafePointer<Float>, parameters: [Float], parallel: ParallelChunks) -> TrainingFeatures? {
        guard interGrid.grids.featureLevels > 0, parameters.count == interGrid.parameterCount else { return nil }
        return parameters.withUnsafeBufferPointer { p in
            interGrid.trainingFeatures(latents: latents, parameters: p.baseAddress!, parallel: parallel)
        }
    }

    /// The ARM's linear branch over the context planes (`inputs[k * total + i]`), weights
    /// `Wlinear (2 x c)`.
    private struct LinearBranch {
        let inputs: UnsafePointer<Float>
        let gradInputs: UnsafeMutablePointer<Float>
        let weights: UnsafePointer<Float>
        let context: Int
        let total: Int
    }

    /// Rate and gradients of the latents at `positions` from the MLP's outputs there (planes of
    /// ``mlpChunk``), the linear branch added: writes the output gradients, `scale * dRate/dValue`
    /// to `gradSelf`, the linear branch's input gradient to its planes and its weight gradient
    /// (`2 c` sums) to `weightGradient`; returns the bits.
    @inline(__always)
    private func rateChunk(positions: Range<Int>, outputs: UnsafePointer<Float>, gradOutputs: UnsafeMutablePointer<Float>,
                           values: UnsafePointer<Float>, gradSelf: UnsafeMutablePointer<Float>, scale: Float,
                           branch: LinearBranch, weightGradient: UnsafeMutablePointer<Float>) -> Double {
        let range = ARMOutput.logScaleRange
        let stride = Self.mlpChunk, c = branch.context, total = branch.total, w = branch.weights
        return withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 2 * c) { sums in
            let sums = sums.baseAddress!
            sums.initialize(repeating: .zero, count: 2 * c)
            defer { for k in 0..<(2 * c) { weightGradient[k] = sums[k].sum() } }
            var bits = 0.0
            var j = 0
            while j < positions.count {
                let lanes = min(8, positions.count - j)
                let i = positions.lowerBound + j
                var linearMean = SIMD8<Float>.zero, linearScale = SIMD8<Float>.zero
                for k in 0..<c {
                    let x = VectorLanes.load(branch.inputs + k * total + i, count: lanes)
                    linearMean = linearMean + x * w[k]
                    linearScale = linearScale + x * w[c + k]
                }
                let mean = VectorLanes.load(outputs + j, count: lanes) + linearMean
                let raw = VectorLanes.load(outputs + stride + j, count: lanes) + linearScale
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
                for k in 0..<c {
                    let x = VectorLanes.load(branch.inputs + k * total + i, count: lanes)
                    sums[k] = sums[k] + gMean * x
                    sums[c + k] = sums[c + k] + gLogScale * x
                    VectorLanes.store(gMean * w[k] + gLogScale * w[c + k], to: branch.gradInputs + k * total + i, count: lanes)
                }
                j += lanes
            }
            return bits
        }
    }

    /// ``run``'s MLP, rate and backward at AVX2 and above: per chunk, the chunk's context planes are
    /// gathered into a buffer that stays in cache and `nk_arm_train_chunk` does the chunk's
    /// whole `PointwiseMLP.train` with ``rateChunk`` as its loss (the same operations in the same
    /// order, so the same results), with the MLP's split into work items and partial sums; the
    /// chunk's context gradients, also in cache, are then scattered into its item's spill.
    private func fusedTrain(latents: UnsafePointer<Float>, mlpParameters: UnsafePointer<Float>,
                            linearWeights: UnsafePointer<Float>, scale: Float, gradSelf: UnsafeMutablePointer<Float>,
                            spills: ContextGradientSpills, spill: UnsafeMutablePointer<Float>,
                            gradMLP: UnsafeMutablePointer<Float>, linearPartials: UnsafeMutablePointer<Float>,
                            weightGradients: ChunkSampling, features: UnsafePointer<Float>?,
                            gradFeatures: UnsafeMutablePointer<Float>?) -> Double {
        let c = layout.context, total = total, stride = Self.mlpChunk, spatial = spatial
        let featureEnd = levelStarts[interGrid.grids.featureLevels]
        let gradFeaturesBox = UnsafeSendableBox(gradFeatures)
        let range = ARMOutput.logScaleRange
        let avx512: Int32 = Acceleration.level >= .avx512 ? 1 : 0
        let spillBox = UnsafeSendableBox(spill)
        return PointwiseMLP.trainItems(count: total, parameterCount: mlp.parameterCount, gradParameters: gradMLP,
                                       scale: weightGradients.scale) { item, partial in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: (6 * c + 2) * stride)
            let sums = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: 2 * c)
            defer {
                scratch.deallocate()
                sums.deallocate()
            }
            let contexts = scratch + (4 * c + 2) * stride, gradContexts = contexts + c * stride
            let itemSpill = spills.start(item: item, in: spillBox.value)
            var bits = 0.0
            var start = item.lowerBound
            while start < item.upperBound {
                let n = min(stride, item.upperBound - start), chunk = start / stride
                writeContexts(of: start..<start + n, latents: latents, into: contexts, plane: stride, origin: start, features: features)
                sums.initialize(repeating: .zero, count: 2 * c)
                bits += UnsafeMutableRawPointer(sums).withMemoryRebound(to: Float.self, capacity: 16 * c) { lanes in
                    nk_arm_train_chunk(avx512, Int32(c), n, contexts, stride, latents + start, mlpParameters, linearWeights,
                                       scale, range.lowerBound, range.upperBound, scratch, gradSelf + start,
                                       gradContexts, stride,
                                       weightGradients.includes(chunk: chunk) ? partial : nil, lanes)
                }
                scatterContextGradients(of: start..<start + n, planes: gradContexts, plane: stride, origin: start,
                                        into: itemSpill.values, targetOrigin: itemSpill.origin)
                if let gf = gradFeaturesBox.value, start < featureEnd {
                    let count = min(n, featureEnd - start)
                    for k in spatial..<c { (gf + (k - spatial) * total + start).update(from: gradContexts + k * stride, count: count) }
                }
                let weightGradient = linearPartials + chunk * 2 * c
                for k in 0..<(2 * c) { weightGradient[k] = sums[k].sum() }
                start += n
            }
            return bits
        }
    }

    /// Calls `body(level, y, x0, x1, index)` for every run of latents of one grid row in `range`, in
    /// order: latents `x0 ..< x1` of row `y` of grid `level`, the first at `index`.
    @inline(__always)
    private func forEachRowRun(in range: Range<Int>, _ body: (Int, Int, Int, Int, Int) -> Void) {
        var index = range.lowerBound
        var level = 0
        while index < range.upperBound {
            while index >= levelStarts[level + 1] { level += 1 }
            let width = grids[level].width
            let local = index - levelStarts[level]
            let y = local / width, x0 = local - y * width
            let x1 = min(width, x0 + range.upperBound - index)
            body(level, y, x0, x1, index)
            index += x1 - x0
        }
    }

    /// Context planes: neighbour `k` of latent `i` at `k * total + i` (zero outside the grid), then
    /// the inter-grid features (`features`, laid out as ``TrainingFeatures/values``; nil: zeros).
    private func gatherContexts(_ latents: [Float], features: [Float]?, parallel: ParallelChunks) -> [Float] {
        let c = layout.context
        let total = total
        return [Float](unsafeUninitializedCapacity: c * total) { out, initialized in
            latents.withUnsafeBufferPointer { q in
                (features ?? []).withUnsafeBufferPointer { f in
                    let shared = UnsafeSendableBox((out.baseAddress!, q.baseAddress!, features == nil ? nil : f.baseAddress))
                    parallel.run(chunks: Self.chunks, over: total) { _, range in
                        let (out, q, f) = shared.value
                        writeContexts(of: range, latents: q, into: out, plane: total, origin: 0, features: f)
                    }
                }
            }
            initialized = c * total
        }
    }

    /// The contexts of the latents in `range`: neighbour `k` of latent `i` (zero outside its grid) at
    /// `out[k * plane + i - origin]`, written a row run at a time: each run of a plane is a shifted
    /// copy of a grid row between zeros; the inputs from ``spatial`` on are the inter-grid features
    /// (`features`, laid out as ``TrainingFeatures/values``; zero for the grids without, or all
    /// zero when nil), each read at `(y >> 1, x >> 1)`.
    private func writeContexts(of range: Range<Int>, latents q: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                               plane: Int, origin: Int, features: UnsafePointer<Float>?) {
        forEachRowRun(in: range) { level, y, x0, x1, index in
            let base = levelStarts[level]
            let width = grids[level].width, height = grids[level].height
            for k in spatial..<layout.context {
                let target = out + k * plane + index - origin - x0  // x = 0 of this row in plane k
                guard let features, level < interGrid.grids.featureLevels else {
                    (target + x0).update(repeating: 0, count: x1 - x0)
                    continue
                }
                let parentWidth = grids[level + 1].width, n = parentWidth * grids[level + 1].height
                let source = features + interGrid.parentStarts[level] + (k - spatial) * n + (y >> 1) * parentWidth
                InterGridContext.spreadRow(source, into: target, from: x0, to: x1)
            }
            for k in 0..<spatial {
                let target = out + k * plane + index - origin - x0  // x = 0 of this row in plane k
                let yy = y + offsets[k].dy, dx = offsets[k].dx
                let low = yy >= 0 && yy < height ? min(x1, max(x0, -dx)) : x1
                let high = max(low, min(x1, width - dx))
                (target + x0).update(repeating: 0, count: low - x0)
                if high > low { (target + low).update(from: q + base + yy * width + low + dx, count: high - low) }
                (target + high).update(repeating: 0, count: x1 - high)
            }
        }
    }

    /// The largest distance in index, within one grid, from a latent back to a neighbour it reads:
    /// the spills' halo.
    private var contextReach: Int {
        let width = grids[0].width
        return offsets.map { -$0.dy * width - $0.dx }.max().map { max(0, $0) } ?? 0
    }

    /// Adds the context gradients of the latents in `range` to the latents they were read from: for
    /// neighbour `k` (inside its grid) of latent `i`, `planes[k * plane + i - origin]` to
    /// `target[j - targetOrigin]`, `j` the neighbour's index; a row run at a time, `k` in order
    /// (``writeContexts(of:latents:into:plane:origin:)`` in reverse).
    private func scatterContextGradients(of range: Range<Int>, planes: UnsafePointer<Float>, plane: Int, origin: Int,
                                         into target: UnsafeMutablePointer<Float>, targetOrigin: Int) {
        forEachRowRun(in: range) { level, y, x0, x1, index in
            let base = levelStarts[level]
            let width = grids[level].width, height = grids[level].height
            for k in 0..<spatial {
                let yy = y + offsets[k].dy, dx = offsets[k].dx
                guard yy >= 0, yy < height else { continue }
                let low = min(x1, max(x0, -dx)), high = max(low, min(x1, width - dx))
                guard high > low else { continue }
                VectorOps.axpy(1, planes + k * plane + index - origin - x0 + low,
                               target + base + yy * width + low + dx - targetOrigin, count: high - low)
            }
        }
    }

    /// The portable path's scatter: the planar context gradients of all latents (`gradContexts[k *
    /// total + i]`) into the items' spills, item by item and, inside an item, chunk by chunk as
    /// ``fusedTrain`` does, so the sums are the same.
    private func scatterPlanarContextGradients(_ gradContexts: UnsafePointer<Float>, spills: ContextGradientSpills,
                                               spill: UnsafeMutablePointer<Float>) {
        let total = total, stride = Self.mlpChunk
        let shared = UnsafeSendableBox((gradContexts, spill))
        Parallel.forEach(spills.items) { index in
            let (planes, spill) = shared.value
            let item = spills.range(item: index)
            let itemSpill = spills.start(item: item, in: spill)
            for start in Swift.stride(from: item.lowerBound, to: item.upperBound, by: stride) {
                scatterContextGradients(of: start..<min(item.upperBound, start + stride), planes: planes, plane: total,
                                        origin: 0, into: itemSpill.values, targetOrigin: itemSpill.origin)
            }
        }
    }
}

/// Where the ARM's training pass sums the context gradients: each work item of `PointwiseMLP.trainItems`
/// scatters its latents' gradients as contexts into its own spill, covering its latents and the
/// `halo` latents before them (the farthest a context reaches back), so items run concurrently
/// without races; ``combine(into:spill:parallel:)`` then adds the spills to the latents'
/// own gradients in item order, so nothing depends on the thread count.
struct ContextGradientSpills {
    let total: Int
    let halo: Int
    let itemSize = PointwiseMLP.itemSize
    var items: Int { (total + itemSize - 1) / itemSize }
    /// Floats per spill, and for all of them.
    var stride: Int { halo + itemSize }
    var storage: Int { items * stride }

    /// The latents of work item `index`.
    func range(item index: Int) -> Range<Int> { index * itemSize..<min(total, (index + 1) * itemSize) }

    /// Zeroes the spill of the work item `item` (one of `PointwiseMLP.trainItems`' items, which are
    /// cut the same way) and returns it with the latent index of its first value.
    func start(item: Range<Int>, in spill: UnsafeMutablePointer<Float>) -> (values: UnsafeMutablePointer<Float>, origin: Int) {
        let values = spill + item.lowerBound / itemSize * stride
        values.update(repeating: 0, count: stride)
        return (values, item.lowerBound - halo)
    }

    /// Adds to `grad[i]` (the latents' own gradients) the spills' values for latent `i`, in item order.
    func combine(into grad: inout [Float], spill: [Float], parallel: ParallelChunks) {
        grad.withUnsafeMutableBufferPointer { gBuffer in
            spill.withUnsafeBufferPointer { sBuffer in
                let shared = UnsafeSendableBox((gBuffer.baseAddress!, sBuffer.baseAddress!))
                parallel.run(chunks: ARMTraining.chunks, over: total) { _, range in
                    let (g, s) = shared.value
                    let last = min(items - 1, (range.upperBound - 1 + halo) / itemSize)
                    for item in (range.lowerBound / itemSize)...last {
                        let origin = item * itemSize - halo
                        let low = max(range.lowerBound, origin), high = min(range.upperBound, (item + 1) * itemSize)
                        if high > low { VectorOps.axpy(1, s + item * stride + low - origin, g + low, count: high - low) }
                    }
                }
            }
        }
    }
}
