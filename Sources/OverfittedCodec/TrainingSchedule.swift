import NeuralKernels

/// The knobs of the training schedule (see ``Trainer``); derived from the iteration count.
struct TrainingSchedule: Sendable {
    var iterations: Int
    /// Peak (initial) learning rate of the main phase, held for `peakFraction` of it, then decaying
    /// with a cosine to `floorLearningRate` (``learningRate(at:)``).
    var peakLearningRate: Float = 1e-2
    var floorLearningRate: Float = 1e-5
    /// Fraction of the main phase run at the peak learning rate before the cosine decay starts:
    /// against decaying from the first step, 2.4% lower loss at 400 iterations (256x256 crops of
    /// kodim23 and kodim05, lambdas 4e-4, 1e-3, 2e-2, seeds 0 and 1, lower in all 12 runs) and 1.8% at
    /// 1,500 (lambda 1e-3, lower in all 4).
    var peakFraction = 0.3
    /// Random initialisations tried during the warm-up, and the fraction of the main phase they run.
    /// Eight candidates for 2.5% each cost the same as four for 5% and select better: on kodim23 at
    /// lambda 1e-3, fast preset, the loss fell by 11% on average over six seeds (lower for every seed),
    /// since short encodes vary mostly with the initialisation.
    var warmUpCandidates = 8
    var warmUpFraction = 0.025
    /// The warm-up runs on the image down-sampled by two, and the best candidate continues there up
    /// to this fraction of the iterations before the full-resolution main phase takes over at the
    /// end of the warm-up (``Trainer/halfResolutionTrainer()``). A half-resolution step costs about a
    /// quarter of a full one, so the time the warm-up's eight candidates took at full resolution
    /// (a sixth of the encode) goes to main-phase steps.
    var halfResolutionFraction = 0.27
    /// Fraction of the iterations spent with hard-rounded, frozen latents (networks only): Cool-chic
    /// 5.0's 500 of 10,000. Against 10%, 1.1% lower loss at 400 iterations (256x256 crop of kodim23,
    /// lambda 1e-3, four seeds, lower for each).
    var finalFraction = 0.05
    /// The networks' learning rate in that phase, held: they adapt to the hard-rounded latents. At the
    /// fast preset (medium complexity, kodim05/15/19/23 at lambdas 4e-4 ... 2e-2) 3e-3 lowered the
    /// loss of the decoded file by 0.25% against 1e-4 (lower in 15 of 16; 0.6% at 2e-2); 1e-3 gave
    /// -0.1%, 1e-2 +0.4%, a cosine from 1e-2 +0.1%, 3e-3 for 10% of the iterations -0.2%.
    var finalLearningRate: Float = 3e-3
    /// Weight of the networks' own bits (``NetworkRateEstimate``) in the loss the networks are
    /// trained on: 1 counts them as what they are, part of the file (Cool-chic leaves them out). At
    /// the fast preset (medium complexity, kodim05/15/19/23 at lambdas 4e-4 ... 2e-2) the loss of
    /// the decoded file fell by 0.4% (lower in 10 of 16; 1.0% at 2e-2, where the networks are a third
    /// of the file and took about 10% fewer bytes); a weight of 3 raised it by 0.9% (4e-3 and 2e-2).
    /// On all 23 Kodak images: 0.16% lower (2e-2: 0.75%, lower in 18 of 23; level at the other
    /// lambdas), the BD-rate of the mean curve unchanged.
    var networkRateWeight: Float = 1
    /// Soft-round temperature and the standard deviation of the (near-)Gaussian noise between the
    /// two soft-rounds, linearly annealed over the main phase: the noise as in Cool-chic 5.0
    /// (0.22 -> 0.15), the temperature from 0.5 (Cool-chic: 0.35) down to its 0.08. A smoother start
    /// suits short encodes: see ``latentOptimizer`` for the measurement. C3's bounded Kumaraswamy
    /// noise (shape 2.5 -> 3.5, standard deviation 0.18 -> 0.15) replaced it for a day: 0.13% lower
    /// loss at the fast preset on 23 Kodak images (0.7% at lambda 4e-4, 0.7% higher at 2e-2), but at
    /// the slow preset on kodim15 at 2e-2 18% higher than this noise, so this one is back.
    var temperature: ClosedRange<Float> = 0.08...0.5
    var noiseStandardDeviation: ClosedRange<Float> = 0.15...0.22
    /// Optimiser of the latents, and of the networks: SOAP on the weight matrices (Adam on biases and
    /// up-sampling kernels) with Cool-chic 5.0's betas 0.95 / 0.95, weight decay 0.01 and basis
    /// refreshes (every step in the warm-up, every 10 after). The networks' gradients are clipped to
    /// a global norm of 0.1 as in Cool-chic 5.0. SOAP instead of Adam lowered the loss of the fast
    /// preset at high complexity by 8.0% (kodim05, 15, 19, 23 at lambdas 4e-4 ... 2e-2, lower in 15
    /// of 16), at equal time per step.
    ///
    /// The latents' Adam uses short moment averages (beta1 0.8, beta2 0.9; Cool-chic: 0.9, 0.999),
    /// chosen by measurement. With the temperature starting at 0.5, at 400 iterations the loss fell
    /// by 8.2% (256x256 crops of kodim23 and kodim05, lambda 1e-3, four seeds each, lower for all
    /// eight) and by 6.7% over lambdas 4e-4, 1e-3 and 2e-2 (15 of 16 lower); each change alone:
    /// beta2 0.9 -3.8%, temperature from 0.5 -5.4%.
    var latentOptimizer = Adam(beta1: 0.8, beta2: 0.9)
    /// The latents' learning rate is this multiple of ``learningRate(at:)`` (peak 1.5e-2, floor
    /// 1.5e-5). At the fast preset (1,290 iterations, medium complexity; kodim05/15/19/23) the loss
    /// of the decoded file fell by 0.9% at lambdas 1e-3 and 4e-3 (lower in 7 of 8) and by 0.75% at
    /// 4e-4 and 2e-2 (6 of 8) against training them at the networks' rate.
    var latentLearningRateScale: Float = 1.5
    var networkOptimizer = SOAP(beta1: 0.95, beta2: 0.95, weightDecay: 0.01)
    /// Steps between refreshes of SOAP's bases: Cool-chic 5.0's 1 during the warm-up, 10 after.
    var warmUpPreconditionFrequency = 1
    var preconditionFrequency = 10
    var networkGradientClipNorm: Float = 0.1
    /// The weight gradients of the ARM MLP and of the synthesis are summed over one part in this
    /// many of their positions (a different part at each step, scaled up: ``ChunkSampling``): the
    /// ARM's over one chunk of 256 latents in 4, the synthesis's 1x1 MLP over one chunk of 256
    /// pixels in 4 and its 3x3 layers over one row in 4. The input gradients are summed over all.
    /// With a few hundred to a few thousand weights and 400,000 pixels and 524,000 latents per Kodak
    /// image the estimate loses little (fast preset at medium complexity, kodim05/15/19/23 at
    /// lambdas 1e-3 and 4e-3, equal iterations: loss +0.2% for the ARM's, +0.05% for the
    /// synthesis's on top), and the correlations it skips were about a tenth (ARM) and a twelfth
    /// (synthesis) of a medium-complexity step.
    var weightGradientStride = 4

