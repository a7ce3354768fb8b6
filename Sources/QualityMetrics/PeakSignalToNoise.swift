import Foundation
import ImageCore

/// Peak signal-to-noise ratio on normalised planes (peak 1 = the largest value of the bit depth).
public enum PeakSignalToNoise {
    /// Mean squared error over all samples of the plane pairs, in normalised units.
    public static func meanSquaredError(_ reference: [Plane], _ distorted: [Plane]) -> Double {
        var total = 0.0
        var count = 0
        for (a, b) in zip(reference, distorted) {
            total += sumOfSquaredDifferences(a.samples, b.samples)
            count += a.samples.count
        }
        return count == 0 ? 0 : total / Double(count)
    }

    /// 10 log10(1 / mse); +infinity when the error is zero.
    public static func decibels(meanSquaredError mse: Double) -> Double {
        mse > 0 ? -10 * log10(mse) : .infinity
    }

    /// PSNR in dB of the plane pairs pooled into one MSE.
    public static func psnr(_ reference: [Plane], _ distorted: [Plane]) -> Double {
        decibels(meanSquaredError: meanSquaredError(reference, distorted))
    }

    private static func sumOfSquaredDifferences(_ a: [Float], _ b: [Float]) -> Double {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                guard let aBase = a.baseAddress, let bBase = b.baseAddress else { return 0 }
                var total = 0.0
                let count = min(a.count, b.count)
                var index = 0
                // Rows of 1024 samples summed in Float lanes, then in Double: exact enough, fast.
                while index < count {
                    let end = min(index + 1024, count)
                    var lanes = SIMD8<Float>()
                    while index + 8 <= end {
                        let difference = UnsafeRawPointer(aBase + index).loadUnaligned(as: SIMD8<Float>.self)
                            - UnsafeRawPointer(bBase + index).loadUnaligned(as: SIMD8<Float>.self)
                        lanes += difference * difference
                        index += 8
                    }
                    var partial = Double(lanes.sum())
                    while index < end {
                        let difference = Double(a[index] - b[index])
                        partial += difference * difference
                        index += 1
                    }
                    total += partial
                }
                return total
            }
        }
    }
}
