import Foundation
import ImageCore
import NeuralKernels

/// Fits a model to one image (Cool-chic's recipe: Ladune et al. 2023, Leguay et al. 2023; C3: Kim et
/// al. 2024).
///
/// Schedule of `n` iterations: warm-up (eight random initialisations run the first `n / 40`
/// iterations; the best continues), on the image down-sampled by two up to step
/// ``TrainingSchedule/halfResolutionIterations`` (``halfResolutionTrainer()``), then at full
/// resolution: the main phase with Adam (latents) and SOAP (networks), learning rate `1e-2` (latents: 1.5e-2)
/// for its first 30%, then decaying with a cosine to `1e-5` (1.5e-5), latents quantised by `softround(softround(y, t) + n, t)`
/// with `n` near-Gaussian noise, both annealed (values in ``TrainingSchedule``); then a final
/// twentieth with hard-rounded, frozen latents where only the networks learn (learning rate 3e-3).
/// Throughout, the weight gradients of the ARM MLP and the synthesis are summed over a sample of the
/// latents and pixels (``TrainingSchedule/weightGradientStride``), and the networks are trained on
/// the loss with their own bits added (``NetworkRateEstimate``).
struct Trainer {
    let evaluator: ModelEvaluator
    let configuration: EncoderConfiguration
    let shape: ModelShape

    /// The float state being trained.
    struct State {
        var latentParameters: [Float]
        var networks: NetworkParameters
        var latentOptimizer: AdamState
        var armOptimizer: NetworkOptimizerState
        var interGridOptimizer: NetworkOptimizerState
        var upsamplingOptimizer: NetworkOptimizerState
        var synthesisOptimizer: NetworkOptimizerState
        var lastEvaluation: ModelEvaluator.Evaluation?
        /// Distinguishes the training noise of the warm-up candidates.
        var seedOffset: Int
    }

    var schedule: TrainingSchedule
    /// The networks' bits, added to the loss the networks are trained on.
    let networkRate: NetworkRateEstimate

    init(evaluator: ModelEvaluator, configuration: EncoderConfiguration, shape: ModelShape) {
        self.evaluator = evaluator
        self.configuration = configuration
        self.shape = shape
        networkRate = NetworkRateEstimate(shape: shape)
        schedule = TrainingSchedule(iterations: configuration.preset.iterationCount(for: configuration.complexity,
                                                                                    uncodedGrids: shape.architecture.uncodedGrids))
    }

    var totalIterations: Int { schedule.iterations }
    var finalIterations: Int { schedule.finalIterations }
    var mainIterations: Int { schedule.mainIterations }
    var warmUpIterations: Int { schedule.warmUpIterations }
    var warmUpCandidates: Int { schedule.candidates }

    /// The fitted float model: integer latents (rounded and clamped), the trained values they were
    /// rounded from (times the gain, clamped to the same range) and float networks.
    func fit(progress: ((EncodeProgress) -> Void)?) -> (latents: [Float], trained: [Float], networks: NetworkParameters) {
        var generator = SeededGenerator(seed: configuration.seed)
        let half = halfResolutionTrainer()
        let halfSteps = half == nil ? 0 : schedule.halfResolutionIterations - warmUpIterations
        let reportedTotal = totalIterations + (warmUpCandidates - 1) * warmUpIterations + halfSteps
        var reported = 0
        var state: State
        if let half {
            var halfState = half.warmUp(generator: &generator, progress: progress, reported: &reported, total: reportedTotal)
            for step in warmUpIterations..<schedule.halfResolutionIterations {
                half.mainStep(&halfState, step: step)
                reported += 1
                report(halfState, phase: .halfResolution, iteration: reported, total: reportedTotal, progress: progress)
            }
            state = transferred(halfState, from: half.shape, generator: &generator)
        } else {
            state = warmUp(generator: &generator, progress: progress, reported: &reported, total: reportedTotal)
        }
        for step in warmUpIterations..<mainIterations {
            mainStep(&state, step: step)
            reported += 1
            report(state, phase: .main, iteration: reported, total: reportedTotal, progress: progress)
        }
        let latents = quantizedLatents(state.latentParameters)
        for step in 0..<finalIterations {
            networkStep(&state, latents: latents, step: step)
            reported += 1
            report(state, phase: .straightThrough, iteration: reported, total: reportedTotal, progress: progress)
        }
        return (latents, scaledLatents(state.latentParameters, gain: configuration.latentGain), withoutUncodedInputs(state.networks))
    }

