import Foundation

/// Soft rounding (Agustsson & Theis, "Universally Quantized Neural Compression", 2020, sec. 4.1):
/// `s(x) = floor(x) + 1/2 + tanh((x - floor(x) - 1/2) / t) / (2 tanh(1 / (2t)))`; `t -> 0` is
/// rounding, large `t` the identity.
enum SoftRound {
    /// Value and derivative.
    @inline(__always)
    static func apply(_ x: Float, temperature t: Float) -> (value: Float, derivative: Float) {
        let floorX = x.rounded(.down)
        let delta = x - floorX - 0.5
        let th = Foundation.tanh(delta / t)
        let normaliser = 1 / (2 * Foundation.tanh(1 / (2 * t)))
        return (floorX + 0.5 + th * normaliser, (1 - th * th) / t * normaliser)
    }
}
