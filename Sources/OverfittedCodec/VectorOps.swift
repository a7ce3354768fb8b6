/// Small SIMD helpers for the codec's plane loops.
enum VectorOps {
    /// `y[i] = y[i] + a * x[i]` for `i < count` (SIMD8 lanes, then a scalar tail).
    @inline(__always)
    static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
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
}
