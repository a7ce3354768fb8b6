import Foundation
import QualityMetrics

/// Bjontegaard-delta rates of curves against an anchor curve, on PSNR-RGB and on MS-SSIM-RGB in dB.
public enum BDRateTable {
    /// The BD-rates of one curve (percent; negative = fewer bits than the anchor at equal quality),
    /// or why one could not be computed.
    public struct Row: Sendable, Equatable {
        public var curve: String
        public var label: String
        public var psnr: Result<Double, BDRateUnavailable>
        public var msSSIM: Result<Double, BDRateUnavailable>
    }

    /// Why a BD-rate is missing (too few points, no overlap, metric not published).
    public struct BDRateUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The rows of every curve in `curves` against `anchor` (the anchor's own row included: 0 %).
    public static func rows(curves: [RDCurve], anchor: RDCurve) -> [Row] {
        curves.map { curve in
            Row(curve: curve.name, label: curve.label,
                psnr: deltaRate(anchor: anchor, test: curve, quality: \.psnrRGB),
                msSSIM: deltaRate(anchor: anchor, test: curve, quality: \.msSSIMDecibels))
        }
    }

    /// BD-rate of `test` against `anchor` on one quality (piecewise-cubic Hermite interpolation).
    public static func deltaRate(anchor: RDCurve, test: RDCurve, quality: KeyPath<RDCurve.Point, Double?>)
        -> Result<Double, BDRateUnavailable> {
        let anchorPoints = points(anchor, quality), testPoints = points(test, quality)
        guard !anchorPoints.isEmpty, !testPoints.isEmpty else {
            return .failure(BDRateUnavailable(description: "metric not available"))
        }
        do {
            return .success(try Bjontegaard.deltaRate(anchor: anchorPoints, test: testPoints, interpolation: .pchip))
        } catch {
            return .failure(BDRateUnavailable(description: String(describing: error)))
        }
    }

    /// The curve that needs the fewest bits: lowest mean BD-rate (PSNR) against all the others.
    public static func best(among curves: [RDCurve]) -> RDCurve? {
        guard curves.count > 1 else { return curves.first }
        let scores = curves.map { candidate -> Double in
            let rates = curves.filter { $0.name != candidate.name }
                .compactMap { try? deltaRate(anchor: $0, test: candidate, quality: \.psnrRGB).get() }
            return rates.isEmpty ? .infinity : rates.reduce(0, +) / Double(rates.count)
        }
        guard let index = scores.indices.min(by: { scores[$0] < scores[$1] }), scores[index].isFinite else {
            return curves.first
        }
        return curves[index]
    }

    private static func points(_ curve: RDCurve, _ quality: KeyPath<RDCurve.Point, Double?>) -> [Bjontegaard.RDPoint] {
        curve.points.compactMap { point in
            point[keyPath: quality].flatMap { $0.isFinite ? Bjontegaard.RDPoint(bitsPerPixel: point.bitsPerPixel, quality: $0) : nil }
        }
    }
}
