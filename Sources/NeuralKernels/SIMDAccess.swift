/// Unaligned SIMD loads and stores on Float buffers, always inlined into the hot loops.
@inline(__always)
func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func load8(_ pointer: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func store8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
}

@inline(__always)
func load4(_ pointer: UnsafePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Float>.self)
}

/// Eight samples `stride` apart.
@inline(__always)
func gather8(_ pointer: UnsafePointer<Float>, stride: Int) -> SIMD8<Float> {
    SIMD8(pointer[0], pointer[stride], pointer[2 * stride], pointer[3 * stride],
          pointer[4 * stride], pointer[5 * stride], pointer[6 * stride], pointer[7 * stride])
}

/// Sum of the eight lanes in a fixed order (the same on every platform).
@inline(__always)
func horizontalSum(_ v: SIMD8<Float>) -> Float {
    let half = v.lowHalf + v.highHalf
    let quarter = half.lowHalf + half.highHalf
    return quarter.x + quarter.y
}
