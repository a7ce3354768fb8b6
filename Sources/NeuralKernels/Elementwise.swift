/// Element-wise operations on contiguous Float buffers (residual adds and friends), multi-core
/// above a size threshold.
///
/// The backward of `output = a + b` is the identity to both inputs: pass the output gradient on
/// (or use ``add(_:into:count:)`` to accumulate it).
public enum Elementwise {
    static let grain = 1 << 16

    /// `output[i] = a[i] + b[i]`; `output` may alias `a` or `b`.
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                           count: Int) {
        Parallel.forRanges(count: count, grain: grain) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                store8(load8(a + i) + load8(b + i), output + i)
                i += 8
            }
            while i < range.upperBound {
                output[i] = a[i] + b[i]
                i += 1
            }
        }
    }

    /// `target[i] += source[i]`.
    public static func add(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
        add(source, UnsafePointer(target), output: target, count: count)
    }

    /// `target[i] += scale * source[i]`.
    public static func addScaled(_ source: UnsafePointer<Float>, scale: Float, into target: UnsafeMutablePointer<Float>,
                                 count: Int) {
        Parallel.forRanges(count: count, grain: grain) { range in
            VectorOps.axpy(scale, source + range.lowerBound, target + range.lowerBound, count: range.count)
        }
    }
}
