extension NCXHeader {
    /// Parses and validates the header of `bytes` (a whole file): magic, version, codec, field
    /// ranges, announced length and CRC-32.
    public static func parse(_ bytes: [UInt8]) throws(OverfittedDecodeError) -> NCXHeader {
        guard bytes.count >= magic.count else { throw .truncated(needed: magic.count, available: bytes.count) }
        guard Array(bytes[0..<4]) == magic else { throw .notNCX }
        guard bytes.count >= 6 else { throw .truncated(needed: 6, available: bytes.count) }
        guard Int(bytes[4]) == currentVersion else { throw .unsupportedVersion(Int(bytes[4])) }
        guard Int(bytes[5]) == overfittedCodecID else { throw .unknownCodec(Int(bytes[5])) }
        guard bytes.count >= byteCount else { throw .truncated(needed: byteCount, available: bytes.count) }
        var reader = FieldReader(bytes: bytes, position: 6)
        let width = reader.uint32(), height = reader.uint32()
        let bitDepth = reader.byte(), channels = reader.byte()
        let architecture = Architecture(contextSize: reader.byte(), synthesisWidth: reader.byte(),
                                        residualLayers: reader.byte(), outputChannels: channels)
        var exponents: [Int] = [], orders: [Int] = []
        for _ in QuantizedNetworks.Group.allCases {
            exponents.append(reader.byte())
            orders.append(reader.byte())
        }
        let header = NCXHeader(width: width, height: height, bitDepth: bitDepth, channels: channels,
                               architecture: architecture, stepExponents: exponents, expGolombOrders: orders,
                               networkStreamByteCount: reader.uint32(), latentStreamByteCount: reader.uint32())
        try header.validate()
        let total = header.fileByteCount
        guard bytes.count >= total else { throw .truncated(needed: total, available: bytes.count) }
        guard bytes.count == total else { throw .trailingData(bytes.count - total) }
        var stored: UInt32 = 0
        for byte in bytes[(total - 4)..<total] { stored = stored << 8 | UInt32(byte) }
        guard CRC32.checksum(bytes[0..<(total - 4)]) == stored else { throw .checksumMismatch }
        return header
    }

    private func validate() throws(OverfittedDecodeError) {
        guard (1...Self.maximumDimension).contains(width), (1...Self.maximumDimension).contains(height) else {
            throw .invalidHeader("image size \(width)x\(height) outside 1...\(Self.maximumDimension)")
        }
        guard width * height <= Self.maximumPixelCount else {
            throw .invalidHeader("\(width)x\(height) is more than \(Self.maximumPixelCount) pixels")
        }
        guard bitDepth == 8 || bitDepth == 16 else { throw .invalidHeader("bit depth \(bitDepth)") }
        guard channels == 1 || channels == 3 else { throw .invalidHeader("\(channels) channels") }
        guard architecture.isValid else { throw .invalidHeader("network shape \(architecture)") }
        for (exponent, order) in zip(stepExponents, expGolombOrders) {
            guard exponent <= QuantizedNetworks.maximumExponent, order <= 16 else {
                throw .invalidHeader("quantisation step 2^-\(exponent) or Exp-Golomb order \(order)")
            }
        }
    }

    /// Reads big-endian fields; the caller has checked the length.
    private struct FieldReader {
        let bytes: [UInt8]
        var position: Int

        mutating func byte() -> Int {
            defer { position += 1 }
            return Int(bytes[position])
        }

        mutating func uint32() -> Int {
            var value = 0
            for _ in 0..<4 { value = value << 8 | byte() }
            return value
        }
    }
}
