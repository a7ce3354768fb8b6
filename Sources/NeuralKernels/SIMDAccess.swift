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

/// Sum of the eight lanes in a fixed order (the same on every platform).
@inline(__always)
func horizontalSum(_ v: SIMD8<Float>) -> Float {
    let half = v.lowHalf + v.highHalf
    let quarter = half.lowHalf + half.highHalf
    return quarter.x + quarter.y
}

/// `target[j] = mask[j] > 0 ? source[j] : 0` for `j < n` (ReLU backward from the ReLU's output).
@inline(__always)
func copyWherePositive(_ source: UnsafePointer<Float>, mask: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count n: Int) {
    var j = 0
    while j + 8 <= n {
        let g = load8(source + j)
        store8(g.replacing(with: 0, where: load8(mask + j) .<= 0), target + j)
        j += 8
    }
    while j < n {
        target[j] = mask[j] > 0 ? source[j] : 0
        j += 1
    }
}

/// `target[j] = max(target[j], 0)` for `j < n` (ReLU in place).
@inline(__always)
func clampBelowAtZero(_ target: UnsafeMutablePointer<Float>, count n: Int) {
    var j = 0
    while j + 8 <= n {
        store8(pointwiseMax(load8(target + j), SIMD8<Float>(repeating: 0)), target + j)
        j += 8
    }
    while j < n {
        target[j] = max(target[j], 0)
        j += 1
    }
}

/// `target[j] = a[j] + b[j]` for `j < n`.
@inline(__always)
func addVectors(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count n: Int) {
    var j = 0
    while j + 8 <= n {
        store8(load8(a + j) + load8(b + j), target + j)
        j += 8
    }
    while j < n {
        target[j] = a[j] + b[j]
        j += 1
    }
}

/// Up to eight consecutive floats as one `SIMD8<Float>`, for vector loops whose last step is
/// shorter than eight: missing lanes load as 0 and are not stored.
public enum VectorLanes {
    @inlinable @inline(__always)
    public static func load(_ pointer: UnsafePointer<Float>, count: Int) -> SIMD8<Float> {
        if count >= 8 { return UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self) }
        var vector = SIMD8<Float>(repeating: 0)
        for lane in 0..<count { vector[lane] = pointer[lane] }
        return vector
    }

    @inlinable @inline(__always)
    public static func load(_ pointer: UnsafeMutablePointer<Float>, count: Int) -> SIMD8<Float> {
        load(UnsafePointer(pointer), count: count)
    }

    /// `vector` clamped to [0, 1] lane by lane with masked replacements, inlined (SIMD's
    /// `clamped(lowerBound:upperBound:)` can stay an out-of-line call in a hot loop).
    @inlinable @inline(__always)
    public static func clampedToUnit(_ vector: SIMD8<Float>) -> SIMD8<Float> {
        vector.replacing(with: 0, where: vector .< 0).replacing(with: 1, where: vector .> 1)
    }

    @inlinable @inline(__always)
    public static func store(_ vector: SIMD8<Float>, to pointer: UnsafeMutablePointer<Float>, count: Int) {
        if count >= 8 {
            UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: SIMD8<Float>.self)
        } else {
            for lane in 0..<count { pointer[lane] = vector[lane] }
        }
    }
}
