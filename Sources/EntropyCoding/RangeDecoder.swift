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
    let storage: PaddedBytes
    let byteCount: Int
    var position = 0

    /// Starts decoding `bytes` (the output of ``RangeEncoder/finish()``).
    public init(bytes: [UInt8]) {
        byteCount = bytes.count
        storage = PaddedBytes(bytes, padding: 8)
        code = Self.word(at: 0, in: storage.base, byteCount: byteCount)
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

    /// The 4 bytes at `position` of `bytes` (big-endian), zeros past `byteCount`.
    @inline(__always)
    static func word(at position: Int, in bytes: UnsafeRawPointer, byteCount: Int) -> UInt32 {
        UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: min(position, byteCount), as: UInt32.self))
    }

    /// Brings `range` (at least 1: every caller has thrown on a zero range) back to `[2^24, 2^32)` by
    /// shifting in `leadingZeroBitCount(range) / 8` bytes at once (the same count as the encoder's
    /// byte-by-byte loop, without a data-dependent loop), counted with three independent comparisons
    /// (shorter latency than a bit scan). Works on the coder state passed in, so a loop over many
    /// symbols can keep it in registers.
    @inline(__always)
    static func renormalize(code: inout UInt32, range: inout UInt32, position: inout Int,
                            bytes: UnsafeRawPointer, byteCount: Int) {
        let shiftedBytes = (range < 1 << 24 ? 1 : 0) &+ (range < 1 << 16 ? 1 : 0) &+ (range < 1 << 8 ? 1 : 0)
        let shift = UInt64(truncatingIfNeeded: shiftedBytes &* 8)
        let word = UInt64(Self.word(at: position, in: bytes, byteCount: byteCount))
        code = UInt32(truncatingIfNeeded: (UInt64(code) &<< shift) | (word &>> (32 &- shift)))
        range = UInt32(truncatingIfNeeded: UInt64(range) &<< shift)
        position &+= shiftedBytes
    }

    /// ``renormalize(code:range:position:bytes:byteCount:)`` of this decoder's state.
    @inline(__always)
    mutating func renormalize() {
        Self.renormalize(code: &code, range: &range, position: &position, bytes: storage.base, byteCount: byteCount)
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

/// A copy of the decoder's input with zero bytes after it, at an address that stays fixed for the
/// object's lifetime (so decoding loops read it through a plain pointer). Immutable after `init`.
final class PaddedBytes: @unchecked Sendable {
    let base: UnsafeRawPointer

    /// Copies `bytes` and appends `padding` zero bytes.
    init(_ bytes: [UInt8], padding: Int) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count + padding, alignment: 8)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
        base = UnsafeRawPointer(buffer.baseAddress.unsafelyUnwrapped)
    }

    deinit { base.deallocate() }
}
