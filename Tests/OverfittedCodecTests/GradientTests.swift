import NeuralKernels
import Testing
@testable import OverfittedCodec

/// The hand-written backward passes against central finite differences of the loss.
@Suite struct GradientTests {
    struct Fixture {
        let evaluator: ModelEvaluator
        var latents: [Float]
        var networks: NetworkParameters

        init(width: Int, height: Int, channels: Int, seed: UInt64, context: Int = 6, preFilter: Bool = false) {
            var generator = SeededGenerator(seed: seed)
            let architecture = Architecture(contextSize: context, synthesisWidth: 5, residualLayers: 2, outputChannels: channels,
                                            preFilter: preFilter)
            let shape = ModelShape(architecture: architecture, width: width, height: height)!
            let target = (0..<(channels * width * height)).map { _ in generator.nextUnitFloat() }
            evaluator = ModelEvaluator(shape: shape, target: target, lambda: 0.05, parallel: ParallelChunks(threads: 2))
            latents = (0..<shape.geometry.totalLatents).map { _ in generator.uniform(3) }
            networks = shape.initialNetworks(generator: &generator, outputMeans: Array(repeating: 0.5, count: channels))
            // Non-zero residual convolutions and biases so every path carries gradient.
            for i in networks.synthesis.indices { networks.synthesis[i] += generator.uniform(0.2) }
            for i in networks.arm.indices { networks.arm[i] += generator.uniform(0.2) }
            for i in networks.upsampling.indices { networks.upsampling[i] += generator.uniform(0.05) }
            // Filters at half their Dirac start: doubled grids push more outputs onto the clamp's and
            // the ReLUs' kinks, where central differences stop measuring the gradient.
            for i in shape.upsampler.preFilter { networks.upsampling[i] *= 0.5 }
        }

        func loss(latents: [Float], networks: NetworkParameters) -> Double {
            evaluator.evaluate(latents: latents, networks: networks).loss
        }
    }

    /// Fraction of probed coordinates whose analytic gradient matches a central difference.
    static func agreement(analytic: [Float], indices: [Int], probe: (Int, Float) -> Double) -> Double {
        var matches = 0
        let epsilon: Float = 1e-3
        for i in indices {
            let numeric = (probe(i, epsilon) - probe(i, -epsilon)) / Double(2 * epsilon)
            let a = Double(analytic[i])
            if abs(numeric - a) <= 0.05 * max(abs(numeric), abs(a)) + 2e-4 { matches += 1 }
        }
        return Double(matches) / Double(indices.count)
    }

    /// Sizes and whether the model has the pre-concatenation filter (29 x 21 takes its vector
    /// loops on the finest grid, the others only its edge code).
    @Test(arguments: [(13, 7, 3, false), (9, 10, 1, false), (13, 7, 3, true), (29, 21, 1, true)])
    func gradientsMatchFiniteDifferences(size: (Int, Int, Int, Bool)) {
        let f = Fixture(width: size.0, height: size.1, channels: size.2, seed: 7, preFilter: size.3)
        let (_, gradients) = f.evaluator.evaluateWithGradients(latents: f.latents, networks: f.networks)
        let latentAgreement = Self.agreement(analytic: gradients.latents, indices: Array(stride(from: 0, to: f.latents.count, by: 3))) { i, e in
            var l = f.latents
            l[i] += e
            return f.loss(latents: l, networks: f.networks)
        }
        let armAgreement = Self.agreement(analytic: gradients.networks.arm, indices: Array(f.networks.arm.indices)) { i, e in
            var n = f.networks
            n.arm[i] += e
            return f.loss(latents: f.latents, networks: n)
        }
        let synthesisAgreement = Self.agreement(analytic: gradients.networks.synthesis, indices: Array(f.networks.synthesis.indices)) { i, e in
            var n = f.networks
            n.synthesis[i] += e
            return f.loss(latents: f.latents, networks: n)
        }
        let upsamplingAgreement = Self.agreement(analytic: gradients.networks.upsampling, indices: Array(f.networks.upsampling.indices)) { i, e in
            var n = f.networks
            n.upsampling[i] += e
            return f.loss(latents: f.latents, networks: n)
        }
        #expect(latentAgreement > 0.9)
        #expect(armAgreement > 0.9)
        #expect(synthesisAgreement > 0.9)
        #expect(upsamplingAgreement > 0.9)
    }

