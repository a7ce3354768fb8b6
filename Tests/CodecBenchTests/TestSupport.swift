import Foundation
import ImageCore
@testable import CodecBench

/// Small images and scratch directories for the tests.
enum TestSupport {
    /// A smooth RGB gradient with a checker pattern, 8-bit values.
    static func pattern(width: Int, height: Int, seed: Int = 0) -> Image {
        var planes: [Plane] = []
        for channel in 0..<3 {
            var plane = Plane(width: width, height: height)
            for y in 0..<height {
                for x in 0..<width {
                    let ramp = (x * 255 / max(width - 1, 1) + y * 97 / max(height - 1, 1) + channel * 60 + seed * 13) % 256
                    let checker = ((x / 4 + y / 4) % 2) * 24
                    plane[x, y] = Float(min(255, ramp + checker)) / 255
                }
            }
            planes.append(plane)
        }
        return Image(colorModel: .rgb, bitDepth: 8, planes: planes)!
    }

    /// A fresh empty directory under the temporary directory.
    static func scratchDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("codecbench-tests-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `../shared/data` next to the package root, when present.
    static var sharedData: URL? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = root.deletingLastPathComponent().appendingPathComponent("shared/data")
        return FileManager.default.fileExists(atPath: data.path) ? data : nil
    }

    /// Mean squared difference per sample, in 8-bit units squared.
    static func meanSquaredError(_ a: Image, _ b: Image) -> Double {
        var total = 0.0, count = 0
        for (pa, pb) in zip(a.planes, b.planes) {
            for (x, y) in zip(pa.samples, pb.samples) {
                let difference = Double(x - y) * 255
                total += difference * difference
                count += 1
            }
        }
        return total / Double(count)
    }

    /// PSNR-RGB from the mean squared error, for the stub quality function.
    @Sendable static func stubQuality(reference: Image, decoded: Image) throws -> ImageQuality {
        let mse = meanSquaredError(reference, decoded)
        let psnr = mse == 0 ? 99 : 10 * log10(255 * 255 / mse)
        return ImageQuality(psnrRGB: psnr, psnrY: psnr, msSSIMRGB: 1 - mse / 10_000)
    }
}

/// A codec implemented in the test: the "file" is `level * 100` bytes starting with the input's
/// path; decoding re-reads the input and quantises it to `level` values per channel; one level
/// can be made to fail.
struct StubCodec: BenchCodec {
    var identifier = "stub"
    var failingLevel: Int? = nil

    var label: String { "Stub & <codec>" }
    var chroma: String { "4:4:4" }
    var knob: QualityKnob { QualityKnob(levels: 2...64, sweep: 4...32) { "levels=\($0)" } }
    var fileExtension: String { "stub" }
    var inputFormat: SourceFormat { .ppm }
    var isClassical: Bool { true }
    var commandTemplate: String { "none" }

    func probe() -> CodecProbe { .available(version: "stub 1.0") }

    func encode(input: URL, level: Int, output: URL) throws -> Double {
        if level == failingLevel { throw BenchError.toolFailed(tool: "stub", status: 3, standardError: "planned failure") }
        var bytes = [UInt8](input.path.utf8) + [0]
        bytes += [UInt8](repeating: UInt8(level), count: level * 100 - bytes.count)
        try Data(bytes).write(to: output)
        return 0.001
    }

    func decode(file: URL, scratch: URL) throws -> (image: Image, seconds: Double) {
        let data = try Data(contentsOf: file)
        let levels = Float(data.count / 100 - 1)
        let path = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
        var image = try ImageFile.read(path: path)
        for index in image.planes.indices {
            image.planes[index].samples = image.planes[index].samples.map { ($0 * levels).rounded() / levels }
        }
        return (image, 0.002)
    }
}