    /// `networks` with zero weights wherever they read an uncoded grid (its synthesis columns, the
    /// inter-grid parameters of its features), which is all zero: the same reconstruction and rate,
    /// fewer bits of parameters.
    func withoutUncodedInputs(_ networks: NetworkParameters) -> NetworkParameters {
        let uncoded = shape.entropyGrids.uncodedGrids
        guard uncoded > 0 else { return networks }
        var networks = networks
        let layout = shape.synthesis
        for range in [layout.a, layout.linear] {
            for row in 0..<(range.count / layout.inputs) {
                for grid in 0..<uncoded { networks.synthesis[range.lowerBound + row * layout.inputs + layout.inputs - 1 - grid] = 0 }
            }
        }
        networks.interGrid = shape.interGrid.fromCoded(shape.interGrid.codedParameters(networks.interGrid))
        return networks
    }

    /// The warm-up: each candidate initialisation runs the first ``warmUpIterations``; the one with
    /// the lowest loss is returned.
    private func warmUp(generator: inout SeededGenerator, progress: ((EncodeProgress) -> Void)?, reported: inout Int,
                        total: Int) -> State {
        func trained(_ candidate: Int) -> State {
            var state = initialState(generator: &generator, seedOffset: candidate)
            for step in 0..<warmUpIterations {
                mainStep(&state, step: step)
                reported += 1
                report(state, phase: .warmUp, iteration: reported, total: total, progress: progress)
            }
            return state
        }
        var best = trained(0)
        for candidate in 1..<max(1, warmUpCandidates) {
            let state = trained(candidate)
            if (state.lastEvaluation?.loss ?? 0) < (best.lastEvaluation?.loss ?? 0) { best = state }
        }
        return best
    }

    /// The trainer of the first steps (``TrainingSchedule/halfResolutionIterations``): the image
    /// down-sampled by two (2x2 means), one grid less, so that its grids are this model's grids 1
    /// and up (and its hyper grids, at the same resolutions, this model's where they exist), and
    /// lambda / 4, so that a latent bit weighs the same against the squared error per
    /// full-resolution pixel; a model without its finest grids leaves out one fewer (their
    /// coarsest is the half model's finest). Nil when the schedule has no such phase or the image
    /// has one grid.
    func halfResolutionTrainer() -> Trainer? {
        let geometry = shape.geometry
        var halfArchitecture = shape.architecture
        halfArchitecture.uncodedGrids = max(0, halfArchitecture.uncodedGrids - 1)
        guard schedule.halfResolutionIterations > warmUpIterations, geometry.levels >= 2,
              let halfShape = ModelShape(architecture: halfArchitecture, width: (geometry.width + 1) / 2,
                                         height: (geometry.height + 1) / 2, maximumLevels: geometry.levels - 1)
        else { return nil }
        let pixels = evaluator.pixelCount
        var target: [Float] = []
        for channel in 0..<shape.architecture.outputChannels {
            let samples = Array(evaluator.target[(channel * pixels)..<((channel + 1) * pixels)])
            guard let plane = Plane(width: geometry.width, height: geometry.height, samples: samples) else { return nil }
            target += plane.downsampled2x().samples
        }
        let halfEvaluator = ModelEvaluator(shape: halfShape, target: target, lambda: evaluator.lambda / 4,
                                           parallel: evaluator.parallel)
        var trainer = Trainer(evaluator: halfEvaluator, configuration: configuration, shape: halfShape)
        trainer.schedule = schedule
        return trainer
    }

    /// The half-resolution model's grid that holds this model's grid `grid` (an entropy grid index),
    /// if any: synthesis grid `g >= 1` is the half model's `g - 1`; a hyper grid is the half model's
    /// hyper grid one resolution level lower (the same size).
    func halfGrid(of grid: Int, in half: EntropyGrids) -> Int? {
        let grids = shape.entropyGrids
        if grid < grids.synthesisGrids { return grid >= 1 ? grid - 1 : nil }
        return (half.synthesisGrids..<half.count).first { half.resolutions[$0] + 1 == grids.resolutions[grid] }
    }

    /// `values` laid out as the half model's latents (grid by grid), as this model's: each grid
    /// from the half model's grid that holds it, zeros for the others (the finest grid, and any
    /// hyper grid the half model lacks).
    func latentsFromHalf(_ values: [Float], half: EntropyGrids) -> [Float] {
        let grids = shape.entropyGrids
        var result = [Float](repeating: 0, count: grids.totalLatents)
        for grid in 0..<grids.count {
            guard let source = halfGrid(of: grid, in: half) else { continue }
            result[grids.starts[grid]..<grids.starts[grid + 1]] = values[half.starts[source]..<half.starts[source + 1]]
        }
        return result
    }

