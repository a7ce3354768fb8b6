/// The vector loops every layer's kernels share: scaled add, dot product and sum over contiguous
/// Float buffers, in SIMD8 lanes with a scalar tail and a fixed summation order (so a result
/// depends only on its inputs, never on the thread or the caller). Inlined into the callers' loops.
public enum VectorOps {
    /// `y[i] = y[i] + a * x[i]` for `i < count` (SIMD8 lanes, then a scalar tail; multiply and add
    /// rounded separately).
    @inlinable @inline(__always)
    public static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
        var i = 0
        while i + 8 <= count {
            let v = ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                + rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) * a
            ry.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            y[i] = y[i] + a * x[i]
            i += 1
        }
    }

    /// `sum_i a[i] * b[i]`: four interleaved SIMD8 accumulators over blocks of 32 (independent add
    /// chains, so the loop runs at load speed instead of waiting on each add), combined as
    /// `(s0 + s1) + (s2 + s3)`, then SIMD8 steps, the lanes summed in lane order (`SIMD.sum()`),
    /// then a scalar tail added last. 0 when `count <= 0`. The C kernels that fuse dot products into
    /// other passes (`nk_upsample_*_backward`, `nk_synthesis_*_backward`) reproduce this order.
    @inlinable @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        guard count > 0 else { return 0 }
        var acc0 = SIMD8<Float>.zero, acc1 = acc0, acc2 = acc0, acc3 = acc0
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        @inline(__always) func product(_ j: Int) -> SIMD8<Float> {
            ra.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
        }
        while i + 32 <= count {
            acc0 = acc0 + product(i)
            acc1 = acc1 + product(i + 8)
            acc2 = acc2 + product(i + 16)
            acc3 = acc3 + product(i + 24)
            i += 32
        }
        var acc = (acc0 + acc1) + (acc2 + acc3)
        while i + 8 <= count {
            acc = acc + product(i)
            i += 8
        }
        var tail: Float = 0
        while i < count {
            tail = tail + a[i] * b[i]
            i += 1
        }
        return acc.sum() + tail
    }

    /// `sum_i a[i]`: SIMD8 steps, the lanes summed in lane order, then a scalar tail added last.
    @inlinable @inline(__always)
    public static func sum(_ a: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>.zero
        var i = 0
        let ra = UnsafeRawPointer(a)
        while i + 8 <= count {
            acc = acc + ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var tail: Float = 0
        while i < count {
            tail = tail + a[i]
            i += 1
        }
        return acc.sum() + tail
    }
}
