import Foundation
import NeuralKernels

/// Fits a model to one image (Cool-chic's recipe: Ladune et al. 2023, Leguay et al. 2023; C3: Kim et
/// al. 2024).
///
/// Schedule of `n` iterations: warm-up (eight random initialisations run the first `n / 40`
/// iterations; the best continues), main phase with Adam (latents) and SOAP (networks), learning rate `1e-2` for its first 30%,
/// then decaying with a cosine to `1e-5`, latents quantised by `softround(softround(y, t) + n, t)`
/// with `n` near-Gaussian noise, both annealed (values in ``TrainingSchedule``); then a final
/// twentieth with hard-rounded, frozen latents where only the networks learn (learning rate 1e-4).
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
        var upsamplingOptimizer: NetworkOptimizerState
        var synthesisOptimizer: NetworkOptimizerState
        var lastEvaluation: ModelEvaluator.Evaluation?
        /// Distinguishes the training noise of the warm-up candidates.
        var seedOffset: Int
    }

    var schedule: TrainingSchedule

    init(evaluator: ModelEvaluator, configuration: EncoderConfiguration, shape: ModelShape) {
        self.evaluator = evaluator
        self.configuration = configuration
        self.shape = shape
        schedule = TrainingSchedule(iterations: configuration.preset.iterationCount(for: configuration.complexity))
    }

    var totalIterations: Int { schedule.iterations }
    var finalIterations: Int { schedule.finalIterations }
    var mainIterations: Int { schedule.mainIterations }
    var warmUpIterations: Int { schedule.warmUpIterations }
    var warmUpCandidates: Int { schedule.candidates }

    /// The fitted float model: integer latents (rounded and clamped) and float networks.
    func fit(progress: ((EncodeProgress) -> Void)?) -> (latents: [Float], networks: NetworkParameters) {
        var generator = SeededGenerator(seed: configuration.seed)
        let reportedTotal = totalIterations + (warmUpCandidates - 1) * warmUpIterations
        var reported = 0
        var candidates: [State] = []
        for candidate in 0..<warmUpCandidates {
            var state = initialState(generator: &generator, seedOffset: candidate)
            for step in 0..<warmUpIterations {
                mainStep(&state, step: step)
                reported += 1
                report(state, phase: .warmUp, iteration: reported, total: reportedTotal, progress: progress)
            }
            candidates.append(state)
        }
        let best = candidates.indices.min { (candidates[$0].lastEvaluation?.loss ?? 0) < (candidates[$1].lastEvaluation?.loss ?? 0) } ?? 0
        var state = candidates[best]
        candidates.removeAll()
        for step in warmUpIterations..<mainIterations {
            mainStep(&state, step: step)
            reported += 1
            report(state, phase: .main, iteration: reported, total: reportedTotal, progress: progress)
        }
        let latents = quantizedLatents(state.latentParameters)
        for _ in 0..<finalIterations {
            networkStep(&state, latents: latents)
            reported += 1
            report(state, phase: .straightThrough, iteration: reported, total: reportedTotal, progress: progress)
        }
        return (latents, state.networks)
    }

    private func initialState(generator: inout SeededGenerator, seedOffset: Int) -> State {
        let k = shape.architecture.outputChannels
        let pixels = evaluator.pixelCount
        let means = (0..<k).map { c in
            evaluator.target[(c * pixels)..<((c + 1) * pixels)].reduce(0, +) / Float(max(1, pixels))
        }
        let networks = shape.initialNetworks(generator: &generator, outputMeans: means)
        return State(latentParameters: [Float](repeating: 0, count: shape.geometry.totalLatents), networks: networks,
                     latentOptimizer: AdamState(count: shape.geometry.totalLatents),
                     armOptimizer: NetworkOptimizerState(count: networks.arm.count, matrices: shape.arm.matrices),
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
        var scaled = scaledLatents(state.latentParameters, gain: gain)
        // Both written in full by the soft-rounds below.
        var noisy = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        var proxy = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        scaled.withUnsafeMutableBufferPointer { y in
            noisy.withUnsafeMutableBufferPointer { v in
                proxy.withUnsafeMutableBufferPointer { q in
                    QuantizationProxy.softRound(y.baseAddress!, count: count, temperature: temperature, output: v.baseAddress!)
                    QuantizationProxy.addGaussianNoise(v.baseAddress!, count: count, standardDeviation: noise,
                                                       seed: configuration.seed &+ UInt64(state.seedOffset),
                                                       offset: UInt64(step) &* UInt64(count), output: v.baseAddress!)
                    QuantizationProxy.softRound(v.baseAddress!, count: count, temperature: temperature, output: q.baseAddress!)
                }
            }
        }
        var (evaluation, gradients) = evaluator.evaluateWithGradients(latents: proxy, networks: state.networks)
        var gradLatents = gradients.latents
        gradients.latents = []  // so that gradLatents is the only reference and is not copied when written
        // Written in full by the first soft-round backward (the annealed temperature is at least 0.08;
        // at 0 neither backward touches it).
        var gradNoisy = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        noisy.withUnsafeBufferPointer { v in
            gradLatents.withUnsafeMutableBufferPointer { g in
                gradNoisy.withUnsafeMutableBufferPointer { gv in
                    QuantizationProxy.softRoundBackward(v.baseAddress!, count: count, temperature: temperature,
                                                        gradOutput: g.baseAddress!, gradInput: gv.baseAddress!)
                }
            }
        }
        scaled.withUnsafeBufferPointer { y in
            gradNoisy.withUnsafeBufferPointer { gv in
                gradLatents.withUnsafeMutableBufferPointer { g in
                    QuantizationProxy.softRoundBackward(y.baseAddress!, count: count, temperature: temperature,
                                                        gradOutput: gv.baseAddress!, gradInput: g.baseAddress!)
                }
            }
        }
        backThroughGain(&gradLatents, parameters: state.latentParameters, gain: gain)
        state.latentOptimizer.update(&state.latentParameters, gradients: gradLatents, learningRate: rate,
                                     optimizer: schedule.latentOptimizer)
        let frequency = step < warmUpIterations ? schedule.warmUpPreconditionFrequency : schedule.preconditionFrequency
        updateNetworks(&state, gradients: gradients.networks, rate: rate, preconditionFrequency: frequency)
        state.lastEvaluation = evaluation
    }

    /// Chunks of the element-wise latent passes (any count gives the same values).
    private static let latentChunks = 16

    /// `clamp(gain * p)` for every latent parameter `p`.
    private func scaledLatents(_ parameters: [Float], gain: Float) -> [Float] {
        let count = parameters.count
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            initialized = count
            parameters.withUnsafeBufferPointer { p in
                let pointers = UnsafeSendableBox((p, out))
                evaluator.parallel.run(chunks: Self.latentChunks, over: count) { _, range in
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
                evaluator.parallel.run(chunks: Self.latentChunks, over: count) { _, range in
                    let (g, p) = pointers.value
                    for i in range {
                        g[i] = Self.latentRange.contains(p[i] * gain) ? g[i] * gain : 0
                    }
                }
            }
        }
    }

    private func networkStep(_ state: inout State, latents: [Float]) {
        let (evaluation, gradients) = evaluator.evaluateWithGradients(latents: latents, networks: state.networks)
        updateNetworks(&state, gradients: gradients.networks, rate: schedule.finalLearningRate,
                       preconditionFrequency: schedule.preconditionFrequency)
        state.lastEvaluation = evaluation
    }

    private func updateNetworks(_ state: inout State, gradients: NetworkParameters, rate: Float, preconditionFrequency: Int) {
        var blocks = [gradients.arm, gradients.upsampling, gradients.synthesis]
        GradientClipping.clipGlobalNorm(&blocks, maxNorm: schedule.networkGradientClipNorm)
        let optimizer = schedule.networkOptimizer
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
