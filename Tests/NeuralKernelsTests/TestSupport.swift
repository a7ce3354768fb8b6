import NeuralKernels

/// Deterministic pseudo-random values for tests (64-bit LCG, top bits).
struct TestRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 }

    mutating func next() -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(state >> 40) / 16_777_216 * 2 - 1
    }

    mutating func array(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in next() * scale }
    }
}

/// Largest |a - b| relative to max(1, |b|) over two arrays.
func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
}

/// Central finite differences of `loss` with respect to every element of `values`.
func numericGradient(_ values: [Float], step: Float, _ loss: ([Float]) -> Double) -> [Float] {
    var probe = values
    return (0..<values.count).map { i in
        probe[i] = values[i] + step
        let up = loss(probe)
        probe[i] = values[i] - step
        let down = loss(probe)
        probe[i] = values[i]
        return Float((up - down) / (2 * Double(step)))
    }
}

/// `sum_i a[i] * b[i]` in Double: the scalar loss used to test backward passes.
func weightedSum(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

/// Calls `body` with base addresses of arrays (never nil: empty arrays get a 1-element dummy).
func withPointers<R>(_ a: [Float], _ body: (UnsafePointer<Float>) -> R) -> R {
    let storage = a.isEmpty ? [Float(0)] : a
    return storage.withUnsafeBufferPointer { body($0.baseAddress!) }
}
