import Foundation
@testable import ImageCore

/// Deterministic test images and a hand-built PNG writer independent of libpng.
enum TestImages {
    /// An image whose integer samples follow a fixed pseudo-random sequence (xorshift).
    static func random(width: Int, height: Int, channels: Int, bitDepth: Int, seed: UInt64 = 0x9E37_79B9) -> Image {
        var state = seed | 1
        let maxValue = (1 << bitDepth) - 1
        let planes = (0..<channels).map { _ in
            var plane = Plane(width: width, height: height)
            for i in plane.samples.indices {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                plane.samples[i] = Float(Int(state % UInt64(maxValue + 1))) / Float(maxValue)
            }
            return plane
        }
        return Image(colorModel: channels == 1 ? .gray : .rgb, bitDepth: bitDepth, planes: planes)!
    }

    /// The directory of the shared Kodak images, or nil when `../shared` is absent.
    static var kodakDirectory: URL? {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let directory = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/kodak")
        return FileManager.default.fileExists(atPath: directory.path) ? directory : nil
    }
}

/// Builds PNG files byte by byte (stored deflate blocks, CRC-32, Adler-32), to test the decoder on
/// layouts our encoder never writes (alpha, palette, 16-bit) without trusting our own encoder.
enum HandMadePNG {
    static func make(width: Int, height: Int, bitDepth: UInt8, colorType: UInt8, rows: [[UInt8]],
                     extraChunks: [(String, [UInt8])] = []) -> Data {
        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let header = bigEndian32(UInt32(width)) + bigEndian32(UInt32(height)) + [bitDepth, colorType, 0, 0, 0]
        file += chunk("IHDR", header)
        for (type, body) in extraChunks { file += chunk(type, body) }
        let raw: [UInt8] = rows.flatMap { row -> [UInt8] in [0] + row }  // filter type 0 per row
        file += chunk("IDAT", zlibStored(raw))
        file += chunk("IEND", [])
        return Data(file)
    }

    static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        return bigEndian32(UInt32(body.count)) + typed + bigEndian32(crc32(typed))
    }

    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65535, data.count - offset)
            let final: UInt8 = offset + length == data.count ? 1 : 0
            out += [final, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            out += data[offset..<(offset + length)]
            offset += length
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return out + bigEndian32(b << 16 | a)
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func bigEndian32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
