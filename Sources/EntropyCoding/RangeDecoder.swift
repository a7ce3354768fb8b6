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
    /// The input followed by 8 zero bytes, so 4-byte loads at any position up to `byteCount` stay in bounds.
    let padded: [UInt8]
    let byteCount: Int
    var position = 0

    /// Starts decoding `bytes` (the output of ``RangeEncoder/finish()``).
    public init(bytes: [UInt8]) {
        byteCount = bytes.count
        padded = bytes + [UInt8](repeating: 0, count: 8)
        code = loadWord()
        position = 4
    }

    /// Starts decoding any byte sequence (`Data`, an array slice, ...); the bytes are copied.
    public init<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
        self.init(bytes: Array(bytes))
    }

    /// Bytes consumed so far, including zeros read past the end.
    public var bytesRead: Int { position }

    /// Bytes read past the end of the input (zero padding). A valid stream may need some, because
    /// the encoder drops its trailing zero bytes; a container that knows the exact length of what
    /// follows can use this to detect truncation.
    public var paddingBytesRead: Int { max(0, position - byteCount) }

    /// The 4 bytes at `position` (big-endian), zeros past the end.
    @inline(__always)
    func loadWord() -> UInt32 {
        let offset = min(position, byteCount)
        return padded.withUnsafeBytes { UInt32(bigEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    }

    /// Brings `range` back to `[2^24, 2^32)` by shifting in `leadingZeroBitCount(range) / 8` bytes at once
    /// (the same count as the encoder's byte-by-byte loop, without a data-dependent loop).
    @inline(__always)
    mutating func renormalize() {
        let shiftedBytes = range.leadingZeroBitCount &>> 3
        let shift = UInt64(truncatingIfNeeded: shiftedBytes &* 8)
        let word = UInt64(loadWord())
        code = UInt32(truncatingIfNeeded: (UInt64(code) &<< shift) | (word &>> (32 &- shift)))
        range = UInt32(truncatingIfNeeded: UInt64(range) &<< shift)
        position &+= shiftedBytes
    }

    /// The slot `code / (range >> precision)` clamped to `2^precision - 1`; the clamp is reached only
    /// by the last symbol of an alphabet (which owns the range remainder) or by a corrupt stream.
    @inline(__always)
    func slot(precision: Int) -> UInt32 {
        let r = range &>> UInt32(truncatingIfNeeded: precision)
        return min(code / r, (1 &<< UInt32(truncatingIfNeeded: precision)) &- 1)
    }

    /// Removes the interval `start ..< start + frequency` (out of `2^precision`), as the encoder did.
    @inline(__always)
    mutating func consume(start: UInt32, frequency: UInt32, precision: Int) throws(EntropyDecodingError) {
        let r = range &>> UInt32(truncatingIfNeeded: precision)
        let offset = r &* start
        code &-= offset
        if start &+ frequency == 1 &<< UInt32(truncatingIfNeeded: precision) {
            range &-= offset
        } else {
            range = r &* frequency
        }
        if code >= range { throw .corruptStream }
        renormalize()
    }
}