    /// The inter-grid parameters of this model from the half model's: feature level `l >= 1` takes
    /// the half model's level `l - 1` (the same grid), each weight from the half model's weight of
    /// the same feature and source grid; the finest grid's features start at zero.
    func interGridFromHalf(_ values: [Float], half: InterGridContext) -> [Float] {
        let context = shape.interGrid, grids = context.grids, f = context.featureCount
        var result = [Float](repeating: 0, count: context.parameterCount)
        for level in 1..<max(1, grids.featureLevels) where level - 1 < half.grids.featureLevels {
            let sources = grids.sources(of: level), halfSources = half.grids.sources(of: level - 1)
            for (m, grid) in sources.enumerated() {
                guard let source = halfGrid(of: grid, in: half.grids), halfSources.contains(source) else { continue }
                let halfM = source - halfSources.lowerBound
                for j in 0..<f {
                    result[context.weightStarts[level] + j * sources.count + m] =
                        values[half.weightStarts[level - 1] + j * halfSources.count + halfM]
                }
            }
            for j in 0..<f { result[context.biasStarts[level] + j] = values[half.biasStarts[level - 1] + j] }
        }
        return result
    }

    /// A half-resolution trainer's state carried over to this model: its grids become grids 1 and up
    /// and its hyper grids this model's of the same resolution (grid 0 and any other starts at zero,
    /// their Adam moments too; ``latentsFromHalf(_:half:)``), its inter-grid parameters this model's
    /// of the same grids (``interGridFromHalf(_:half:)``), its up-sampling steps are this model's
    /// first ones and the last starts bicubic (its pre-concatenation filters likewise, the finest
    /// grid's starting as a Dirac), and the synthesis keeps its weights with a column of
    /// small random weights added for the new plane (the finest, last input). The ARM and its
    /// optimiser carry over unchanged; the other optimisers start afresh.
    func transferred(_ half: State, from halfShape: ModelShape, generator: inout SeededGenerator) -> State {
        let halfGrids = halfShape.entropyGrids
        var state = half
        state.latentParameters = latentsFromHalf(half.latentParameters, half: halfGrids)
        state.latentOptimizer.firstMoment = latentsFromHalf(half.latentOptimizer.firstMoment, half: halfGrids)
        state.latentOptimizer.secondMoment = latentsFromHalf(half.latentOptimizer.secondMoment, half: halfGrids)
        state.networks.interGrid = interGridFromHalf(half.networks.interGrid, half: halfShape.interGrid)
        state.interGridOptimizer = NetworkOptimizerState(count: shape.interGrid.parameterCount, matrices: shape.interGrid.matrices)
        let halfUpsampler = halfShape.upsampler, halfUpsampling = half.networks.upsampling
        state.networks.upsampling = Array(halfUpsampling[halfUpsampler.kernels]) + UpsamplerLayout.bicubic
            + (shape.architecture.preFilter ? halfUpsampling[halfUpsampler.preFilter] + PreConcatenationFilter.dirac : [])
        state.networks.synthesis = widenedSynthesis(half.networks.synthesis, from: halfShape.synthesis, generator: &generator)
        state.upsamplingOptimizer = NetworkOptimizerState(count: state.networks.upsampling.count, matrices: [])
        state.synthesisOptimizer = NetworkOptimizerState(count: state.networks.synthesis.count,
                                                         matrices: shape.synthesis.matrices)
        state.lastEvaluation = nil
        return state
    }

    /// `parameters` of a synthesis with one input plane less, with a last input column added to the
    /// two matrices that read the planes (the 1x1 layer and the linear branch).
    func widenedSynthesis(_ parameters: [Float], from old: SynthesisLayout,
                          generator: inout SeededGenerator) -> [Float] {
        let new = shape.synthesis
        var widened = [Float](repeating: 0, count: new.layout.totalCount)
        for (oldRange, newRange) in [(old.a, new.a), (old.linear, new.linear)] {
            let rows = newRange.count / new.inputs
            let bound = ModelShape.smallInitialBound(inputs: new.inputs, outputs: rows)
            for row in 0..<rows {
                let from = oldRange.lowerBound + row * old.inputs, to = newRange.lowerBound + row * new.inputs
                widened[to..<(to + old.inputs)] = parameters[from..<(from + old.inputs)]
                widened[to + old.inputs] = generator.uniform(bound)
            }
        }
        var unchanged = [(old.b, new.b), (old.aBias, new.aBias), (old.bBias, new.bBias)]
        for layer in 0..<new.residualLayers {
            unchanged += [(old.residualWeights(layer), new.residualWeights(layer)), (old.residualBias(layer), new.residualBias(layer))]
        }
        for (oldRange, newRange) in unchanged { widened[newRange] = parameters[oldRange] }
        return widened
    }

