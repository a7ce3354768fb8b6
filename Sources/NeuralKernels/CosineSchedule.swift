import Foundation

/// Learning rate with linear warm-up then cosine decay (Loshchilov & Hutter 2017, without restarts).
///
/// For 0-based `step`: during warm-up (`step < warmupSteps`) the rate rises linearly,
/// `peak * (step + 1) / warmupSteps`; then, with `progress = (step - warmupSteps) /
/// (totalSteps - warmupSteps)` clamped to [0, 1], it is
/// `floor + (peak - floor) * 0.5 * (1 + cos(pi * progress))`.
public struct CosineSchedule: Sendable, Equatable {
    public var peak: Float
    public var floor: Float
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(peak: Float, floor: Float = 0, warmupSteps: Int = 0, totalSteps: Int) {
        self.peak = peak
        self.floor = floor
        self.warmupSteps = max(0, warmupSteps)
        self.totalSteps = max(0, totalSteps)
    }

    /// The learning rate at 0-based `step`.
    public func learningRate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        let span = max(1, totalSteps - warmupSteps)
        let progress = min(1, max(0, Double(step - warmupSteps) / Double(span)))
        return floor + (peak - floor) * Float(0.5 * (1 + cos(Double.pi * progress)))
    }
}
