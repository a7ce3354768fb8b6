/// Bypass (equiprobable) bits and Exp-Golomb codes.
///
/// Bits are coded as uniform symbols of up to 16 bits each (most significant chunk first), so they
/// cost exactly their count in bits and interleave freely with modelled symbols.
extension RangeEncoder {
    /// Codes the low `count` bits of `value` (`count` in 0...32, most significant bit first).
    public mutating func encodeBits(_ value: UInt32, count: Int) {
        precondition((0...32).contains(count), "bit count \(count) outside 0...32")
        var remaining = count
        while remaining > 0 {
            let chunk = min(remaining, 16)
            remaining -= chunk
            let bits = (value >> UInt32(remaining)) & ((1 << UInt32(chunk)) - 1)
            encode(start: bits, frequency: 1, precision: chunk)
        }
    }

    /// Codes one equiprobable bit.
    public mutating func encodeBit(_ bit: Bool) {
        encode(start: bit ? 1 : 0, frequency: 1, precision: 1)
    }

    /// Unsigned Exp-Golomb code of order `order` (0...16): `value + 2^order` written in binary with
    /// as many leading zeros as it has bits beyond `order + 1`. The prefix is coded one bit at a time
    /// (so the decoder can stop at the first one), the remaining bits in chunks of up to 16.
    public mutating func encodeExpGolomb(_ value: UInt32, order: Int) {
        encodeExpGolomb(wide: UInt64(value), order: order)
    }

    /// Signed Exp-Golomb code of order `order`: `v > 0` maps to `2v - 1`, `v <= 0` to `-2v`, then unsigned.
    public mutating func encodeSignedExpGolomb(_ value: Int32, order: Int) {
        let wide = Int64(value)
        encodeExpGolomb(wide: UInt64(wide > 0 ? 2 * wide - 1 : -2 * wide), order: order)
    }

    /// Exp-Golomb for values up to 2^33 (the signed mapping of any Int32 fits).
    mutating func encodeExpGolomb(wide value: UInt64, order: Int) {
        precondition((0...16).contains(order), "Exp-Golomb order \(order) outside 0...16")
        let shifted = value + (1 << UInt64(order))
        let bitLength = 64 - shifted.leadingZeroBitCount
        for _ in 0..<(bitLength - 1 - order) { encodeBit(false) }
        encodeBit(true)
        var remaining = bitLength - 1
        while remaining > 0 {
            let chunk = min(remaining, 16)
            remaining -= chunk
            encodeBits(UInt32(truncatingIfNeeded: (shifted >> UInt64(remaining)) & ((1 << UInt64(chunk)) - 1)), count: chunk)
        }
    }
}

extension RangeDecoder {
    /// Decodes `count` bypass bits (0...32) written by ``RangeEncoder/encodeBits(_:count:)``.
    public mutating func decodeBits(count: Int) throws(EntropyDecodingError) -> UInt32 {
        guard (0...32).contains(count) else { throw .invalidArgument("bit count \(count) outside 0...32") }
        var value: UInt32 = 0
        var remaining = count
        while remaining > 0 {
            let chunk = min(remaining, 16)
            remaining -= chunk
            let bits = slot(precision: chunk)
            try consume(start: bits, frequency: 1, precision: chunk)
            value = (value << UInt32(chunk)) | bits
        }
        return value
    }

    /// Decodes one equiprobable bit.
    public mutating func decodeBit() throws(EntropyDecodingError) -> Bool {
        let bit = slot(precision: 1)
        try consume(start: bit, frequency: 1, precision: 1)
        return bit == 1
    }

    /// Decodes an unsigned Exp-Golomb code; throws if the prefix or the value exceeds 32 bits.
    public mutating func decodeExpGolomb(order: Int) throws(EntropyDecodingError) -> UInt32 {
        let value = try decodeExpGolomb(wide: order, limit: UInt64(UInt32.max))
        return UInt32(value)
    }

    /// Decodes a signed Exp-Golomb code (see ``RangeEncoder/encodeSignedExpGolomb(_:order:)``).
    public mutating func decodeSignedExpGolomb(order: Int) throws(EntropyDecodingError) -> Int32 {
        let mapped = try decodeExpGolomb(wide: order, limit: 1 << 32)
        let magnitude = Int64((mapped + 1) >> 1)
        let value = mapped & 1 == 1 ? magnitude : -magnitude
        guard let result = Int32(exactly: value) else { throw .valueOutOfRange }
        return result
    }

    /// Exp-Golomb value up to `limit` (< 2^34). Reads at most 34 prefix bits, so it always terminates.
    mutating func decodeExpGolomb(wide order: Int, limit: UInt64) throws(EntropyDecodingError) -> UInt64 {
        guard (0...16).contains(order) else { throw .invalidArgument("Exp-Golomb order \(order) outside 0...16") }
        let maxZeros = 34 - order
        var zeros = 0
        while try !decodeBit() {
            zeros += 1
            if zeros > maxZeros { throw .expGolombPrefixTooLong(zeroCount: zeros) }
        }
        var shifted: UInt64 = 1
        var remaining = zeros + order
        while remaining > 0 {
            let chunk = min(remaining, 16)
            remaining -= chunk
            shifted = (shifted << UInt64(chunk)) | UInt64(try decodeBits(count: chunk))
        }
        let value = shifted - (1 << UInt64(order))
        guard value <= limit else { throw .valueOutOfRange }
        return value
    }
}
