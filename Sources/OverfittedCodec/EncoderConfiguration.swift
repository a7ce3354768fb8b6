import Foundation

/// Everything the encoder needs besides the image.
public struct EncoderConfiguration: Sendable {
    /// Rate-distortion trade-off: the encoder minimises `MSE + lambda * bits per pixel`.
    public var lambda: Double
    public var preset: EncodingPreset
    /// The decoder's network shapes (``automaticComplexity(lambda:preset:)`` unless given).
    public var complexity: DecoderComplexity
    /// Threads for training and the final coding (results are identical for every count).
    public var threads: Int
    /// Seed of the random initialisations and training noise.
    public var seed: UInt64
    /// Whether the decoder gets the pre-concatenation filter (``PreConcatenationFilter``;
    /// ``automaticPreFilter(lambda:)`` unless given).
    public var preFilter: Bool
    /// Whether the trained latents get rate-distortion optimised rounding (``LatentRefinement``,
    /// with ``latentRefinementThreshold`` and ``latentRefinementSweeps``) before they are coded.
    public var refineLatents: Bool
    /// How many of the finest latent grids the model leaves out (``Architecture/uncodedGrids``; the
    /// encoder clamps it to 0 ... ``Architecture/maxUncodedGrids`` and to the image's grid levels
    /// less one); nil: the encoder decides by the image and lambda
    /// (``automaticUncodedGrids(lambda:preset:finestDetail:)``).
    public var uncodedGrids: Int?

    public init(lambda: Double = EncoderConfiguration.lambda(quality: 4), preset: EncodingPreset = .medium,
                complexity: DecoderComplexity? = nil, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                seed: UInt64 = 0, preFilter: Bool? = nil, refineLatents: Bool = true, uncodedGrids: Int? = nil) {
        self.lambda = lambda
        self.preset = preset
        self.complexity = complexity ?? Self.automaticComplexity(lambda: lambda, preset: preset)
        self.threads = max(1, threads)
        self.seed = seed
        self.preFilter = preFilter ?? Self.automaticPreFilter(lambda: lambda)
        self.refineLatents = refineLatents
        self.uncodedGrids = uncodedGrids
    }

    /// How many of the finest grids the encoder leaves out when not told: the finest one when the
    /// image's finest detail (``OverfittedEncoder/finestDetail(of:)``, the mean squared difference
    /// between the image and its 2x2 means) is below ``uncodedGridDetailRatio`` times lambda and
    /// lambda is at least ``uncodedGridMinimumLambda(preset:)``, else none: the grid pays where the
    /// image has detail its bits can buy at this lambda. `finestDetail` is evaluated only when the
    /// lambda passes.
    public static func automaticUncodedGrids(lambda: Double, preset: EncodingPreset,
                                             finestDetail: @autoclosure () -> Double) -> Int {
        lambda >= uncodedGridMinimumLambda(preset: preset) && finestDetail() < uncodedGridDetailRatio * lambda ? 1 : 0
    }

    /// The ratio of ``automaticUncodedGrids(lambda:preset:finestDetail:)``'s test, chosen on our
    /// Kodak measurements at the fast preset (BENCHMARKS.md, forty-first session): leaving the
    /// finest grid out (with the 1.49 times as many iterations it affords) lowered the loss of the
    /// decoded file on 22 of 23 images at lambda 2e-2, where their detail is 0.03 to 0.29 times
    /// lambda (by 1.5% on the geometric mean), and at 4e-3 by 0.8% on the 11 images under 0.3
    /// times lambda (9 of 11 lower) while it raised it on all 12 above (by up to 12%).
    public static let uncodedGridDetailRatio = 0.3

    /// The smallest lambda at which ``automaticUncodedGrids(lambda:preset:finestDetail:)`` leaves
    /// the finest grid out: any at the fast preset, 1e-2 at the others. The longer presets gain
    /// less from more iterations: at 4e-3 leaving the grid out raised the loss at the slow preset
    /// on kodim15 and kodim23 (detail 0.25 and 0.17 times lambda) by 1.5% and 1.2%, at the medium
    /// preset by 1.3% and 0.0%, while at 2e-2 it moved the slow preset's by -1.1%, -1.0%, +0.2%
    /// (kodim05, 15, 23: 0.17, 0.05, 0.03 times lambda) and the medium preset's by -2.9% and
    /// -3.6% (kodim15, 23).
    public static func uncodedGridMinimumLambda(preset: EncodingPreset) -> Double {
        switch preset {
        case .fast: 0
        case .medium, .slow, .iterations: 1e-2
        }
    }

