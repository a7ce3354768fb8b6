/// A range coder (arithmetic coder on byte-sized renormalisation) with a 32-bit range.
///
/// Symbols are coded in the order they are decoded, which suits sequential autoregressive models.
/// State: `low` (33 significant bits, the extra bit is the pending carry) and `range`, kept in
/// `[2^24, 2^32)` between symbols. A symbol with cumulative frequency `start` and frequency `frequency`
/// out of `2^precision` narrows the interval to `r * start ..< r * (start + frequency)` with
/// `r = range >> precision`; the symbol whose interval ends at `2^precision` (the last one of its
/// alphabet) also takes the remainder `range - r * 2^precision`, so no part of the range is wasted.
/// The exact bitstream is specified in docs/bitstream.md ("Entropy coding").
public struct RangeEncoder: Sendable {
    var low: UInt64 = 0
    var range: UInt32 = 0xFFFF_FFFF
    /// The byte that may still receive a carry, if any has been produced.
    var cache: UInt8 = 0
    var hasCache = false
    /// Number of 0xFF bytes waiting behind `cache` (they turn into 0x00 if a carry arrives).
    var pendingFFCount = 0
    var bytes: [UInt8] = []

    /// Creates an empty encoder; `capacity` pre-allocates the output buffer (bytes).
    public init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// Bytes that `finish()` would return at least (the final flush adds up to 5 more).
    public var byteCount: Int { bytes.count + (hasCache ? 1 : 0) + pendingFFCount }

    /// Codes the interval `start ..< start + frequency` out of `2^precision`.
    ///
    /// Callers guarantee `frequency >= 1`, `start + frequency <= 2^precision` and
    /// `1 <= precision <= 16`; the typed entry points (tables, models) guarantee this by construction.
    @inline(__always)
    mutating func encode(start: UInt32, frequency: UInt32, precision: Int) {
        let r = range &>> UInt32(truncatingIfNeeded: precision)
        let offset = r &* start
        low &+= UInt64(offset)
        if start &+ frequency == 1 &<< UInt32(truncatingIfNeeded: precision) {
            range &-= offset
        } else {
            range = r &* frequency
        }
        while range < 1 << 24 {
            range <<= 8
            shiftLow()
        }
    }

    /// Moves the top byte of `low` to the output, resolving carries (LZMA-style cache + 0xFF run).
    mutating func shiftLow() {
        if low < 0xFF00_0000 || low >= 0x1_0000_0000 {
            let carry = UInt8(truncatingIfNeeded: low >> 32)
            if hasCache { bytes.append(cache &+ carry) }
            while pendingFFCount > 0 {
                bytes.append(0xFF &+ carry)
                pendingFFCount -= 1
            }
            cache = UInt8(truncatingIfNeeded: low >> 24)
            hasCache = true
        } else {
            pendingFFCount += 1
        }
        low = (low << 8) & 0xFFFF_FFFF
    }

    /// Ends the stream and returns its bytes.
    ///
    /// Picks the value in the final interval with the most trailing zero bits, writes it, and drops
    /// trailing zero bytes (the decoder reads zeros past the end). An empty stream is zero bytes.
    public mutating func finish() -> [UInt8] {
        let end = low + UInt64(range)  // exclusive
        var chosen = low
        var bit = 32
        while bit > 0 {
            let mask: UInt64 = (1 << UInt64(bit)) - 1
            let candidate = (low + mask) & ~mask
            if candidate < end {
                chosen = candidate
                break
            }
            bit -= 1
        }
        low = chosen
        for _ in 0..<5 { shiftLow() }
        if hasCache { bytes.append(cache) }
        bytes.append(contentsOf: repeatElement(0xFF, count: pendingFFCount))
        while let last = bytes.last, last == 0 { bytes.removeLast() }
        let result = bytes
        self = RangeEncoder()
        return result
    }
}
