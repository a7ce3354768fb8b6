import Foundation

/// A linear axis rounded outwards to "nice" tick steps (1, 2 or 5 times a power of ten).
struct PlotAxis: Equatable {
    let lowerBound: Double
    let upperBound: Double
    let step: Double

    /// An axis covering `from...to` with about `targetTicks` intervals.
    init(from low: Double, to high: Double, targetTicks: Int) {
        var low = low, high = high
        if !(high > low) {
            low -= 0.5
            high += 0.5
        }
        let step = Self.niceStep(for: (high - low) / Double(max(targetTicks, 1)))
        self.step = step
        lowerBound = (low / step).rounded(.down) * step
        upperBound = (high / step).rounded(.up) * step
    }

    /// The tick positions, bounds included.
    var ticks: [Double] {
        let count = Int(((upperBound - lowerBound) / step).rounded())
        return (0...count).map { lowerBound + Double($0) * step }
    }

    /// Where `value` lies, 0 at the lower bound and 1 at the upper.
    func fraction(_ value: Double) -> Double {
        (value - lowerBound) / (upperBound - lowerBound)
    }

    /// A tick label with as many decimals as the step needs.
    func label(_ value: Double) -> String {
        let decimals = max(0, Int((-log10(step)).rounded(.up)))
        return String(format: "%.\(decimals)f", value)
    }

    /// The smallest of 1, 2, 5 times a power of ten that is at least `raw`.
    static func niceStep(for raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = pow(10, (log10(raw)).rounded(.down))
        for factor in [1.0, 2, 5, 10] where factor * power >= raw * (1 - 1e-9) {
            return factor * power
        }
        return 10 * power
    }
}