    /// The ARM's fused training kernel (AVX2, with the AVX2 or AVX-512 correlation) and the loss
    /// pass's kernel give the portable Swift code's loss and gradients bit for bit (grids of 13 x 7 and 9 x 10 leave partial
    /// vectors at the ends of the MLP's chunks; 90 x 70 spans several chunks and work items),
    /// with the smallest, a preset's and the largest context.
    @Test(arguments: [(13, 7, 3, 6), (9, 10, 1, 1), (90, 70, 3, 20), (17, 11, 3, 40)])
    func armTrainingKernelMatchesPortableBitForBit(size: (Int, Int, Int, Int)) {
        guard Acceleration.available >= .avx2 else { return }
        let f = Fixture(width: size.0, height: size.1, channels: size.2, seed: 11, context: size.3)
        let (portable, portableGradients) = Acceleration.withMaximumLevel(.portable) {
            f.evaluator.evaluateWithGradients(latents: f.latents, networks: f.networks)
        }
        for level in [Acceleration.Level.avx2, .avx512] where level <= Acceleration.available {
            let (wide, wideGradients) = Acceleration.withMaximumLevel(level) {
                f.evaluator.evaluateWithGradients(latents: f.latents, networks: f.networks)
            }
            #expect(portable.bits.bitPattern == wide.bits.bitPattern, "\(level)")
            #expect(portable.mse.bitPattern == wide.mse.bitPattern, "\(level)")
            #expect(portableGradients.latents.map(\.bitPattern) == wideGradients.latents.map(\.bitPattern), "\(level)")
            #expect(portableGradients.networks.arm.map(\.bitPattern) == wideGradients.networks.arm.map(\.bitPattern), "\(level)")
        }
    }

    /// With the ARM MLP's weight gradient sampled (one chunk of latents in two), the fused kernel
    /// still matches the portable code bit for bit, the latents' gradients are the full ones, and
    /// the ARM's differ from the full ones only in the MLP's weights and biases.
    @Test func sampledARMWeightGradientsMatchPortableBitForBit() {
        let f = Fixture(width: 90, height: 70, channels: 3, seed: 12, context: 8)
        let sampling = ChunkSampling(stride: 2, phase: 1)
        let (_, full) = f.evaluator.evaluateWithGradients(latents: f.latents, networks: f.networks)
        let (_, portable) = Acceleration.withMaximumLevel(.portable) {
            f.evaluator.evaluateWithGradients(latents: f.latents, networks: f.networks, armWeightGradients: sampling)
        }
        #expect(portable.latents == full.latents)
        let linear = f.evaluator.shape.arm.wLinear
        #expect(Array(portable.networks.arm[linear]) == Array(full.networks.arm[linear]))
        #expect(portable.networks.arm != full.networks.arm)
        for level in [Acceleration.Level.avx2, .avx512] where level <= Acceleration.available {
            let (_, wide) = Acceleration.withMaximumLevel(level) {
                f.evaluator.evaluateWithGradients(latents: f.latents, networks: f.networks, armWeightGradients: sampling)
            }
            #expect(portable.networks.arm.map(\.bitPattern) == wide.networks.arm.map(\.bitPattern), "\(level)")
            #expect(portable.latents.map(\.bitPattern) == wide.latents.map(\.bitPattern), "\(level)")
        }
    }

    /// With no weight gradient wanted (the network quantiser's rate passes), every level gives the
    /// same bits and latent gradients as the full pass, the ARM MLP's weight gradient is zero and
    /// the linear branch's is the full one; no synthesis row is taken either.
    @Test func noARMWeightGradientKeepsTheRateAndLatentGradients() {
        let f = Fixture(width: 90, height: 70, channels: 3, seed: 12, context: 8)
        let (fullEvaluation, full) = f.evaluator.evaluateWithGradients(latents: f.latents, networks: f.networks)
        let linear = f.evaluator.shape.arm.wLinear
        for level in [Acceleration.Level.portable, .avx2, .avx512] where level <= Acceleration.available {
            let (evaluation, none) = Acceleration.withMaximumLevel(level) {
                f.evaluator.evaluateWithGradients(latents: f.latents, networks: f.networks, armWeightGradients: .none)
            }
            #expect(evaluation.bits == fullEvaluation.bits, "\(level)")
            #expect(none.latents == full.latents, "\(level)")
            #expect(Array(none.networks.arm[linear]) == Array(full.networks.arm[linear]), "\(level)")
            #expect(none.networks.arm.indices.filter { !linear.contains($0) && none.networks.arm[$0] != 0 }.isEmpty, "\(level)")
        }
        #expect(f.evaluator.rateBits(latents: f.latents, networks: f.networks) == fullEvaluation.bits)
        #expect(Synthesis.runs(of: 0..<70, taken: .none).isEmpty)
    }

