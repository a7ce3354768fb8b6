/// A small deterministic random number generator (SplitMix64, Steele et al. 2014), so an encode with
/// the same seed and thread count gives the same file on every platform.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 random bits.
    mutating func nextUnitFloat() -> Float { Float(next() >> 40) * (1.0 / 16_777_216) }

    /// Uniform in [-bound, bound).
    mutating func uniform(_ bound: Float) -> Float { (nextUnitFloat() * 2 - 1) * bound }
}
