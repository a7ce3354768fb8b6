/// Mean squared error between two buffers.
public enum MeanSquaredError {
    static let chunk = 1 << 15

    /// Returns `sum_i (prediction[i] - target[i])^2 / count` (accumulated in Double, chunk sums in
    /// a fixed order) and, if `gradient` is given, writes `gradient[i] = scale * 2 (prediction[i] - target[i]) / count`.
    public static func loss(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int,
                            gradient: UnsafeMutablePointer<Float>? = nil, scale: Float = 1) -> Double {
        guard count > 0 else { return 0 }
        let factor = scale * 2 / Float(count)
        let sum = Parallel.sumOverRanges(count: count, grain: chunk) { range in
            var acc = SIMD8<Float>()
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                let d = load8(prediction + i) - load8(target + i)
                acc = acc + d * d
                if let gradient { store8(d * factor, gradient + i) }
                i += 8
            }
            var total = Double(horizontalSum(acc))
            while i < range.upperBound {
                let d = prediction[i] - target[i]
                total += Double(d * d)
                gradient?[i] = d * factor
                i += 1
            }
            return total
        }
        return sum / Double(count)
    }
}
