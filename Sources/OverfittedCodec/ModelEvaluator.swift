import CNeuralKernels
import NeuralKernels

/// Loss of a model on its image, `MSE + lambda * bits / pixels`, and its gradients.
///
/// MSE is the mean over every sample of every channel (values in [0, 1]); bits are the latents'
/// training-time rate (``ARMTraining``). Network parameters are not part of the loss while training.
struct ModelEvaluator {
    let shape: ModelShape
    /// The image to fit, `outputChannels` planes of `width * height`, in [0, 1].
    let target: [Float]
    let lambda: Float
    let parallel: ParallelChunks
    let armTraining: ARMTraining
    let preFilter: PreConcatenationFilter?
    let upsampler: Upsampler
    let synthesis: Synthesis

    init(shape: ModelShape, target: [Float], lambda: Float, parallel: ParallelChunks) {
        self.shape = shape
        self.target = target
        self.lambda = lambda
        self.parallel = parallel
        armTraining = ARMTraining(shape: shape)
        preFilter = shape.architecture.preFilter ? PreConcatenationFilter(geometry: shape.geometry) : nil
        upsampler = Upsampler(geometry: shape.geometry)
        synthesis = Synthesis(shape: shape)
    }

    var pixelCount: Int { shape.geometry.width * shape.geometry.height }

    struct Evaluation {
        var mse: Double
        var bits: Double
        var loss: Double
        var bitsPerPixel: Double
    }

    struct Gradients {
        var latents: [Float]
        var networks: NetworkParameters
    }

    /// What ``reconstruct(latents:networks:)``'s backward pass needs besides the output.
    struct ReconstructionTrace {
        var features: [Float]
        var synthesis: Synthesis.Trace
        var upsampling: Upsampler.Trace
        /// Nil when the model has no pre-concatenation filter.
        var preFilter: PreConcatenationFilter.Trace?
    }

    /// The synthesis output of `latents` through the networks (the reconstruction before its clamp
    /// to [0, 1]; not quantised to 8 bits) with what the backward pass needs.
    func reconstruct(latents: [Float], networks: NetworkParameters) -> (output: [Float], trace: ReconstructionTrace) {
        var filterTrace: PreConcatenationFilter.Trace? = PreConcatenationFilter.Trace()
        let filtered = preFilter?.forward(latents: latents, values: networks.upsampling[shape.upsampler.preFilter],
                                          parallel: parallel, trace: &filterTrace)
        var trace = Upsampler.Trace()
        let features = upsampler.forward(latents: filtered ?? latents, kernels: networks.upsampling, parallel: parallel, trace: &trace)
        let synthesisTrace = synthesis.forward(features: features, parameters: networks.synthesis, parallel: parallel)
        return (synthesisTrace.output, ReconstructionTrace(features: features, synthesis: synthesisTrace, upsampling: trace,
                                                           preFilter: filtered == nil ? nil : filterTrace))
    }

    /// Grid `level`'s up-sampled full-resolution plane of ``reconstruct(latents:networks:)``'s
    /// synthesis input, computed alone.
    func upsampledPlane(level: Int, latents: [Float], networks: NetworkParameters) -> [Float] {
        let offset = shape.geometry.offset(level: level)
        let grid = preFilter?.filteredGrid(level, latents: latents, values: networks.upsampling[shape.upsampler.preFilter])
            ?? Array(latents[offset..<(offset + shape.geometry.count(level: level))])
        return upsampler.plane(of: level, grid: grid, kernels: networks.upsampling)
    }

    /// Chunks of the error sums: fixed, so the sum does not depend on the thread count.
    private static let errorChunks = 16

    /// The mean squared error of the image (`output` clamped to [0, 1]) and, when `gradientScale`
    /// is given, its gradient w.r.t. `output`: `gradientScale * (image - target)` where the clamp
    /// passes (`0 < output < 1`), 0 elsewhere; in one parallel pass. Each chunk sums eight samples
    /// at a time, each lane's squares in Double (exact) in index order; the lanes, then the chunk
    /// sums are added in order, so the sum does not depend on the thread count. On AVX2
    /// `nk_squared_errors_avx2` does the same operations (8 wide where Swift's baseline code is 4 wide).
    private func squaredErrors(_ output: [Float], gradientScale: Float?) -> (mse: Double, gradient: [Float]) {
        let count = min(output.count, target.count)
        let chunks = Self.errorChunks
        var partial = [Double](repeating: 0, count: chunks)
        // Every value is written below (the chunks cover `0 ..< count`).
        let gradientCount = gradientScale == nil ? 0 : count
        var gradient = [Float](unsafeUninitializedCapacity: gradientCount) { _, initialized in initialized = gradientCount }
        output.withUnsafeBufferPointer { y in
            target.withUnsafeBufferPointer { t in
                gradient.withUnsafeMutableBufferPointer { g in
                    partial.withUnsafeMutableBufferPointer { sums in
                        let pointers = UnsafeSendableBox((y, t, g, sums))
                        let vectorized = Acceleration.level >= .avx2
                        parallel.run(chunks: chunks, over: count) { chunk, range in
                            let (y, t, g, sums) = pointers.value
                            guard let output = y.baseAddress, let target = t.baseAddress else { return }
                            let lanes = Self.squaredErrorLanes(output: output, target: target, range: range,
                                                               gradientScale: gradientScale ?? 0,
                                                               gradient: gradientScale == nil ? nil : g.baseAddress,
                                                               vectorized: vectorized)
                            var sum = 0.0
                            for lane in 0..<8 { sum += lanes[lane] }
                            sums[chunk] = sum
                        }
                    }
                }
            }
        }
        return (partial.reduce(0, +) / Double(max(1, count)), gradient)
    }

