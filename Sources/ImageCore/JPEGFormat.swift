import CJPEGSupport
import Foundation

/// JPEG decoding (read only) through Debian's libjpeg-turbo, with its default accurate integer IDCT and
/// fancy chroma upsampling: the same samples as `djpeg` and Pillow give. Gray JPEGs become gray images,
/// YCbCr and RGB JPEGs RGB images, all 8-bit. CMYK JPEGs and truncated streams are errors.
public enum JPEGFormat {
    /// Whether `data` starts with a JPEG start-of-image marker followed by another marker.
    public static func hasSignature(_ data: Data) -> Bool {
        data.count >= 3 && data.prefix(3).elementsEqual([0xFF, 0xD8, 0xFF])
    }

    public static func decode(_ data: Data) throws(ImageIOError) -> Image {
        var decoded = ncjpeg_image()
        var message = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBytes { raw in
            ncjpeg_decode(
                raw.bindMemory(to: UInt8.self).baseAddress, raw.count, ImageFile.maximumPixelCount, &decoded,
                &message, message.count)
        }
        defer { ncjpeg_free(decoded.pixels) }
        guard status == 0, let pixels = decoded.pixels else {
            throw .corruptJPEG(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        let width = Int(decoded.width), height = Int(decoded.height), channels = Int(decoded.channels)
        let planes = SampleLayout.planes(
            fromBigEndian: UnsafeBufferPointer(start: pixels, count: width * height * channels), width: width,
            height: height, channels: channels, bytesPerSample: 1, maxValue: 255)
        guard let image = Image(colorModel: channels == 1 ? .gray : .rgb, bitDepth: 8, planes: planes) else {
            throw .corruptJPEG("unexpected layout of \(channels) channels")
        }
        return image
    }
}
