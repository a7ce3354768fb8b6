/// Why a Bjontegaard delta cannot be computed.
public enum BjontegaardError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A curve has fewer points than the interpolation needs (4 for cubic, 2 for PCHIP).
    case tooFewPoints(curve: String, count: Int, minimum: Int)
    /// Quality does not strictly increase with rate along a curve (or two points share a rate).
    case notMonotone(curve: String)
    /// A rate is zero, negative or not finite, or a quality is not finite.
    case invalidValue(curve: String)
    /// The curves' ranges (of quality for BD-rate, of log-rate for BD-quality) do not overlap.
    case noOverlap

    public var description: String {
        switch self {
        case .tooFewPoints(let curve, let count, let minimum):
            "the \(curve) curve has \(count) point\(count == 1 ? "" : "s"); this interpolation needs at least \(minimum)"
        case .notMonotone(let curve):
            "the \(curve) curve is not monotone: quality must strictly increase with bits per pixel"
        case .invalidValue(let curve):
            "the \(curve) curve has an invalid value: rates must be positive and finite, qualities finite"
        case .noOverlap: "the curves do not overlap, so no Bjontegaard delta can be computed"
        }
    }
}