    /// One chunk of ``squaredErrors(_:gradientScale:)``: the squares over `range` summed per lane
    /// (lane `k` takes the positions `range.lowerBound + k`, `+ 8 + k`, ...), and the gradient over
    /// `range` unless `gradient` is nil; by `nk_squared_errors_avx2` when `vectorized`.
    private static func squaredErrorLanes(output: UnsafePointer<Float>, target: UnsafePointer<Float>, range: Range<Int>,
                                          gradientScale scale: Float, gradient: UnsafeMutablePointer<Float>?,
                                          vectorized: Bool) -> SIMD8<Double> {
        var lanes = SIMD8<Double>.zero
        if vectorized {
            withUnsafeMutableBytes(of: &lanes) { bytes in
                nk_squared_errors_avx2(output + range.lowerBound, target + range.lowerBound, range.count, scale,
                                       gradient.map { $0 + range.lowerBound },
                                       bytes.baseAddress!.assumingMemoryBound(to: Double.self))
            }
            return lanes
        }
        var i = range.lowerBound
        while i < range.upperBound {
            let n = min(8, range.upperBound - i)
            let value = VectorLanes.load(output + i, count: n)
            let difference = VectorLanes.clampedToUnit(value) - VectorLanes.load(target + i, count: n)
            let wide = SIMD8<Double>(difference)
            lanes = lanes + wide * wide
            if let gradient {
                let passes = (value .> .zero) .& (value .< .one)
                VectorLanes.store(SIMD8<Float>.zero.replacing(with: scale * difference, where: passes),
                                  to: gradient + i, count: n)
            }
            i += 8
        }
        return lanes
    }

    func summary(mse: Double, bits: Double) -> Evaluation {
        let bpp = bits / Double(pixelCount)
        return Evaluation(mse: mse, bits: bits, loss: mse + Double(lambda) * bpp, bitsPerPixel: bpp)
    }

    /// Loss only (the ARM rate and the reconstruction).
    func evaluate(latents: [Float], networks: NetworkParameters) -> Evaluation {
        summary(mse: reconstructionError(latents: latents, networks: networks),
                bits: rateBits(latents: latents, networks: networks))
    }

    /// The latents' training-time rate in bits under the ARM (and inter-grid) parameters of `networks`.
    func rateBits(latents: [Float], networks: NetworkParameters) -> Double {
        armTraining.bits(latents: latents, parameters: networks.arm, interGridParameters: networks.interGrid, parallel: parallel)
    }

    /// The mean squared error of the reconstruction (the ARM plays no part in it).
    func reconstructionError(latents: [Float], networks: NetworkParameters) -> Double {
        squaredErrors(reconstruct(latents: latents, networks: networks).output, gradientScale: nil).mse
    }

    /// Loss and gradients w.r.t. the (already quantised-proxy) latents and every network parameter;
    /// the ARM MLP's from the chunks of latents `armWeightGradients` takes (``ARMTraining/run``), the
    /// synthesis's from the rows and chunks of pixels `synthesisWeightGradients` takes
    /// (``Synthesis/backward``), the pre-concatenation filter's from the row bands it takes.
    func evaluateWithGradients(latents: [Float], networks: NetworkParameters, armWeightGradients: ChunkSampling = .all,
                               synthesisWeightGradients: ChunkSampling = .all) -> (Evaluation, Gradients) {
        let pixels = Float(pixelCount)
        var rate = armTraining.run(latents: latents, parameters: networks.arm, interGridParameters: networks.interGrid,
                                   scale: lambda / pixels, parallel: parallel, weightGradients: armWeightGradients)
        let (output, trace) = reconstruct(latents: latents, networks: networks)
        let (mse, gradOutput) = squaredErrors(output, gradientScale: 2 / Float(max(1, output.count)))
        var gradSynthesis = [Float](repeating: 0, count: networks.synthesis.count)
        let gradFeatures = synthesis.backward(gradOutput: gradOutput, features: trace.features, parameters: networks.synthesis,
                                              trace: trace.synthesis, parallel: parallel, gradParameters: &gradSynthesis,
                                              weightGradients: synthesisWeightGradients)
        // The rate's gradients, moved out of `rate` so that adding to them does not copy them.
        var gradLatents = rate.gradLatents
        rate.gradLatents = []
        var gradUpsampling = [Float](repeating: 0, count: networks.upsampling.count)
        if let preFilter, let filterTrace = trace.preFilter {
            // The up-sampler's gradient is w.r.t. the filtered grids, from zero.
            var gradGrids = [Float](repeating: 0, count: latents.count)
            upsampler.backward(gradFeatures: gradFeatures, kernels: networks.upsampling, trace: trace.upsampling,
                               parallel: parallel, gradLatents: &gradGrids, gradKernels: &gradUpsampling)
            preFilter.backward(gradOutput: gradGrids, latents: latents, values: networks.upsampling[shape.upsampler.preFilter],
                               trace: filterTrace, parallel: parallel, weightGradients: synthesisWeightGradients,
                               gradLatents: &gradLatents, gradValues: &gradUpsampling[shape.upsampler.preFilter])
        } else {
            upsampler.backward(gradFeatures: gradFeatures, kernels: networks.upsampling, trace: trace.upsampling,
                               parallel: parallel, gradLatents: &gradLatents, gradKernels: &gradUpsampling)
        }
        let gradients = Gradients(latents: gradLatents,
                                  networks: NetworkParameters(arm: rate.gradParameters, upsampling: gradUpsampling,
                                                              synthesis: gradSynthesis, interGrid: rate.gradInterGrid))
        return (summary(mse: mse, bits: rate.bits), gradients)
    }
}
