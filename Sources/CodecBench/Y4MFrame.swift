import Foundation
import ImageCore

/// One 8-bit YCbCr frame in a YUV4MPEG2 (`.y4m`) file, the raw input and output of video codecs.
///
/// Colour conversion is full-range BT.601 with the 8-bit chroma offset 128 (the JPEG/JFIF and
/// BPG convention; ImageCore's normalised offset 0.5 falls between two 8-bit codes, which would
/// shift neutral greys by one code on the way back), with 4:2:0 chroma sited at the centre of
/// each 2x2 luma block (`C420jpeg`): averaged on the way in, bilinearly interpolated on the way out
/// (ImageCore's ``Plane/downsampled2x()`` and ``Plane/upsampled2x(width:height:)``).
public struct Y4MFrame: Sendable, Equatable {
    /// Chroma sampling of the frame.
    public enum Sampling: Sendable, Equatable { case yuv420, yuv444 }

    public var width: Int
    public var height: Int
    public var sampling: Sampling
    public var luma: [UInt8]
    public var blueDifference: [UInt8]
    public var redDifference: [UInt8]

    /// Width and height of each chroma plane.
    public var chromaSize: (width: Int, height: Int) {
        sampling == .yuv444 ? (width, height) : ((width + 1) / 2, (height + 1) / 2)
    }

    /// The frame of an 8-bit RGB image.
    public init(rgb image: Image, sampling: Sampling) throws(BenchError) {
        guard image.colorModel == .rgb, image.planes.count == 3 else {
            throw .unsupportedSource(path: "image", reason: "Y4M conversion needs an RGB image")
        }
        width = image.width
        height = image.height
        self.sampling = sampling
        let count = width * height
        var y = [UInt8](repeating: 0, count: count)
        var cb = [Float](repeating: 0, count: count)
        var cr = [Float](repeating: 0, count: count)
        let r = image.planes[0].samples, g = image.planes[1].samples, b = image.planes[2].samples
        for i in 0..<count {
            let red = r[i] * 255, green = g[i] * 255, blue = b[i] * 255
            y[i] = Self.byte(0.299 * red + 0.587 * green + 0.114 * blue)
            cb[i] = 128 - 0.168736 * red - 0.331264 * green + 0.5 * blue
            cr[i] = 128 + 0.5 * red - 0.418688 * green - 0.081312 * blue
        }
        luma = y
        blueDifference = Self.chromaBytes(cb, width: width, height: height, sampling: sampling)
        redDifference = Self.chromaBytes(cr, width: width, height: height, sampling: sampling)
    }

    /// Parses the first frame of a `.y4m` file (8-bit, `C420*` or `C444` or no colour tag).
    public init(y4m data: Data, path: String) throws(BenchError) {
        let bytes = [UInt8](data)
        guard let headerEnd = bytes.firstIndex(of: 0x0A),
              let header = String(bytes: bytes[..<headerEnd], encoding: .ascii),
              header.hasPrefix("YUV4MPEG2 ") else {
            throw .malformedOutput(path: path, reason: "no YUV4MPEG2 header")
        }
        var width = 0, height = 0
        var sampling = Sampling.yuv420
        for field in header.split(separator: " ").dropFirst() {
            switch field.first {
            case "W": width = Int(field.dropFirst()) ?? 0
            case "H": height = Int(field.dropFirst()) ?? 0
            case "C":
                let tag = field.dropFirst()
                if tag.hasPrefix("444") && !tag.contains("p") { sampling = .yuv444 }
                else if !tag.hasPrefix("420") || tag.contains("p1") {
                    throw .malformedOutput(path: path, reason: "unsupported Y4M colour format C\(tag)")
                }
            default: continue
            }
        }
        guard width > 0, height > 0, width <= 1 << 15, height <= 1 << 15 else {
            throw .malformedOutput(path: path, reason: "bad Y4M frame size \(width)x\(height)")
        }
        self.width = width
        self.height = height
        self.sampling = sampling
        let frameStart = headerEnd + 1
        guard let frameHeaderEnd = bytes[frameStart...].firstIndex(of: 0x0A),
              bytes[frameStart..<frameHeaderEnd].starts(with: Array("FRAME".utf8)) else {
            throw .malformedOutput(path: path, reason: "no FRAME marker")
        }
        let chroma = sampling == .yuv444 ? width * height : ((width + 1) / 2) * ((height + 1) / 2)
        let start = frameHeaderEnd + 1
        guard bytes.count - start >= width * height + 2 * chroma else {
            throw .malformedOutput(path: path, reason: "truncated Y4M frame")
        }
        luma = Array(bytes[start..<start + width * height])
        blueDifference = Array(bytes[start + width * height..<start + width * height + chroma])
        redDifference = Array(bytes[start + width * height + chroma..<start + width * height + 2 * chroma])
    }

    /// The `.y4m` file: header and one frame.
    public var y4mData: Data {
        let colour = sampling == .yuv444 ? "C444" : "C420jpeg"
        var data = Data("YUV4MPEG2 W\(width) H\(height) F25:1 Ip A1:1 \(colour) XCOLORRANGE=FULL\nFRAME\n".utf8)
        data.append(contentsOf: luma)
        data.append(contentsOf: blueDifference)
        data.append(contentsOf: redDifference)
        return data
    }

    /// The frame as an 8-bit RGB image (values rounded to the 8-bit grid, as a decoder would write).
    public func rgbImage() throws(BenchError) -> Image {
        let count = width * height
        let cb = try fullSizeChroma(blueDifference), cr = try fullSizeChroma(redDifference)
        var r = [Float](repeating: 0, count: count), g = r, b = r
        for i in 0..<count {
            let y = Float(luma[i]), u = cb[i] - 128, v = cr[i] - 128
            r[i] = Float(Self.byte(y + 1.402 * v)) / 255
            g[i] = Float(Self.byte(y - 0.344136 * u - 0.714136 * v)) / 255
            b[i] = Float(Self.byte(y + 1.772 * u)) / 255
        }
        guard let red = Plane(width: width, height: height, samples: r),
              let green = Plane(width: width, height: height, samples: g),
              let blue = Plane(width: width, height: height, samples: b),
              let image = Image(colorModel: .rgb, bitDepth: 8, planes: [red, green, blue]) else {
            throw .malformedOutput(path: "y4m", reason: "inconsistent frame size")
        }
        return image
    }

    /// Rounds and clamps to 0...255.
    static func byte(_ value: Float) -> UInt8 {
        UInt8(max(0, min(255, value.rounded())))
    }

    /// The byte samples of a chroma plane, downsampled 2x in each direction for 4:2:0.
    private static func chromaBytes(_ samples: [Float], width: Int, height: Int, sampling: Sampling) -> [UInt8] {
        guard sampling == .yuv420, let plane = Plane(width: width, height: height, samples: samples) else {
            return samples.map(byte)
        }
        return plane.downsampled2x().samples.map(byte)
    }

    /// A chroma plane at full size as Float byte values (4:2:0 planes interpolated bilinearly).
    private func fullSizeChroma(_ bytes: [UInt8]) throws(BenchError) -> [Float] {
        let values = bytes.map(Float.init)
        guard sampling == .yuv420 else { return values }
        let (chromaWidth, chromaHeight) = chromaSize
        guard let plane = Plane(width: chromaWidth, height: chromaHeight, samples: values) else {
            throw .malformedOutput(path: "y4m", reason: "inconsistent chroma plane size")
        }
        return plane.upsampled2x(width: width, height: height).samples
    }
}
