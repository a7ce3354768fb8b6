import Foundation

/// Bjontegaard delta between two rate-quality curves (G. Bjontegaard, "Calculation of average PSNR
/// differences between RD-curves", VCEG-M33, 2001), with the conventions of the widely used tools
/// (e.g. the `bjontegaard` Python package and CompressAI's reports): rates in log10, the interpolants
/// integrated exactly over the overlap of the two curves' ranges.
///
/// - `cubic`: least-squares cubic polynomial (the classic method; exact interpolation for 4 points).
/// - `pchip`: monotone piecewise cubic Hermite interpolation (Fritsch & Carlson 1980), with the
///   derivative choice of MATLAB's and SciPy's `pchip`.
public enum Bjontegaard {
    public enum Interpolation: String, Sendable, CaseIterable {
        case cubic
        case pchip

        var minimumPoints: Int { self == .cubic ? 4 : 2 }
    }

    /// One encoding: its rate and its quality (PSNR in dB, MS-SSIM, ...).
    public struct RDPoint: Sendable, Equatable {
        public var bitsPerPixel: Double
        public var quality: Double

        public init(bitsPerPixel: Double, quality: Double) {
            self.bitsPerPixel = bitsPerPixel
            self.quality = quality
        }
    }

    /// Average rate difference in percent at equal quality; negative = test needs fewer bits than anchor.
    public static func deltaRate(
        anchor: [RDPoint], test: [RDPoint], interpolation: Interpolation = .pchip
    ) throws(BjontegaardError) -> Double {
        let a = try logRateCurve(anchor, name: "anchor", interpolation: interpolation)
        let t = try logRateCurve(test, name: "test", interpolation: interpolation)
        let averageLogRate = try averageDifference(
            anchor: (a.quality, a.logRate), test: (t.quality, t.logRate), interpolation: interpolation)
        return (pow(10, averageLogRate) - 1) * 100
    }

    /// Average quality difference at equal rate (dB for PSNR); positive = test is better.
    public static func deltaQuality(
        anchor: [RDPoint], test: [RDPoint], interpolation: Interpolation = .pchip
    ) throws(BjontegaardError) -> Double {
        let a = try logRateCurve(anchor, name: "anchor", interpolation: interpolation)
        let t = try logRateCurve(test, name: "test", interpolation: interpolation)
        return try averageDifference(
            anchor: (a.logRate, a.quality), test: (t.logRate, t.quality), interpolation: interpolation)
    }

    /// Points sorted by rate, checked, with log10 rates.
    private static func logRateCurve(
        _ points: [RDPoint], name: String, interpolation: Interpolation
    ) throws(BjontegaardError) -> (logRate: [Double], quality: [Double]) {
        guard points.count >= interpolation.minimumPoints else {
            throw .tooFewPoints(curve: name, count: points.count, minimum: interpolation.minimumPoints)
        }
        guard points.allSatisfy({ $0.bitsPerPixel > 0 && $0.bitsPerPixel.isFinite && $0.quality.isFinite }) else {
            throw .invalidValue(curve: name)
        }
        let sorted = points.sorted { $0.bitsPerPixel < $1.bitsPerPixel }
        for (lower, upper) in zip(sorted, sorted.dropFirst())
        where !(upper.bitsPerPixel > lower.bitsPerPixel && upper.quality > lower.quality) {
            throw .notMonotone(curve: name)
        }
        return (sorted.map { log10($0.bitsPerPixel) }, sorted.map(\.quality))
    }

    /// Mean of (test(x) - anchor(x)) over the overlap of the curves' x ranges; x strictly increasing.
    private static func averageDifference(
        anchor: ([Double], [Double]), test: ([Double], [Double]), interpolation: Interpolation
    ) throws(BjontegaardError) -> Double {
        let low = max(anchor.0[0], test.0[0])
        let high = min(anchor.0[anchor.0.count - 1], test.0[test.0.count - 1])
        guard high > low else { throw .noOverlap }
        let anchorIntegral = integral(x: anchor.0, y: anchor.1, from: low, to: high, interpolation: interpolation)
        let testIntegral = integral(x: test.0, y: test.1, from: low, to: high, interpolation: interpolation)
        return (testIntegral - anchorIntegral) / (high - low)
    }

    private static func integral(x: [Double], y: [Double], from low: Double, to high: Double, interpolation: Interpolation) -> Double {
        switch interpolation {
        case .cubic: CubicFit(x: x, y: y).integral(from: low, to: high)
        case .pchip: MonotoneCubicInterpolant(x: x, y: y).integral(from: low, to: high)
        }
    }
}