    func initialState(generator: inout SeededGenerator, seedOffset: Int) -> State {
        let k = shape.architecture.outputChannels
        let pixels = evaluator.pixelCount
        let means = (0..<k).map { c in
            evaluator.target[(c * pixels)..<((c + 1) * pixels)].reduce(0, +) / Float(max(1, pixels))
        }
        let networks = shape.initialNetworks(generator: &generator, outputMeans: means)
        let latents = shape.entropyGrids.totalLatents
        return State(latentParameters: [Float](repeating: 0, count: latents), networks: networks,
                     latentOptimizer: AdamState(count: latents),
                     armOptimizer: NetworkOptimizerState(count: networks.arm.count, matrices: shape.arm.matrices),
                     interGridOptimizer: NetworkOptimizerState(count: networks.interGrid.count, matrices: shape.interGrid.matrices),
                     upsamplingOptimizer: NetworkOptimizerState(count: networks.upsampling.count, matrices: []),
                     synthesisOptimizer: NetworkOptimizerState(count: networks.synthesis.count,
                                                               matrices: shape.synthesis.matrices),
                     seedOffset: seedOffset)
    }

    /// Bounds of a latent value in the bitstream.
    static let latentRange: ClosedRange<Float> = -64...63

    /// `round(clamp(gain * parameter))`.
    func quantizedLatents(_ parameters: [Float]) -> [Float] {
        let gain = configuration.latentGain
        return parameters.map { min(max(($0 * gain).rounded(), Self.latentRange.lowerBound), Self.latentRange.upperBound) }
    }

