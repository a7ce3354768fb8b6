/// Decoder for streams written by ``RangeEncoder``.
///
/// Reads zeros past the end of its bytes (the encoder drops trailing zero bytes), never reads out of
/// bounds, and never loops: every call does a bounded amount of work. A valid stream keeps
/// `code < range`; a stream that breaks this throws ``EntropyDecodingError/corruptStream``.
/// Malformed input that keeps the invariant decodes to garbage symbols that are still within the
/// alphabet of the table or model used.
public struct RangeDecoder: Sendable {
    var code: UInt32 = 0
    var range: UInt32 = 0xFFFF_FFFF
    let bytes: [UInt8]
    var position = 0

    /// Starts decoding `bytes` (the output of ``RangeEncoder/finish()``).
    public init(bytes: [UInt8]) {
        self.bytes = bytes
        for _ in 0..<4 { code = (code << 8) | nextByte() }
    }

    /// Bytes consumed so far, including zeros read past the end.
    public var bytesRead: Int { position }

    /// Bytes read past the end of the input (zero padding). A valid stream may need some, because
    /// the encoder drops its trailing zero bytes; a container that knows the exact length of what
    /// follows can use this to detect truncation.
    public var paddingBytesRead: Int { max(0, position - bytes.count) }

    mutating func nextByte() -> UInt32 {
        let index = position
        position &+= 1
        return index < bytes.count ? UInt32(bytes[index]) : 0
    }

    /// The slot `code / (range >> precision)` clamped to `2^precision - 1`; the clamp is reached only
    /// by the last symbol of an alphabet (which owns the range remainder) or by a corrupt stream.
    func slot(precision: Int) -> UInt32 {
        let r = range >> UInt32(truncatingIfNeeded: precision)
        return min(code / r, (1 << UInt32(truncatingIfNeeded: precision)) &- 1)
    }

    /// Removes the interval `start ..< start + frequency` (out of `2^precision`), as the encoder did.
    mutating func consume(start: UInt32, frequency: UInt32, precision: Int) throws(EntropyDecodingError) {
        let r = range >> UInt32(truncatingIfNeeded: precision)
        let offset = r &* start
        code &-= offset
        if start &+ frequency == 1 << UInt32(truncatingIfNeeded: precision) {
            range &-= offset
        } else {
            range = r &* frequency
        }
        if code >= range { throw .corruptStream }
        while range < 1 << 24 {
            range <<= 8
            code = (code << 8) | nextByte()
        }
    }
}
