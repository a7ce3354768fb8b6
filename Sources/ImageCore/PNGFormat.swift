import CPNGSupport
import Foundation

/// PNG through Debian's libpng: 1- to 16-bit gray, RGB and palette images in; 8/16-bit gray or RGB out.
///
/// Samples are the file's integers: no gamma or color-space conversion is applied on read or write.
/// Palette and low-bit-depth gray images are expanded to 8-bit.
public enum PNGFormat {
    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Whether `data` starts with the PNG signature.
    public static func hasSignature(_ data: Data) -> Bool {
        data.count >= signature.count && data.prefix(signature.count).elementsEqual(signature)
    }

    /// Decodes PNG bytes into an 8- or 16-bit gray or RGB image.
    public static func decode(_ data: Data, alpha: AlphaPolicy = .reject) throws(ImageIOError) -> Image {
        var decoded = ncpng_image()
        var message = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBytes { raw in
            ncpng_decode(
                raw.bindMemory(to: UInt8.self).baseAddress, raw.count, alpha == .drop ? 1 : 0,
                ImageFile.maximumPixelCount, &decoded, &message, message.count)
        }
        defer { ncpng_free(decoded.pixels) }
        guard status == 0, let pixels = decoded.pixels else {
            throw .corruptPNG(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        if decoded.had_alpha != 0 && alpha == .reject { throw .alphaChannelPresent }
        let width = Int(decoded.width), height = Int(decoded.height), channels = Int(decoded.channels)
        let bitDepth = Int(decoded.bit_depth)
        guard channels == 1 || channels == 3, bitDepth == 8 || bitDepth == 16 else {
            throw .corruptPNG("unexpected layout of \(channels) channels at \(bitDepth) bits")
        }
        let byteCount = width * height * channels * bitDepth / 8
        let planes = SampleLayout.planes(
            fromBigEndian: UnsafeBufferPointer(start: pixels, count: byteCount), width: width, height: height,
            channels: channels, bytesPerSample: bitDepth / 8, maxValue: (1 << bitDepth) - 1)
        guard let image = Image(colorModel: channels == 1 ? .gray : .rgb, bitDepth: bitDepth, planes: planes) else {
            throw .corruptPNG("inconsistent planes")
        }
        return image
    }

    /// Encodes a gray or RGB image as PNG at its bit depth (samples rounded to the nearest integer).
    public static func encode(_ image: Image) throws(ImageIOError) -> Data {
        guard image.colorModel != .yCbCr else {
            throw .unsupportedImage("PNG holds gray or RGB samples; convert YCbCr to RGB first")
        }
        guard image.width > 0, image.height > 0, image.width <= Int(UInt32.max), image.height <= Int(UInt32.max) else {
            throw .unsupportedImage("PNG needs a width and height of at least 1")
        }
        let bytes = SampleLayout.interleavedBigEndian(image)
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = ncpng_encode(
            bytes, UInt32(image.width), UInt32(image.height), Int32(image.planes.count), Int32(image.bitDepth),
            &output, &size, &message, message.count)
        defer { ncpng_free(output) }
        guard status == 0, let output else {
            throw .unsupportedImage(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return Data(bytes: output, count: size)
    }
}
