/// An adaptive probability for one binary decision (header flags, side information).
///
/// Holds `P(false)` in 15-bit fixed point, starting at 1/2, and after each coded bit moves it a
/// fraction `2^-adaptationShift` of the way towards the observed outcome (integer arithmetic):
/// `p += (2^15 - p) >> shift` after a `false`, `p -= p >> shift` after a `true`, where
/// `shift = min(adaptationShift, 4 + u / 16)` and `u` counts earlier updates (fast start, then stable).
/// The probability stays in `[1, 2^15 - 1]`, so both outcomes always remain codable.
public struct AdaptiveBinaryModel: Sendable, Equatable {
    /// `P(false) * 2^15`.
    public private(set) var probabilityOfFalse: UInt32 = 1 << 14
    /// Larger adapts more slowly (4...7 are typical).
    public let adaptationShift: UInt32
    private var updateCount: UInt32 = 0

    /// `adaptationShift` is clamped to 4...14.
    public init(adaptationShift: Int = 7) {
        self.adaptationShift = UInt32(min(max(adaptationShift, 4), 14))
    }

    mutating func update(with bit: Bool) {
        let shift = min(adaptationShift, 4 + (updateCount >> 4))
        updateCount = min(updateCount + 1, 1024)
        if bit {
            probabilityOfFalse -= probabilityOfFalse >> shift
        } else {
            probabilityOfFalse += ((1 << 15) - probabilityOfFalse) >> shift
        }
    }
}

extension RangeEncoder {
    /// Codes `bit` with `model`, then adapts the model.
    public mutating func encode(_ bit: Bool, using model: inout AdaptiveBinaryModel) {
        let bound = (range >> 15) &* model.probabilityOfFalse
        if bit {
            low &+= UInt64(bound)
            range &-= bound
        } else {
            range = bound
        }
        while range < 1 << 24 {
            range <<= 8
            shiftLow()
        }
        model.update(with: bit)
    }
}

extension RangeDecoder {
    /// Decodes a bit coded with `model`, then adapts the model exactly as the encoder did.
    public mutating func decode(using model: inout AdaptiveBinaryModel) throws(EntropyDecodingError) -> Bool {
        let bound = (range >> 15) &* model.probabilityOfFalse
        let bit = code >= bound
        if bit {
            code &-= bound
            range &-= bound
        } else {
            range = bound
        }
        if code >= range { throw .corruptStream }
        renormalize()
        model.update(with: bit)
        return bit
    }
}
