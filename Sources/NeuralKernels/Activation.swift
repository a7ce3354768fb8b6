import Foundation

/// Point-wise activations with their gradients, on contiguous buffers, multi-core.
///
/// Every backward takes the forward INPUT `x` (not the output) and writes (or, with
/// `accumulate`, adds) `gradInput[i] = f'(x[i]) * gradOutput[i]`. At 0, ReLU's derivative is 0.
public enum Activation {
    static let grain = 1 << 16

    /// `output[i] = max(0, x[i])`; may run in place.
    public static func relu(_ x: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        leakyReLU(x, slope: 0, output: output, count: count)
    }

    /// ReLU backward: `gradInput = x > 0 ? gradOutput : 0`.
    public static func reluBackward(_ x: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                    gradInput: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool = false) {
        leakyReLUBackward(x, slope: 0, gradOutput: gradOutput, gradInput: gradInput, count: count, accumulate: accumulate)
    }

    /// `output[i] = x[i] > 0 ? x[i] : slope * x[i]`; may run in place.
    public static func leakyReLU(_ x: UnsafePointer<Float>, slope: Float, output: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forRanges(count: count, grain: grain) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                let v = load8(x + i)
                store8(v.replacing(with: v * slope, where: v .<= 0), output + i)
                i += 8
            }
            while i < range.upperBound {
                output[i] = x[i] > 0 ? x[i] : x[i] * slope
                i += 1
            }
        }
    }

    /// LeakyReLU backward: `gradInput = gradOutput * (x > 0 ? 1 : slope)`.
    public static func leakyReLUBackward(_ x: UnsafePointer<Float>, slope: Float, gradOutput: UnsafePointer<Float>,
                                         gradInput: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool = false) {
        Parallel.forRanges(count: count, grain: grain) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                let g = load8(gradOutput + i)
                var d = g.replacing(with: g * slope, where: load8(x + i) .<= 0)
                if accumulate { d = load8(gradInput + i) + d }
                store8(d, gradInput + i)
                i += 8
            }
            while i < range.upperBound {
                let d = x[i] > 0 ? gradOutput[i] : gradOutput[i] * slope
                gradInput[i] = accumulate ? gradInput[i] + d : d
                i += 1
            }
        }
    }

    /// GELU (exact form): `x * Phi(x)` with `Phi` the standard normal CDF, `0.5 * (1 + erf(x / sqrt 2))`.
    public static func gelu(_ x: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forRanges(count: count, grain: grain / 4) { range in
            for i in range {
                let v = x[i]
                output[i] = v * 0.5 * (1 + erf(v * Float(0.5).squareRoot()))
            }
        }
    }

    /// GELU backward: `d/dx [x Phi(x)] = Phi(x) + x phi(x)`.
    public static func geluBackward(_ x: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                    gradInput: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool = false) {
        let inverseSqrt2Pi = 1 / Float(2 * Double.pi).squareRoot()
        Parallel.forRanges(count: count, grain: grain / 4) { range in
            for i in range {
                let v = x[i]
                let cdf = 0.5 * (1 + erf(v * Float(0.5).squareRoot()))
                let pdf = inverseSqrt2Pi * exp(-0.5 * v * v)
                let d = gradOutput[i] * (cdf + v * pdf)
                gradInput[i] = accumulate ? gradInput[i] + d : d
            }
        }
    }
}