    /// How far from the integer it rounds to a trained latent must lie for ``LatentRefinement`` to
    /// try it at its other neighbour: 0.45 at the fast and medium presets, 0.4 at the slow one and
    /// explicit iteration counts. At the fast preset (kodim05, 19 and 23 at four lambdas) the
    /// latents at least 0.45 away were 8 to 44% of those at least 0.4 away, and the changes kept
    /// among them made 84 to 95% of the refinement's gain (BENCHMARKS.md, thirty-seventh session).
    var latentRefinementThreshold: Float {
        switch preset {
        case .fast, .medium: 0.45
        case .slow, .iterations: 0.4
        }
    }

    /// How many sweeps over the grids ``LatentRefinement`` makes: one at the fast preset, two at the
    /// others. From the same trained models a second sweep lowered the loss by a further 0.08 to
    /// 0.12% (slow preset: kodim15 at 1e-3 -1.03% -> -1.13%, kodim05 at 4e-3 -0.81% -> -0.90%), a
    /// third by 0.01%, and the threshold 0.3 with two sweeps no more than 0.4 with two; each sweep
    /// costs about what the first did. At the fast preset's budget that time buys as much as
    /// iterations would (BENCHMARKS.md, thirty-eighth session).
    var latentRefinementSweeps: Int {
        switch preset {
        case .fast: 1
        case .medium, .slow, .iterations: 2
        }
    }

    /// Whether the encoder gives the decoder the pre-concatenation filter when not told: below
    /// ``preFilterLambdaLimit``. On kodim05, 15, 19 and 23 at the fast preset (medium complexity,
    /// equal iterations) the loss of the decoded file moved by -0.7% at lambda 4e-4, -1.0% at 1e-3,
    /// -0.8% at 4e-3 and +0.1% at 2e-2; at the slow preset on kodim15 by -0.9%, -0.3%, -1.0% and
    /// +4.7%, on kodim23 at 1e-3 by +2.3% (level at the slow preset below 1e-2, within the spread of
    /// single encodes; BENCHMARKS.md, thirty-first session). It costs about 4% of a training step.
    public static func automaticPreFilter(lambda: Double) -> Bool { lambda < preFilterLambdaLimit }

    /// Below this lambda the encoder chooses the pre-concatenation filter (``automaticPreFilter(lambda:)``).
    public static let preFilterLambdaLimit = 1e-2

    /// The decoder complexity chosen when none is given: the one with the lowest loss in our Kodak
    /// measurements at that preset and lambda (BENCHMARKS.md, seventeenth to nineteenth sessions).
    /// The networks' parameters are part of the file, so a larger decoder pays only where the
    /// latents' bits dominate: at the slow preset on kodim15 high complexity is better at lambda 1e-3
    /// (1.7%), medium at 4e-3 and 2e-2 (0.8% and 5.7%; at 2e-2 the high decoder's parameters took
    /// 1,299 of the 2,843 bytes of a fast-preset kodim15 file). The medium preset follows the same
    /// rule: on kodim05, 15 and 23 high is 0.9 to 5.8% lower at 4e-4 and 1e-3, level on the mean at
    /// 4e-3 (+2.8, +2.3, -2.9%), and at quality 4 (lambda 2.06e-3, `ncodec encode`'s default) lower
    /// on the mean of ten other images (0.9%, 7 of 10), while at quality 3 (4.4e-3) the two are level
    /// (0.4% over thirteen images) and medium decodes faster; hence the threshold 3e-3, between
    /// quality 4 and quality 3. At the fast preset medium is level with high at lambda 4e-4 over the
    /// 23 images and best or level elsewhere; explicit iteration counts were not measured and keep
    /// medium.
    public static func automaticComplexity(lambda: Double, preset: EncodingPreset) -> DecoderComplexity {
        switch preset {
        case .slow, .medium: lambda < highComplexityLambdaLimit ? .high : .medium
        case .fast, .iterations: .medium
        }
    }

    /// Below this lambda the medium and slow presets choose high complexity (``automaticComplexity(lambda:preset:)``).
    public static let highComplexityLambdaLimit = 3e-3

    /// Qualities 1...8, log-spaced from lambda = 2e-2 (about 25 dB on Kodak) to 1e-4 (about 40 dB),
    /// the span of Cool-chic's published rate points.
    public static let qualityRange = 1...8

    /// The lambda of a quality level (clamped to ``qualityRange``).
    public static func lambda(quality: Int) -> Double {
        let q = min(max(quality, qualityRange.lowerBound), qualityRange.upperBound)
        let position = Double(q - 1) / Double(qualityRange.upperBound - 1)
        return 2e-2 * Foundation.pow(1e-4 / 2e-2, position)
    }

    /// The encoder gain applied to latents before rounding: finer latents for small lambdas
    /// (Cool-chic's values: 16, 20 below lambda 5e-4, 24 below 2e-4).
    var latentGain: Float {
        if lambda < 2e-4 { return 24 }
        if lambda < 5e-4 { return 20 }
        return 16
    }
}