    private func mainStep(_ state: inout State, step: Int) {
        let progress = Float(step) / Float(max(1, mainIterations))
        let rate = schedule.learningRate(at: step)
        let temperature = TrainingSchedule.annealed(schedule.temperature, progress: progress)
        let noise = TrainingSchedule.annealed(schedule.noiseStandardDeviation, progress: progress)
        let gain = configuration.latentGain
        let count = state.latentParameters.count
        // The uncoded grids' latents (the first ones) stay zero: no noise, no gradient.
        let first = min(count, shape.entropyGrids.firstCodedLatent), coded = count - first
        let scaled = scaledLatents(state.latentParameters, gain: gain)
        // Written in full by the noisy soft-round below (the derivatives unless the temperature is 0,
        // when the backward does not read them), the proxy's uncoded latents set to zero.
        var derivatives = [Float](unsafeUninitializedCapacity: 2 * coded) { _, initialized in initialized = 2 * coded }
        var proxy = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.baseAddress!.initialize(repeating: 0, count: first)
            initialized = count
        }
        scaled.withUnsafeBufferPointer { y in
            derivatives.withUnsafeMutableBufferPointer { d in
                proxy.withUnsafeMutableBufferPointer { q in
                    QuantizationProxy.noisySoftRound(y.baseAddress! + first, count: coded, temperature: temperature,
                                                     standardDeviation: noise, seed: configuration.seed &+ UInt64(state.seedOffset),
                                                     offset: UInt64(step) &* UInt64(count), derivatives: d.baseAddress!,
                                                     output: q.baseAddress! + first)
                }
            }
        }
        var (evaluation, gradients) = evaluator.evaluateWithGradients(latents: proxy, networks: state.networks,
                                                                      armWeightGradients: weightGradients(step: step),
                                                                      synthesisWeightGradients: weightGradients(step: step))
        var gradLatents = gradients.latents
        gradients.latents = []  // so that gradLatents is the only reference and is not copied when written
        derivatives.withUnsafeBufferPointer { d in
            gradLatents.withUnsafeMutableBufferPointer { g in
                QuantizationProxy.noisySoftRoundBackward(derivatives: d.baseAddress!, count: coded, temperature: temperature,
                                                         gradOutput: g.baseAddress! + first, gradInput: g.baseAddress! + first)
                g.baseAddress!.update(repeating: 0, count: first)
            }
        }
        backThroughGain(&gradLatents, parameters: state.latentParameters, gain: gain)
        state.latentOptimizer.update(&state.latentParameters, gradients: gradLatents,
                                     learningRate: rate * schedule.latentLearningRateScale,
                                     optimizer: schedule.latentOptimizer)
        let frequency = step < warmUpIterations ? schedule.warmUpPreconditionFrequency : schedule.preconditionFrequency
        updateNetworks(&state, gradients: gradients.networks, rate: rate, preconditionFrequency: frequency)
        state.lastEvaluation = evaluation
    }

    /// The chunks of latents and pixels (and rows) the weight gradients of the ARM MLP and the
    /// synthesis are summed over at `step`: one in ``TrainingSchedule/weightGradientStride``, a
    /// different one at each step.
    private func weightGradients(step: Int) -> ChunkSampling {
        ChunkSampling(stride: schedule.weightGradientStride, phase: step)
    }

    /// `clamp(gain * p)` for every latent parameter `p`.
    private func scaledLatents(_ parameters: [Float], gain: Float) -> [Float] {
        let count = parameters.count
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            initialized = count
            parameters.withUnsafeBufferPointer { p in
                let pointers = UnsafeSendableBox((p, out))
                evaluator.parallel.run(chunks: ParallelChunks.elementwiseChunks, over: count) { _, range in
                    let (p, out) = pointers.value
                    for i in range {
                        out[i] = min(max(p[i] * gain, Self.latentRange.lowerBound), Self.latentRange.upperBound)
                    }
                }
            }
        }
    }

    /// The gradient through `clamp(gain * p)`, in place: `gain * g` inside the latent range, 0 outside.
    private func backThroughGain(_ gradients: inout [Float], parameters: [Float], gain: Float) {
        let count = min(gradients.count, parameters.count)
        gradients.withUnsafeMutableBufferPointer { g in
            parameters.withUnsafeBufferPointer { p in
                let pointers = UnsafeSendableBox((g, p))
                evaluator.parallel.run(chunks: ParallelChunks.elementwiseChunks, over: count) { _, range in
                    let (g, p) = pointers.value
                    for i in range {
                        g[i] = Self.latentRange.contains(p[i] * gain) ? g[i] * gain : 0
                    }
                }
            }
        }
    }

    private func networkStep(_ state: inout State, latents: [Float], step: Int) {
        let (evaluation, gradients) = evaluator.evaluateWithGradients(latents: latents, networks: state.networks,
                                                                      armWeightGradients: weightGradients(step: step),
                                                                      synthesisWeightGradients: weightGradients(step: step))
        updateNetworks(&state, gradients: gradients.networks, rate: schedule.finalLearningRate,
                       preconditionFrequency: schedule.preconditionFrequency)
        state.lastEvaluation = evaluation
    }

    private func updateNetworks(_ state: inout State, gradients: NetworkParameters, rate: Float, preconditionFrequency: Int) {
        var gradients = gradients
        if schedule.networkRateWeight > 0 {
            let bitWeight = schedule.networkRateWeight * evaluator.lambda / Float(evaluator.pixelCount)
            networkRate.addGradient(of: state.networks, bitWeight: bitWeight, to: &gradients)
        }
        var blocks = [gradients.arm, gradients.upsampling, gradients.synthesis, gradients.interGrid]
        GradientClipping.clipGlobalNorm(&blocks, maxNorm: schedule.networkGradientClipNorm)
        let optimizer = schedule.networkOptimizer
        state.interGridOptimizer.update(&state.networks.interGrid, gradients: blocks[3], learningRate: rate,
                                        preconditionFrequency: preconditionFrequency, optimizer: optimizer)
        state.armOptimizer.update(&state.networks.arm, gradients: blocks[0], learningRate: rate,
                                  preconditionFrequency: preconditionFrequency, optimizer: optimizer)
        state.upsamplingOptimizer.update(&state.networks.upsampling, gradients: blocks[1], learningRate: rate,
                                         preconditionFrequency: preconditionFrequency, optimizer: optimizer)
        state.synthesisOptimizer.update(&state.networks.synthesis, gradients: blocks[2], learningRate: rate,
                                        preconditionFrequency: preconditionFrequency, optimizer: optimizer)
    }

    private func report(_ state: State, phase: EncodeProgress.Phase, iteration: Int, total: Int,
                        progress: ((EncodeProgress) -> Void)?) {
        guard let progress, let evaluation = state.lastEvaluation else { return }
        progress(EncodeProgress(phase: phase, iteration: iteration, totalIterations: total, loss: evaluation.loss,
                                bitsPerPixel: evaluation.bitsPerPixel, psnr: Self.psnr(mse: evaluation.mse)))
    }

    /// PSNR in dB for samples in [0, 1].
    static func psnr(mse: Double) -> Double { mse > 0 ? 10 * Foundation.log10(1 / mse) : 100 }
}
