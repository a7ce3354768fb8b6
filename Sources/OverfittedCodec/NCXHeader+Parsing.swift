extension NCXHeader {
    /// Parses and validates the header of `bytes` (a whole file): magic, version, codec, field
    /// ranges, length and CRC-32. The latent stream is the rest of the file before the CRC.
    public static func parse(_ bytes: [UInt8]) throws(OverfittedDecodeError) -> NCXHeader {
        guard bytes.count >= magic.count else { throw .truncated(needed: magic.count, available: bytes.count) }
        guard Array(bytes[0..<4]) == magic else { throw .notNCX }
        guard bytes.count >= 6 else { throw .truncated(needed: 6, available: bytes.count) }
        guard Int(bytes[4]) == currentVersion else { throw .unsupportedVersion(Int(bytes[4])) }
        guard Int(bytes[5]) == overfittedCodecID else { throw .unknownCodec(Int(bytes[5])) }
        guard bytes.count >= byteCount else { throw .truncated(needed: byteCount, available: bytes.count) }
        var reader = FieldReader(bytes: bytes, position: 6)
        let width = reader.integer(byteCount: 2) + 1, height = reader.integer(byteCount: 2) + 1
        let bitDepth = reader.integer(byteCount: 1), channels = reader.integer(byteCount: 1)
        var architecture = Architecture(contextSize: reader.integer(byteCount: 1), interGridFeatures: reader.integer(byteCount: 1),
                                        synthesisWidth: reader.integer(byteCount: 1), residualLayers: reader.integer(byteCount: 1),
                                        outputChannels: channels)
        let flags = reader.integer(byteCount: 1)
        guard flags & ~Int(preFilterFlag | uncodedGridsMask) == 0 else { throw .invalidHeader("unknown flags \(flags)") }
        architecture.preFilter = flags & Int(preFilterFlag) != 0
        architecture.uncodedGrids = (flags & Int(uncodedGridsMask)) >> uncodedGridsShift
        let networkStreamByteCount = reader.integer(byteCount: 3)
        let total = byteCount + networkStreamByteCount + checksumByteCount
        let header = NCXHeader(width: width, height: height, bitDepth: bitDepth, channels: channels,
                               architecture: architecture, networkStreamByteCount: networkStreamByteCount,
                               latentStreamByteCount: max(0, bytes.count - total))
        try header.validate()
        guard bytes.count >= total else { throw .truncated(needed: total, available: bytes.count) }
        var stored: UInt32 = 0
        for byte in bytes[(bytes.count - 4)...] { stored = stored << 8 | UInt32(byte) }
        guard CRC32.checksum(bytes[0..<(bytes.count - 4)]) == stored else { throw .checksumMismatch }
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
        let levels = LatentGeometry(width: width, height: height).levels
        guard architecture.uncodedGrids < levels else {
            throw .invalidHeader("\(architecture.uncodedGrids) uncoded grids of \(levels)")
        }
    }

    /// Reads big-endian fields; the caller has checked the length.
    private struct FieldReader {
        let bytes: [UInt8]
        var position: Int

        mutating func integer(byteCount: Int) -> Int {
            var value = 0
            for _ in 0..<byteCount {
                value = value << 8 | Int(bytes[position])
                position += 1
            }
            return value
        }
    }
}
