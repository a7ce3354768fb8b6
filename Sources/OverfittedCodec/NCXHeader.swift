/// The fixed-size header of an `.ncx` file (layout in docs/bitstream.md). All integers big-endian.
public struct NCXHeader: Sendable, Equatable {
    /// `0x89 'N' 'C' 'X'`: the high first byte catches 7-bit transfers, as PNG's does.
    public static let magic: [UInt8] = [0x89, 0x4E, 0x43, 0x58]
    public static let currentVersion = 5
    /// Codec id of the overfitted codec.
    public static let overfittedCodecID = 1
    public static let maximumDimension = 1 << 16
    /// Largest `width * height` (64 Mpixel): bounds the decoder's memory (about 4 GB at the limit).
    public static let maximumPixelCount = 1 << 26
    /// Bytes of the header, before the two streams.
    public static let byteCount = 20
    /// Bit of the flags byte set when the grids pass the pre-concatenation filter.
    static let preFilterFlag: UInt8 = 1
    /// The flags byte's bits 1 and 2 hold ``Architecture/uncodedGrids``; the other bits are 0.
    static let uncodedGridsShift = 1
    static let uncodedGridsMask: UInt8 = 0b110
    /// Bytes of the CRC-32 that ends the file.
    public static let checksumByteCount = 4

    public var width: Int
    public var height: Int
    public var bitDepth: Int
    /// 1 (gray) or 3 (RGB).
    public var channels: Int
    public var architecture: Architecture
    public var networkStreamByteCount: Int
    /// Not stored: the rest of the file before the CRC.
    public var latentStreamByteCount: Int

    /// Total file size.
    public var fileByteCount: Int {
        Self.byteCount + networkStreamByteCount + latentStreamByteCount + Self.checksumByteCount
    }

    func serialized() -> [UInt8] {
        var bytes = Self.magic
        bytes.append(UInt8(Self.currentVersion))
        bytes.append(UInt8(Self.overfittedCodecID))
        Self.append(width - 1, byteCount: 2, to: &bytes)
        Self.append(height - 1, byteCount: 2, to: &bytes)
        bytes.append(UInt8(bitDepth))
        bytes.append(UInt8(channels))
        bytes.append(UInt8(architecture.contextSize))
        bytes.append(UInt8(architecture.interGridFeatures))
        bytes.append(UInt8(architecture.synthesisWidth))
        bytes.append(UInt8(architecture.residualLayers))
        bytes.append((architecture.preFilter ? Self.preFilterFlag : 0) | UInt8(architecture.uncodedGrids << Self.uncodedGridsShift))
        // 3 bytes: the largest valid architecture has under 8,000 parameters, so under 64 KB of stream.
        Self.append(networkStreamByteCount, byteCount: 3, to: &bytes)
        return bytes
    }

    private static func append(_ value: Int, byteCount: Int, to bytes: inout [UInt8]) {
        for index in (0..<byteCount).reversed() { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
    }
}
