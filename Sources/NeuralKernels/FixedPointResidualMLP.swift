import CNeuralKernels

/// One position of a Q16 fixed-point residual MLP on 256-bit vectors: the entropy model of
/// overfitted codecs (`context` inputs, two residual hidden layers of width `context`, two outputs
/// plus a linear branch from the inputs), whose scalar definition is wrapping Int64 arithmetic:
///
///     h1 = max(x + ((W1 x + 2^15) >> 16) + b1, 0)
///     h2 = max(h1 + ((W2 h1 + 2^15) >> 16) + b2, 0)
///     sums[k] = sum_i wOut[k][i] * h2[i] + wLinear[k][i] * x[i]      (k = 0, 1)
///
/// Why the vector path gives the same bits: products are formed as signed 32 x 32 -> 64-bit
/// multiplies, which equal the Int64 products exactly when both factors lie in the Int32 range
/// (|w * a| < 2^62). The weights are checked once here; every input and hidden activation is checked
/// for each position, and ``sums(_:scratch:)`` returns nil (the caller then runs its Int64 path)
/// when one lies outside. Wrapping Int64 addition is exact modulo 2^64 in any order, so the vector
/// lanes' different summation order does not change the result.
public struct FixedPointResidualMLP: Sendable {
    public let context: Int
    /// `context` rounded up to a multiple of 4: the length of the input buffer ``sums(_:scratch:)``
    /// reads (the values beyond `context` must be zero).
    public let paddedContext: Int
    private let packed: [Int64]
    /// W1 transposed as Int32 with rows of ``latentStride`` (empty when a row of W1 fails the bound
    /// of ``usesLatentLayer``).
    private let narrowW1: [Int32]

    /// `context` rounded up to a multiple of 8: the row length of the latents ``batchSums(_:latents:count:scratch:sums:done:)`` reads.
    public var latentStride: Int { (context + 7) / 8 * 8 }

    /// Whether inputs given as small integers (latents in -64...64, each input being latent * 2^16)
    /// take the 32-bit layer-1 path: true when every row of W1 has `sum_i |W1[o][i]| * 64 < 2^31`,
    /// which keeps every partial sum of `sum_i W1[o][i] * latent[i]` inside Int32 (see the proof at
    /// `layer1_narrow_avx2` in CNeuralKernels).
    public var usesLatentLayer: Bool { !narrowW1.isEmpty }

    /// Largest context the kernel supports.
    public static let maximumContext = 40

    /// Packs the parameters (row-major `w1`, `w2`: `context x context`; `wOut`, `wLinear`:
    /// `2 x context`; `b1`, `b2`: `context`). Nil when the CPU lacks AVX2 (or ``Acceleration`` is
    /// capped below it), the context is outside 1...40, a count does not match, or a weight is
    /// outside the Int32 range.
    public init?(context c: Int, w1: [Int64], b1: [Int64], w2: [Int64], b2: [Int64], wOut: [Int64], wLinear: [Int64]) {
        guard Acceleration.level >= .avx2, (1...Self.maximumContext).contains(c),
              w1.count == c * c, w2.count == c * c, wOut.count == 2 * c, wLinear.count == 2 * c,
              b1.count == c, b2.count == c else { return nil }
        let int32 = Int64(Int32.min)...Int64(Int32.max)
        guard (w1 + w2 + wOut + wLinear).allSatisfy({ int32.contains($0) }) else { return nil }
        let p = (c + 3) / 4 * 4
        func transposed(_ w: [Int64]) -> [Int64] {
            var t = [Int64](repeating: 0, count: c * p)
            for o in 0..<c { for i in 0..<c { t[i * p + o] = w[o * c + i] } }
            return t
        }
        func rows(_ w: [Int64], count: Int) -> [Int64] {
            var padded = [Int64](repeating: 0, count: count * p)
            for r in 0..<count { for i in 0..<c { padded[r * p + i] = w[r * c + i] } }
            return padded
        }
        context = c
        paddedContext = p
        packed = transposed(w1) + transposed(w2) + rows(wOut, count: 2) + rows(wLinear, count: 2)
            + rows(b1, count: 1) + rows(b2, count: 1)
        // |W1[o][i]| < 2^31 and c <= 40, so these Int64 sums cannot overflow.
        let rowsFit = (0..<c).allSatisfy { o in (0..<c).reduce(Int64(0)) { $0 + Int64(w1[o * c + $1].magnitude) } * 64 < 1 << 31 }
        if rowsFit {
            let p8 = (c + 7) / 8 * 8
            var t = [Int32](repeating: 0, count: c * p8)
            for o in 0..<c { for i in 0..<c { t[i * p8 + o] = Int32(w1[o * c + i]) } }
            narrowW1 = t
        } else {
            narrowW1 = []
        }
    }

    /// Scratch values ``sums(_:scratch:)`` needs.
    public var scratchCount: Int { 2 * paddedContext }

    /// ``sums(_:scratch:)`` for `count` positions: inputs at `inputs + n * paddedContext`, sums to
    /// `sums[2n]` and `sums[2n + 1]`; `done[n]` is 0 where ``sums(_:scratch:)`` would return nil.
    /// `latents`, when given, must hold the same inputs divided by 2^16 (rows of ``latentStride``,
    /// zero padding): then, when ``usesLatentLayer``, positions whose latents are in -64...64 compute
    /// layer 1 with 32-bit products (same results).
    public func batchSums(_ inputs: UnsafePointer<Int64>, latents: UnsafePointer<Int32>?, count: Int,
                          scratch: UnsafeMutablePointer<Int64>, sums: UnsafeMutablePointer<Int64>,
                          done: UnsafeMutablePointer<UInt8>) {
        packed.withUnsafeBufferPointer { p in
            narrowW1.withUnsafeBufferPointer { n in
                nk_fixed_residual_mlp_batch_avx2(p.baseAddress, Int32(context), inputs, n.baseAddress,
                                                 n.isEmpty ? nil : latents, count, scratch, sums, done)
            }
        }
    }

    /// The two output sums for `input` (``paddedContext`` values, zero beyond ``context``), or nil
    /// when an input or hidden activation is outside the Int32 range.
    @inline(__always)
    public func sums(_ input: UnsafePointer<Int64>, scratch: UnsafeMutablePointer<Int64>) -> (Int64, Int64)? {
        var result: (Int64, Int64) = (0, 0)
        let done = packed.withUnsafeBufferPointer { p in
            withUnsafeMutablePointer(to: &result) { r in
                r.withMemoryRebound(to: Int64.self, capacity: 2) { sums in
                    nk_fixed_residual_mlp_avx2(p.baseAddress, Int32(context), input, scratch, sums)
                }
            }
        }
        return done != 0 ? result : nil
    }
}
