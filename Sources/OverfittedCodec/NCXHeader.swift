/// The fixed-size header of an `.ncx` file (layout in docs/bitstream.md). All integers big-endian.
public struct NCXHeader: Sendable, Equatable {
    /// `0x89 'N' 'C' 'X'`: the high first byte catches 7-bit transfers, as PNG's does.
    public static let magic: [UInt8] = [0x89, 0x4E, 0x43, 0x58]
    public static let currentVersion = 2
    /// Codec id of the overfitted codec.
    public static let overfittedCodecID = 1
    public static let maximumDimension = 1 << 16
    /// Largest `width * height` (64 Mpixel): bounds the decoder's memory (about 4 GB at the limit).
    public static let maximumPixelCount = 1 << 26
    /// Bytes of the header, before the two streams.
    public static let byteCount = 37
    /// Bytes of the CRC-32 that ends the file.
    public static let checksumByteCount = 4

    public var width: Int
    public var height: Int
    public var bitDepth: Int
    /// 1 (gray) or 3 (RGB).
    public var channels: Int
    public var architecture: Architecture
    /// Per parameter group (ARM weights, ARM biases, up-sampling, synthesis weights, synthesis
    /// biases): the quantisation step exponent (step 2^-e) and the Exp-Golomb order.
    public var stepExponents: [Int]
    public var expGolombOrders: [Int]
    public var networkStreamByteCount: Int
    public var latentStreamByteCount: Int

    /// Total file size this header announces.
    public var fileByteCount: Int {
        Self.byteCount + networkStreamByteCount + latentStreamByteCount + Self.checksumByteCount
    }

    func serialized() -> [UInt8] {
        var bytes = Self.magic
        bytes.append(UInt8(Self.currentVersion))
        bytes.append(UInt8(Self.overfittedCodecID))
        Self.append(UInt32(width), to: &bytes)
        Self.append(UInt32(height), to: &bytes)
        bytes.append(UInt8(bitDepth))
        bytes.append(UInt8(channels))
        bytes.append(UInt8(architecture.contextSize))
        bytes.append(UInt8(architecture.synthesisWidth))
        bytes.append(UInt8(architecture.residualLayers))
        for (exponent, order) in zip(stepExponents, expGolombOrders) {
            bytes.append(UInt8(exponent))
            bytes.append(UInt8(order))
        }
        Self.append(UInt32(networkStreamByteCount), to: &bytes)
        Self.append(UInt32(latentStreamByteCount), to: &bytes)
        return bytes
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}