    init(iterations: Int) { self.iterations = max(1, iterations) }

    var finalIterations: Int { iterations >= 10 ? Int(Double(iterations) * finalFraction) : 0 }
    var mainIterations: Int { iterations - finalIterations }
    /// The main phase's learning rate at `step`: the peak, then a cosine decay to the floor.
    func learningRate(at step: Int) -> Float {
        let held = Int(Double(mainIterations) * peakFraction)
        if step < held { return peakLearningRate }
        return CosineSchedule(peak: peakLearningRate, floor: floorLearningRate, totalSteps: mainIterations - held)
            .learningRate(at: step - held)
    }
    var warmUpIterations: Int { mainIterations >= 100 && warmUpCandidates > 1 ? Int(Double(mainIterations) * warmUpFraction) : 0 }
    /// Steps before this one run at half resolution (0: none; the main phase at full resolution
    /// then resumes at ``warmUpIterations``).
    var halfResolutionIterations: Int { warmUpIterations > 0 ? Int(Double(iterations) * halfResolutionFraction) : 0 }
    var candidates: Int { warmUpIterations > 0 ? warmUpCandidates : 1 }

    /// A value annealed linearly from `range.upperBound` (progress 0) to `range.lowerBound` (1).
    static func annealed(_ range: ClosedRange<Float>, progress: Float) -> Float {
        range.upperBound - (range.upperBound - range.lowerBound) * progress
    }
}
