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

    /// Total training iterations (warm-up, main phase and final straight-through phase). The fast
    /// preset's 440 keep a Kodak image under a minute on two cores (about 50 s, low complexity).
    public var iterationCount: Int {
        switch self {
        case .fast: 440
        case .medium: 1500
        case .slow: 5000
        case .iterations(let count): max(1, count)
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
