import Foundation

/// Binary Netpbm: PGM (P5, gray) and PPM (P6, RGB), maxval 1...65535.
///
/// Reading scales samples by `1 / maxval`; the image's bit depth is 8 when maxval <= 255 and 16 otherwise.
/// Writing stores maxval 255 (8-bit images) or 65535 (16-bit), samples big-endian as the format requires.
public enum PNMFormat {
    /// Whether `data` starts with "P5" or "P6" followed by whitespace.
    public static func hasSignature(_ data: Data) -> Bool {
        guard data.count >= 3 else { return false }
        let bytes = [UInt8](data.prefix(3))
        return bytes[0] == UInt8(ascii: "P") && (bytes[1] == UInt8(ascii: "5") || bytes[1] == UInt8(ascii: "6"))
            && isWhitespace(bytes[2])
    }

    /// Decodes P5 or P6 bytes.
    public static func decode(_ data: Data) throws(ImageIOError) -> Image {
        guard hasSignature(data) else { throw .corruptPNM("missing P5/P6 magic number") }
        let bytes = [UInt8](data)
        let channels = bytes[1] == UInt8(ascii: "6") ? 3 : 1
        var reader = HeaderReader(bytes: bytes, position: 2)
        let width = try reader.readNumber(named: "width")
        let height = try reader.readNumber(named: "height")
        let maxValue = try reader.readNumber(named: "maxval")
        guard width > 0, height > 0 else { throw .corruptPNM("width and height must be at least 1") }
        guard (1...65535).contains(maxValue) else { throw .corruptPNM("maxval \(maxValue) is outside 1...65535") }
        guard width <= ImageFile.maximumPixelCount / height else { throw .imageTooLarge(width: width, height: height) }
        // Exactly one whitespace byte separates maxval from the samples.
        guard reader.position < bytes.count, isWhitespace(bytes[reader.position]) else {
            throw .corruptPNM("no sample data after the header")
        }
        let start = reader.position + 1
        let bytesPerSample = maxValue > 255 ? 2 : 1
        let byteCount = width * height * channels * bytesPerSample
        guard bytes.count - start >= byteCount else {
            throw .corruptPNM("truncated: \(bytes.count - start) sample bytes, expected \(byteCount)")
        }
        let planes = bytes.withUnsafeBufferPointer { buffer in
            SampleLayout.planes(
                fromBigEndian: UnsafeBufferPointer(rebasing: buffer[start..<(start + byteCount)]),
                width: width, height: height, channels: channels, bytesPerSample: bytesPerSample,
                maxValue: maxValue)
        }
        guard let image = Image(colorModel: channels == 1 ? .gray : .rgb, bitDepth: bytesPerSample * 8, planes: planes)
        else { throw .corruptPNM("inconsistent planes") }
        return image
    }

    /// Encodes a gray image as P5 or an RGB image as P6, at its bit depth.
    public static func encode(_ image: Image) throws(ImageIOError) -> Data {
        guard image.colorModel != .yCbCr else {
            throw .unsupportedImage("PPM/PGM hold gray or RGB samples; convert YCbCr to RGB first")
        }
        guard image.width > 0, image.height > 0 else {
            throw .unsupportedImage("PPM/PGM need a width and height of at least 1")
        }
        let magic = image.colorModel == .gray ? "P5" : "P6"
        var data = Data("\(magic)\n\(image.width) \(image.height)\n\(image.maxValue)\n".utf8)
        data.append(contentsOf: SampleLayout.interleavedBigEndian(image))
        return data
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }

    /// Reads the ASCII decimal fields of a Netpbm header, skipping whitespace and `#` comments.
    private struct HeaderReader {
        let bytes: [UInt8]
        var position: Int

        mutating func readNumber(named name: String) throws(ImageIOError) -> Int {
            skipWhitespaceAndComments()
            var value = 0
            var digits = 0
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                value = value * 10 + Int(bytes[position] - UInt8(ascii: "0"))
                digits += 1
                position += 1
                guard value <= 1 << 30 else { throw .corruptPNM("\(name) is too large") }
            }
            guard digits > 0 else { throw .corruptPNM("missing or invalid \(name) in the header") }
            return value
        }

        private mutating func skipWhitespaceAndComments() {
            while position < bytes.count {
                if PNMFormat.isWhitespace(bytes[position]) {
                    position += 1
                } else if bytes[position] == UInt8(ascii: "#") {
                    while position < bytes.count, bytes[position] != 0x0A, bytes[position] != 0x0D { position += 1 }
                } else {
                    return
                }
            }
        }
    }
}
