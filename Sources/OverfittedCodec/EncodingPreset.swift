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

    /// Total training iterations (warm-up, main phase and the final phase on hard-rounded latents)
    /// for a decoder of `complexity`. The named presets are time budgets, the same at every
    /// complexity: on a Kodak image (768x512) with two cores of an AMD EPYC Zen 4, about 30 s (fast),
    /// 1.5 minutes (medium) and 7.5 minutes (slow); on a 2.1 GHz Intel Xeon the fast and slow presets
    /// took about 50 s and 8.4 minutes, under their 1- and 10-minute targets. A training step of the
    /// medium, high and very-high decoders costs about 1.4, 2.2 and 3.2 times one of the low
    /// decoder, so they get proportionally fewer iterations. When a change made a step cheaper or
    /// dearer, each count moved by the measured ratio of times of a fast-preset encode at that
    /// complexity (BENCHMARKS.md has the history of the counts); the pre-concatenation filter's
    /// ~4% of a step was left in, since both time targets hold with it; the medium column fell by
    /// 1.10 when the medium decoder's synthesis widened from 16 to 32. A model that leaves its
    /// finest grid out (`uncodedGrids > 0`) gets ``uncodedGridIterationScale`` times as many.
    public func iterationCount(for complexity: DecoderComplexity, uncodedGrids: Int = 0) -> Int {
        if case .iterations(let count) = self { return max(1, count) }
        let count = namedCount(for: complexity)
        return uncodedGrids > 0 ? Int((Double(count) * Self.uncodedGridIterationScale).rounded()) : count
    }

    /// How many times the iterations of a model with its finest grid a model without it gets in the
    /// same time: the fast preset's encode of kodim15 at lambda 2e-2 (medium complexity, 2 threads)
    /// took 0.669 of the time without the finest grid (median of 4 alternating pairs on a 2.1 GHz
    /// Xeon, forty-first session), its ARM and its latents' passes a quarter of their size. Measured
    /// at medium complexity (its synthesis then 16 wide), used at every one.
    static let uncodedGridIterationScale = 1.49

    private func namedCount(for complexity: DecoderComplexity) -> Int {
        let counts: (low: Int, medium: Int, high: Int, veryHigh: Int)
        switch self {
        case .fast: counts = (1660, 1064, 770, 520)
        case .medium: counts = (5370, 3455, 2530, 1730)
        case .slow: counts = (19240, 12355, 9060, 6200)
        case .iterations(let count): return count
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
