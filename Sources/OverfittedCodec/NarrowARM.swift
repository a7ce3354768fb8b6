import CNeuralKernels
import NeuralKernels

/// ``FixedPointARM``'s network in 32-bit integer lanes, 16 positions per vector with AVX-512 (the
/// kernel `nk_arm_narrow_avx512`) or 8 with AVX2 (`nk_arm_narrow_avx2`, the same operations), for networks whose intermediate values provably fit in Int32 when every
/// latent is in -64...64 (the decoder's range; the kernel checks it and refuses other inputs).
///
/// Why it gives the bits of the scalar Int64 path. Each Q16 tensor is factored as `v << s`, `s` the
/// largest power of two (at most 16) dividing all its values: `W1 = v1 << s1`, `b1 = u1 << t1`, and
/// likewise `s2`, `t2`, `sOut`, `sLinear` (the file's step exponents give at least `16 - exponent`; a
/// coarse step on W1 and W2 thus keeps their integers small even when the output weights are fine).
/// Inputs are `lat << 16`. Then W1 x is a multiple of 2^16, so the scalar path's rounding shift of
/// it is exact, and every layer-1 activation is a multiple of 2^g, `g = min(16, s1, t1)`: `h1 = 2^g h1q` with
///
///     h1q = max((lat << (16 - g)) + (v1 << (s1 - g)) . lat + (u1 << (t1 - g)), 0)
///
/// (the ReLU acts after the residual sum; scaling by 2^g commutes with it, and `|max(a + z, 0)| <=
/// |a| + |z|`, so the interval bounds below bound the activations).
///
/// Layer 2's sum is `W2 h1 = 2^(s2 + g) (v2 . h1q)`; with `e = s2 + g - 16`, its rounding shift is
/// `2^e (v2 . h1q)` when `e >= 0` (exact) and `((v2 . h1q) + 2^(-e-1)) >> -e` otherwise (numerator and
/// denominator divided by 2^(s2 + g)). So `h2 = 2^g2 h2q` with `g2 = min(g, e, t2)` (0 when `e < 0`).
/// The output sums are `((vOut . h2q) << (sOut + g2)) + ((vLinear . lat) << (sLinear + 16))`, equal modulo
/// 2^64 to the scalar path's wrapping sums. Interval bounds over latents in -64...64, row by row,
/// show that no 32-bit partial sum overflows (`vOut . h2q` is summed in 64 bits), that the scalar path's Int64 sums do not wrap before
/// its rounding shifts and that its ±2^40 activation clamp never acts; if one fails, `init` gives nil.
struct NarrowARM: Sendable {
    let context: Int
    /// `w1 | b1 | w2 | b2 | wOut | wLinear`, scaled as above, then w1, w2 and wLinear as 16-bit
    /// pairs (zeros where they do not fit): the kernel's layout.
    private let packed: [Int32]
    /// `16 - g`, `g - g2`, the layer-2 rounding shift, `sOut + g2`, `sLinear + 16`, and whether w1,
    /// w2 and wLinear are in pairs.
    private let shifts: [Int32]
    /// Whether the AVX-512 kernel runs (else the AVX2 one).
    let usesAVX512: Bool

    /// Largest latent magnitude the bounds assume.
    static let latentBound: Int64 = 64
    private static let limit: Int64 = 1 << 31
    private static let activationLimit: Int64 = 1 << 40

