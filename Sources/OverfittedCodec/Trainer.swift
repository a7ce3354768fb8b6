import Foundation

/// Fits a model to one image (Cool-chic's recipe: Ladune et al. 2023, Leguay et al. 2023; C3: Kim et
/// al. 2024).
///
/// Schedule of `n` iterations: warm-up (several random initialisations run the first `n / 20`
/// iterations; the best continues), main phase with Adam, learning rate `1e-2` decaying with a
/// cosine to `1e-5`, latents quantised by `softround(softround(y, t) + a * u, t)` with `u` uniform in
/// [-1/2, 1/2], `t` annealed 0.3 -> 0.1 and `a` 1 -> 0.3; then a final tenth with hard-rounded,
/// frozen latents where only the networks learn (learning rate 1e-4).
struct Trainer {
    let evaluator: ModelEvaluator
    let configuration: EncoderConfiguration
    let shape: ModelShape

    /// The float state being trained.
    struct State {
        var latentParameters: [Float]
        var networks: NetworkParameters
        var latentOptimizer: AdamOptimizer
        var armOptimizer: AdamOptimizer
        var upsamplingOptimizer: AdamOptimizer
        var synthesisOptimizer: AdamOptimizer
        var lastEvaluation: ModelEvaluator.Evaluation?
    }

    var totalIterations: Int { configuration.preset.iterationCount }
    var finalIterations: Int { totalIterations >= 10 ? totalIterations / 10 : 0 }
    var mainIterations: Int { totalIterations - finalIterations }
    var warmUpIterations: Int { mainIterations >= 100 ? mainIterations / 20 : 0 }
    var warmUpCandidates: Int { warmUpIterations > 0 ? 4 : 1 }

    /// The fitted float model: integer latents (rounded and clamped) and float networks.
    func fit(progress: ((EncodeProgress) -> Void)?) -> (latents: [Float], networks: NetworkParameters) {
        var generator = SeededGenerator(seed: configuration.seed)
        let reportedTotal = totalIterations + (warmUpCandidates - 1) * warmUpIterations
        var reported = 0
        var candidates: [State] = []
        for _ in 0..<warmUpCandidates {
            var state = initialState(generator: &generator)
            for step in 0..<warmUpIterations {
                mainStep(&state, step: step, generator: &generator)
                reported += 1
                report(state, phase: .warmUp, iteration: reported, total: reportedTotal, progress: progress)
            }
            candidates.append(state)
        }
        var state = candidates.min { ($0.lastEvaluation?.loss ?? 0) < ($1.lastEvaluation?.loss ?? 0) }!
        candidates.removeAll()
        for step in warmUpIterations..<mainIterations {
            mainStep(&state, step: step, generator: &generator)
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

    private func initialState(generator: inout SeededGenerator) -> State {
        let k = shape.architecture.outputChannels
        let pixels = evaluator.pixelCount
        let means = (0..<k).map { c in
            evaluator.target[(c * pixels)..<((c + 1) * pixels)].reduce(0, +) / Float(max(1, pixels))
        }
        let networks = shape.initialNetworks(generator: &generator, outputMeans: means)
        return State(latentParameters: [Float](repeating: 0, count: shape.geometry.totalLatents), networks: networks,
                     latentOptimizer: AdamOptimizer(count: shape.geometry.totalLatents),
                     armOptimizer: AdamOptimizer(count: networks.arm.count),
                     upsamplingOptimizer: AdamOptimizer(count: networks.upsampling.count),
                     synthesisOptimizer: AdamOptimizer(count: networks.synthesis.count))
    }

    /// Bounds of a latent value in the bitstream.
    static let latentRange: ClosedRange<Float> = -64...63

    /// `round(clamp(gain * parameter))`.
    func quantizedLatents(_ parameters: [Float]) -> [Float] {
        let gain = configuration.latentGain
        return parameters.map { min(max(($0 * gain).rounded(), Self.latentRange.lowerBound), Self.latentRange.upperBound) }
    }

    private func mainStep(_ state: inout State, step: Int, generator: inout SeededGenerator) {
        let progress = Float(step) / Float(max(1, mainIterations))
        let rate = 1e-5 + 0.5 * (1e-2 - 1e-5) * (1 + Foundation.cos(Float.pi * progress))
        let temperature = 0.3 - 0.2 * progress
        let noise = 1.0 - 0.7 * progress
        let gain = configuration.latentGain
        let count = state.latentParameters.count
        var proxy = [Float](repeating: 0, count: count)
        var derivative = [Float](repeating: 0, count: count)
        for i in 0..<count {
            let y = state.latentParameters[i] * gain
            guard Self.latentRange.contains(y) else {
                proxy[i] = min(max(y, Self.latentRange.lowerBound), Self.latentRange.upperBound)
                continue
            }
            let first = SoftRound.apply(y, temperature: temperature)
            let second = SoftRound.apply(first.value + noise * generator.uniform(0.5), temperature: temperature)
            proxy[i] = second.value
            derivative[i] = first.derivative * second.derivative * gain
        }
        let (evaluation, gradients) = evaluator.evaluateWithGradients(latents: proxy, networks: state.networks)
        var gradLatents = gradients.latents
        for i in 0..<count { gradLatents[i] *= derivative[i] }
        state.latentOptimizer.update(&state.latentParameters, gradient: gradLatents, rate: rate)
        updateNetworks(&state, gradients: gradients.networks, rate: rate)
        state.lastEvaluation = evaluation
    }

    private func networkStep(_ state: inout State, latents: [Float]) {
        let (evaluation, gradients) = evaluator.evaluateWithGradients(latents: latents, networks: state.networks)
        updateNetworks(&state, gradients: gradients.networks, rate: 1e-4)
        state.lastEvaluation = evaluation
    }

    private func updateNetworks(_ state: inout State, gradients: NetworkParameters, rate: Float) {
        state.armOptimizer.update(&state.networks.arm, gradient: gradients.arm, rate: rate)
        state.upsamplingOptimizer.update(&state.networks.upsampling, gradient: gradients.upsampling, rate: rate)
        state.synthesisOptimizer.update(&state.networks.synthesis, gradient: gradients.synthesis, rate: rate)
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
