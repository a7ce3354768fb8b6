import ArgumentParser
import Foundation
import ImageCore
import QualityMetrics
import Testing
@testable import NCodecCLI

@Suite struct MetricsCommandTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ncodec-cli-\(UUID().uuidString)-\(name)").path
    }

    static func image(width: Int, height: Int, shift: Int) -> Image {
        let planes = (0..<3).map { c in
            Plane(width: width, height: height,
                  samples: (0..<(width * height)).map { Float(($0 * (c + 3) + shift * ($0 % 7)) % 256) / 255 })!
        }
        return Image(colorModel: .rgb, bitDepth: 8, planes: planes)!
    }

    /// Writes two images and returns their paths (removed by the caller).
    static func pair(width: Int, height: Int) throws -> (String, String) {
        let (a, b) = (temporaryPath("ref.png"), temporaryPath("dist.ppm"))
        try ImageFile.write(image(width: width, height: height, shift: 0), path: a)
        try ImageFile.write(image(width: width, height: height, shift: 1), path: b)
        return (a, b)
    }

    @Test func jsonHasTheSnakeCaseKeysAndLibraryValues() throws {
        let (a, b) = try Self.pair(width: 170, height: 163)
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        let report = try MetricsCommand.measure(referencePath: a, distortedPath: b)
        let expected = try QualityMeasure.measure(reference: ImageFile.read(path: a), distorted: ImageFile.read(path: b))
        #expect(report == expected)
        let object = try JSONSerialization.jsonObject(with: Data(MetricsCommand.json(report).utf8)) as? [String: Any]
        for key in ["psnr_rgb", "ssim_rgb", "ms_ssim_rgb", "psnr_y", "ms_ssim_y", "psnr_yuv", "psnr_y_bt601", "ssim_y"] {
            #expect(object?[key] is Double, "missing \(key)")
        }
        #expect(MetricsCommand.table(report).split(separator: "\n").count == 11)
    }

    @Test func smallImagesReportMSSSIMAsNotAvailable() throws {
        let (a, b) = try Self.pair(width: 40, height: 30)
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        let report = try MetricsCommand.measure(referencePath: a, distortedPath: b)
        #expect(report.msSSIMRGB.isNaN && report.ssimRGB < 1)
        let json = try MetricsCommand.json(report)
        #expect(json.contains("\"ms_ssim_rgb\":null"))
        #expect(try JSONDecoder().decode(QualityReport.self, from: Data(json.utf8)) == report)
        #expect(MetricsCommand.table(report).contains("n/a"))
    }

    @Test func errorsAreOneLineAndExitNonZero() throws {
        let (a, b) = try Self.pair(width: 20, height: 20)
        let other = Self.temporaryPath("other.png")
        let text = Self.temporaryPath("text.png")
        try ImageFile.write(Self.image(width: 21, height: 20, shift: 0), path: other)
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: text))
        defer { for path in [a, b, other, text] { try? FileManager.default.removeItem(atPath: path) } }
        let cases: [([String], String)] = [
            ([a, "/no/such/file.png"], "cannot read /no/such/file.png"),
            ([a, other], "images differ in size: reference is 20x20, distorted is 21x20"),
            ([a, text], "not an image"),
        ]
        for (arguments, fragment) in cases {
            expectOneLineFailure(["metrics"] + arguments, containing: fragment)
        }
    }
}

@Suite struct MetricsCommandInputTests {
    @Test func grayIsComparedWithRGBByReplication() throws {
        let gray = Image(colorModel: .gray, bitDepth: 8, planes: [MetricsCommandTests.image(width: 30, height: 20, shift: 0).planes[0]])!
        let rgb = gray.converted(to: .rgb)
        let (a, b) = (MetricsCommandTests.temporaryPath("g.pgm"), MetricsCommandTests.temporaryPath("c.png"))
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        try ImageFile.write(gray, path: a)
        try ImageFile.write(rgb, path: b)
        let report = try MetricsCommand.measure(referencePath: a, distortedPath: b)
        #expect(report.psnrRGB == .infinity && report.ssimRGB > 0.999999)
    }

    @Test func alphaNeedsTheFlag() throws {
        // A 1x1 RGBA PNG (color type 6, pixel 51,102,153 alpha 7): IHDR, IDAT (stored deflate), IEND.
        let png = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAEElEQVR4AQEFAPr/ADNmmQcDPAE6ngqKdgAAAABJRU5ErkJggg==")!
        let path = MetricsCommandTests.temporaryPath("alpha.png")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try png.write(to: URL(fileURLWithPath: path))
        #expect(throws: CommandFailure.self) { try MetricsCommand.measure(referencePath: path, distortedPath: path) }
        var command = try NCodec.parseAsRoot(["metrics", path, path, "--drop-alpha", "--json"])
        try command.run()
        let report = try MetricsCommand.measure(referencePath: path, distortedPath: path, alpha: .drop)
        #expect(report.psnrRGB == .infinity)
    }
}