    /// The network from its Q16 parameters (as ``FixedPointARM`` computes with them; row-major as in
    /// ``ARMLayout``), on the widest kernel `level` (at most ``Acceleration/level``) allows; nil
    /// below AVX2 or when a bound fails.
    init?(context c: Int, w1: [Int64], b1: [Int64], w2: [Int64], b2: [Int64], wOut: [Int64], wLinear: [Int64],
          level: Acceleration.Level = Acceleration.level) {
        let level = min(level, Acceleration.level)
        guard level >= .avx2, (1...Int(NK_ARM_NARROW_MAX_CONTEXT)).contains(c) else { return nil }
        usesAVX512 = level >= .avx512 && nk_avx512bw_available() != 0
        let (v1, s1) = Self.factored(w1), (u1, t1) = Self.factored(b1), (v2, s2) = Self.factored(w2)
        let (u2, t2) = Self.factored(b2), (vOut, sOut) = Self.factored(wOut), (vLinear, sLinear) = Self.factored(wLinear)
        let g = min(16, s1, t1)
        // Layer 1.
        guard let w1q = Self.scaled(v1, by: s1 - g), let b1q = Self.scaled(u1, by: t1 - g) else { return nil }
        let inputBound = Self.latentBound << (16 - g)
        let latentBounds = [Int64](repeating: Self.latentBound, count: c)
        var h1Bounds: [Int64] = []
        for o in 0..<c {
            // Partial sums of b1 + w1 . lat; the scalar path's W1 x is 2^(g + 16) times this sum (< 2^63).
            guard let z = Self.dotBound(w1q[(o * c)..<(o * c + c)], latentBounds, start: UInt64(b1q[o].magnitude)),
                  inputBound + z < Self.limit, (inputBound + z) << g <= Self.activationLimit else { return nil }
            h1Bounds.append(inputBound + z)
        }
        // Layer 2.
        let e = s2 + g - 16
        let g2 = e >= 0 ? min(g, e, t2) : 0
        let round = max(0, -e)
        guard let w2q = Self.scaled(v2, by: max(0, e - g2)), let b2q = Self.scaled(u2, by: t2 - g2) else { return nil }
        for o in 0..<c {
            let start = round > 0 ? Int64(1) << (round - 1) : 0
            // |v2 . h1q| <= p, and the scalar path's W2 h1 is 2^(s2 + g) (v2 . h1q): keep it below 2^62.
            guard let p = Self.dotBound(w2q[(o * c)..<(o * c + c)], h1Bounds, start: UInt64(start)),
                  p < Int64(1) << (62 - s2 - g) else { return nil }
            let residual = h1Bounds[o] << (g - g2)
            let h2 = residual + (p >> round) + 1 + Int64(b2q[o].magnitude)
            guard residual < Self.limit, h2 < Self.limit, h2 << g2 <= Self.activationLimit else { return nil }
        }
        // Outputs.
        guard let wOut32 = Self.scaled(vOut, by: 0), let wLinear32 = Self.scaled(vLinear, by: 0) else { return nil }
        // vOut . h2q has 64-bit products and sums (exact modulo 2^64, as needed); vLinear . lat 32-bit ones.
        for k in 0..<2 {
            guard Self.dotBound(wLinear32[(k * c)..<(k * c + c)], latentBounds, start: 0) != nil else { return nil }
        }
        context = c
        let w1Pairs = Self.pairs(w1q, rows: c, context: c), w2Pairs = Self.pairs(w2q, rows: c, context: c)
        let linearPairs = Self.pairs(wLinear32, rows: 2, context: c)
        packed = w1q + b1q + w2q + b2q + wOut32 + wLinear32 + (w1Pairs ?? Self.noPairs(rows: c, context: c))
            + (w2Pairs ?? Self.noPairs(rows: c, context: c)) + (linearPairs ?? Self.noPairs(rows: 2, context: c))
        shifts = [Int32(16 - g), Int32(g - g2), Int32(round), Int32(sOut + g2), Int32(sLinear + 16),
                  w1Pairs == nil ? 0 : 1, w2Pairs == nil ? 0 : 1, linearPairs == nil ? 0 : 1]
    }

    /// `values` as `v << s` with `s` the largest shift, at most 16, that divides every value exactly.
    private static func factored(_ values: [Int64]) -> (values: [Int64], shift: Int) {
        let shift = values.reduce(16) { $1 == 0 ? $0 : min($0, $1.trailingZeroBitCount) }
        return (values.map { $0 >> shift }, shift)
    }

    /// Rows of a `rows x context` matrix as 16-bit pairs (`w[o][2p]` low, `w[o][2p + 1]` or 0 high),
    /// or nil when a weight is outside -32767...32767.
    private static func pairs(_ w: [Int32], rows: Int, context c: Int) -> [Int32]? {
        guard w.allSatisfy({ $0.magnitude < 1 << 15 }) else { return nil }
        let count = (c + 1) / 2
        return (0..<(rows * count)).map { k in
            let o = k / count, p = k % count
            let low = UInt32(UInt16(truncatingIfNeeded: w[o * c + 2 * p]))
            let high = 2 * p + 1 < c ? UInt32(UInt16(truncatingIfNeeded: w[o * c + 2 * p + 1])) : 0
            return Int32(bitPattern: low | high << 16)
        }
    }

    /// The place of an unused pair matrix of `rows` rows.
    private static func noPairs(rows: Int, context c: Int) -> [Int32] { [Int32](repeating: 0, count: rows * ((c + 1) / 2)) }

    /// `values << shift` as Int32, or nil when one would reach 2^31 in magnitude.
    private static func scaled(_ values: [Int64], by shift: Int) -> [Int32]? {
        var result: [Int32] = []
        result.reserveCapacity(values.count)
        for v in values {
            guard v.magnitude < UInt64(limit) >> UInt64(min(shift, 40)) else { return nil }
            result.append(Int32(v << shift))
        }
        return result
    }

    /// `start + sum_i |w[i]| * bound[i]` (a bound on every partial sum of `start + w . a` for
    /// `|a[i]| <= bound[i]`), or nil when it reaches 2^31.
    private static func dotBound(_ w: ArraySlice<Int32>, _ bound: [Int64], start: UInt64) -> Int64? {
        var total = start
        for (weight, b) in zip(w, bound) {
            total += UInt64(weight.magnitude) * UInt64(b)  // < 2^31 + 2^62: no overflow
            guard total < UInt64(limit) else { return nil }
        }
        return Int64(total)
    }

    /// The two output sums of `count` positions into `sums[2n]`, `sums[2n + 1]`: latent `i` of
    /// position `n` is `cells[n * stride + offsets[i]]` (the caller keeps those reads inside its
    /// memory). False (sums incomplete) when a latent is outside -64...64.
    func sums(cells: UnsafePointer<Int32>, offsets: UnsafePointer<Int32>, stride: Int, count: Int,
              into sums: UnsafeMutablePointer<Int64>) -> Bool {
        packed.withUnsafeBufferPointer { p in
            shifts.withUnsafeBufferPointer { s in
                let kernel = usesAVX512 ? nk_arm_narrow_avx512 : nk_arm_narrow_avx2
                return kernel(p.baseAddress, Int32(context), s.baseAddress, cells, offsets, stride, count, sums) != 0
            }
        }
    }
}
