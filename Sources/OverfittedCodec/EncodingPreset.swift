/// How long the encoder trains: a named preset or an explicit number of iterations.
public enum EncodingPreset: Sendable, Equatable, CustomStringConvertible {
    case fast
    case medium
    case slow
    case iterations(Int)

    /// Parses `fast`, `medium`, `slow` or a positive iteration count.
    public init?(argument: String) {
        switch argument.lowercased() {
        case "fast": self = .fast
        case "medium": self = .medium
        case "slow": self = .slow
        default:
            guard let count = Int(argument), count > 0 else { return nil }
            self = .iterations(count)
        }
    }

    /// Total training iterations (warm-up, main phase and final straight-through phase) for a
    /// decoder of `complexity`. The named presets are time budgets: on a Kodak image (768x512) with
    /// two cores, about 30 s (fast), 1.5 minutes (medium) and 5 to 8 minutes (slow) on an AVX-512
    /// EPYC (up to 1.7 times that on an AVX2-only one), whatever the complexity. A training step of
    /// the medium, high and very-high decoders costs about 1.3, 2.2 and 3.0 times one of the low
    /// decoder (kodim15, fast preset, 2 threads), so they get proportionally fewer iterations (the
    /// slow preset a little fewer still at high and very high, to stay under 10 minutes on AVX2).
    /// Since the parallel loops run on persistent workers, the counts are 20% (low) to 10% (very
    /// high) above those of the time they were measured at; since the warm-up runs at half
    /// resolution (``TrainingSchedule/halfResolutionFraction``), 7.5% above that again (fast preset
    /// at medium complexity, kodim15: 560 iterations took the CPU time 520 took before); since the
    /// ARM's weight gradient is sampled (``TrainingSchedule/weightGradientStride``), 7% (low)
    /// and 10% (medium) above that again (high and very high: unchanged, their steps 2% cheaper);
    /// since the synthesis's is too, 9% (low), 12% (medium), 10% (high) and 13% (very high) above
    /// that.
    public func iterationCount(for complexity: DecoderComplexity) -> Int {
        let counts: (low: Int, medium: Int, high: Int, veryHigh: Int)
        switch self {
        case .fast: counts = (905, 690, 370, 260)
        case .medium: counts = (3085, 2355, 1245, 885)
        case .slow: counts = (12340, 9140, 4610, 3605)
        case .iterations(let count): return max(1, count)
        }
        switch complexity {
        case .low: return counts.low
        case .medium: return counts.medium
        case .high: return counts.high
        case .veryHigh: return counts.veryHigh
        }
    }

    public var description: String {
        switch self {
        case .fast: "fast"
        case .medium: "medium"
        case .slow: "slow"
        case .iterations(let count): "\(count)"
        }
    }
}
