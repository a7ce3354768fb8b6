/// The knobs of the training schedule (see ``Trainer``); derived from the iteration count.
struct TrainingSchedule: Sendable {
    var iterations: Int
    /// Peak (initial) learning rate of the main phase, decaying with a cosine to `floorLearningRate`.
    var peakLearningRate: Float = 1e-2
    var floorLearningRate: Float = 1e-5
    /// Random initialisations tried during the warm-up, and the fraction of the main phase they run.
    var warmUpCandidates = 4
    var warmUpFraction = 0.05
    /// Fraction of the iterations spent with hard-rounded, frozen latents (networks only).
    var finalFraction = 0.1
    var finalLearningRate: Float = 1e-4
    /// Soft-round temperature and noise amplitude, linearly annealed over the main phase. The
    /// temperature starts at 0.5 rather than C3's 0.3: on a 256x256 crop of kodim23, 400 iterations,
    /// the loss was 3 to 6% lower over three seeds at lambda 1e-3 (and 1% lower at 1,500 iterations).
    var temperature: ClosedRange<Float> = 0.1...0.5
    var noiseAmplitude: ClosedRange<Float> = 0.15...0.5

    /// Scale of the ARM hidden layers' random initial weights (times 1/sqrt(width)).
    var armHiddenScale: Float = 1

    init(iterations: Int) { self.iterations = max(1, iterations) }

    var finalIterations: Int { iterations >= 10 ? Int(Double(iterations) * finalFraction) : 0 }
    var mainIterations: Int { iterations - finalIterations }
    var warmUpIterations: Int { mainIterations >= 100 && warmUpCandidates > 1 ? Int(Double(mainIterations) * warmUpFraction) : 0 }
    var candidates: Int { warmUpIterations > 0 ? warmUpCandidates : 1 }
}
