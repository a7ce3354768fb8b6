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
    /// two cores, about 30 s (fast), 1.5 minutes (medium) and 5 to 8 minutes (slow) on the AVX-512
    /// machines they were measured on (up to 1.7 times that on an AVX2-only one), whatever the
    /// complexity. A training step of the medium, high and very-high decoders costs more than one of
    /// the low decoder, so they get proportionally fewer iterations (the slow preset a little fewer
    /// still at high and very high, to stay under 10 minutes on AVX2). Whenever a change makes a
    /// step cheaper, each count rises by the measured ratio of CPU times of a fast-preset encode at
    /// that complexity (docs/overfitted-codec.md, "Encoding", lists the changes and ratios).
    public func iterationCount(for complexity: DecoderComplexity) -> Int {
        let counts: (low: Int, medium: Int, high: Int, veryHigh: Int)
        switch self {
        case .fast: counts = (1155, 860, 435, 275)
        case .medium: counts = (3940, 2940, 1470, 930)
        case .slow: counts = (15765, 11400, 5450, 3785)
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