    /// With the synthesis's weight gradients sampled (one row and chunk of pixels in three), the
    /// latents', up-sampling's and ARM's gradients are the full ones, and the synthesis's gradients
    /// of the three phases average to the full ones (each alone differs from them).
    @Test func sampledSynthesisWeightGradientsAverageToTheFullOnes() {
        // 700 pixels wide: the 1x1 MLP's chunks of 256 pixels fall at different places in each row.
        let f = Fixture(width: 700, height: 9, channels: 3, seed: 13)
        let (_, full) = f.evaluator.evaluateWithGradients(latents: f.latents, networks: f.networks)
        var mean = [Double](repeating: 0, count: full.networks.synthesis.count)
        for phase in 0..<3 {
            let sampling = ChunkSampling(stride: 3, phase: phase)
            let (_, sampled) = f.evaluator.evaluateWithGradients(latents: f.latents, networks: f.networks,
                                                                 synthesisWeightGradients: sampling)
            #expect(sampled.latents == full.latents)
            #expect(sampled.networks.arm == full.networks.arm)
            #expect(sampled.networks.upsampling == full.networks.upsampling)
            #expect(sampled.networks.synthesis != full.networks.synthesis)
            for (j, value) in sampled.networks.synthesis.enumerated() { mean[j] += Double(value) / 3 }
        }
        let largest = full.networks.synthesis.map { abs(Double($0)) }.max() ?? 0
        let worst = zip(mean, full.networks.synthesis).map { abs($0 - Double($1)) }.max() ?? .infinity
        #expect(largest > 0)
        #expect(worst <= 1e-5 * largest, "worst \(worst), largest \(largest)")
    }

    /// The ARM's rate gradient w.r.t. the latents on grids spanning three work items of the training
    /// pass (each summing its context gradients into its own spill, which reaches 4 rows back into
    /// the previous item): against central differences of the rate at the latents within that reach
    /// of each item boundary, and the same for 1 and 2 threads, at the vector level and the portable one.
    @Test func rateGradientsAcrossWorkItemsMatchFiniteDifferences() {
        let f = Fixture(width: 90, height: 70, channels: 3, seed: 5, context: 14)
        let arm = f.evaluator.armTraining
        let itemSize = PointwiseMLP.itemSize
        #expect(f.latents.count > 2 * itemSize)
        let gradient = arm.run(latents: f.latents, parameters: f.networks.arm, interGridParameters: f.networks.interGrid, scale: 1, parallel: ParallelChunks(threads: 2))
        let oneThread = arm.run(latents: f.latents, parameters: f.networks.arm, interGridParameters: f.networks.interGrid, scale: 1, parallel: ParallelChunks(threads: 1))
        let portable = Acceleration.withMaximumLevel(.portable) {
            arm.run(latents: f.latents, parameters: f.networks.arm, interGridParameters: f.networks.interGrid, scale: 1, parallel: ParallelChunks(threads: 2))
        }
        #expect(oneThread.gradLatents.map(\.bitPattern) == gradient.gradLatents.map(\.bitPattern))
        #expect(portable.gradLatents.map(\.bitPattern) == gradient.gradLatents.map(\.bitPattern))
        let reach = 4 * 90 + 4
        let indices = [itemSize, 2 * itemSize].flatMap { Array(stride(from: $0 - reach, to: $0 + 20, by: 5)) }
        let agreement = Self.agreement(analytic: gradient.gradLatents, indices: indices) { i, e in
            var latents = f.latents
            latents[i] += e
            return arm.run(latents: latents, parameters: f.networks.arm, interGridParameters: f.networks.interGrid, scale: 0, parallel: ParallelChunks(threads: 2)).bits
        }
        #expect(agreement > 0.9)
    }
}
