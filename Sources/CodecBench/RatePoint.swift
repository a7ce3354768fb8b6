import Foundation
import ImageCore

/// Codes one source with one codec at chosen levels, remembering the sizes already encoded.
struct RatePoint {
    let source: SourceImage
    let codec: any BenchCodec
    let scratch: URL
    /// Encoded levels: file size and encoding time.
    private var encoded: [Int: (bytes: Int, seconds: Double)] = [:]

    init(source: SourceImage, codec: any BenchCodec, scratch: URL) {
        self.source = source
        self.codec = codec
        self.scratch = scratch
    }

    private func file(level: Int) -> URL {
        scratch.appendingPathComponent("\(level).\(codec.fileExtension)")
    }

    /// Encodes at `level` (once) and returns the file size in bytes and the encoding time.
    mutating func encode(level: Int) throws -> (bytes: Int, seconds: Double) {
        if let known = encoded[level] { return known }
        let output = file(level: level)
        let seconds = try codec.encode(input: try source.file(codec.inputFormat), level: level, output: output)
        let attributes = try FileManager.default.attributesOfItem(atPath: output.path)
        guard let bytes = (attributes[.size] as? NSNumber)?.intValue, bytes > 0 else {
            throw BenchError.malformedOutput(path: output.path, reason: "the encoder wrote no data")
        }
        encoded[level] = (bytes, seconds)
        return (bytes, seconds)
    }

    /// Bits per pixel at `level`.
    mutating func bitsPerPixel(level: Int) throws -> Double {
        Double(try encode(level: level).bytes * 8) / Double(source.pixelCount)
    }

    /// The level whose rate is closest to `target` bpp, by bisection over the codec's levels
    /// (rate grows with the level).
    mutating func level(closestTo target: Double) throws -> Int {
        var low = codec.knob.levels.lowerBound, high = codec.knob.levels.upperBound
        if try bitsPerPixel(level: low) >= target { return low }
        if try bitsPerPixel(level: high) <= target { return high }
        while high - low > 1 {
            let middle = (low + high) / 2
            if try bitsPerPixel(level: middle) <= target { low = middle } else { high = middle }
        }
        let below = try target - bitsPerPixel(level: low), above = try bitsPerPixel(level: high) - target
        return below <= above ? low : high
    }

    /// Encodes (if not done), decodes and measures at `level`.
    mutating func measure(level: Int, setting: String,
                          quality: (_ reference: Image, _ decoded: Image) throws -> ImageQuality) throws -> ImageMeasurement {
        let (bytes, encodeSeconds) = try encode(level: level)
        let (decoded, decodeSeconds) = try codec.decode(file: file(level: level), scratch: scratch)
        guard decoded.width == source.image.width, decoded.height == source.image.height else {
            throw BenchError.malformedOutput(path: file(level: level).path,
                                             reason: "decoded \(decoded.width)x\(decoded.height), source is \(source.image.width)x\(source.image.height)")
        }
        let measured = try quality(source.image, decoded)
        return ImageMeasurement(codec: codec.identifier, setting: setting, level: level, image: source.name, bytes: bytes,
                           bitsPerPixel: Double(bytes * 8) / Double(source.pixelCount), psnrRGB: measured.psnrRGB,
                           psnrY: measured.psnrY, msSSIMRGB: measured.msSSIMRGB,
                           encodeSeconds: encodeSeconds, decodeSeconds: decodeSeconds)
    }
}
