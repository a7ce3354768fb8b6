import Foundation
import ImageCore
import Testing
@testable import QualityMetrics

/// Agreement with pytorch-msssim and numpy/scikit-image on Kodak images (Fixtures/make_fixtures.py).
@Suite struct FixtureTests {
    struct Fixture: Decodable {
        struct Distortion: Decodable {
            var kind: String
            var amplitude: Int?
            var seed: UInt32?
            var shift: Int?
            var quality: Int?
        }
        struct Case: Decodable {
            var name: String
            var image: String
            var crop: [Int]?
            var distortion: Distortion
            var expected: [String: Double]
        }
        var cases: [Case]
    }

    static let testDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let kodak = testDirectory.deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data/kodak")

    static let cases: [Fixture.Case] = {
        let url = testDirectory.appendingPathComponent("Fixtures/quality_fixtures.json")
        guard let data = try? Data(contentsOf: url), let fixture = try? JSONDecoder().decode(Fixture.self, from: data)
        else { return [] }
        return fixture.cases
    }()

    @Test func fixturesAreLoaded() {
        #expect(Self.cases.count >= 10)
    }

    @Test(arguments: cases.map(\.name))
    func matchesReference(name: String) throws {
        guard let fixture = Self.cases.first(where: { $0.name == name }) else { return }
        guard FileManager.default.fileExists(atPath: Self.kodak.path) else {
            print("skipped \(name): ../shared/data/kodak is absent")
            return
        }
        let source = try ImageFile.read(path: Self.kodak.appendingPathComponent(fixture.image).path)
        var reference = IntegerImage(source, crop: fixture.crop)
        if fixture.distortion.kind == "noise16" { reference = reference.spreadTo16Bit() }
        guard let distorted = try distort(reference, fixture.distortion) else {
            print("skipped \(name): cjpeg/djpeg not installed")
            return
        }
        let expected = fixture.expected
        let (a, b) = (reference.image, distorted.image)
        let psnr = QualityMeasure.psnrReport(a, b)
        let psnrValues: [(String, Double)] = [
            ("psnr_rgb", psnr.rgb), ("psnr_r", psnr.r), ("psnr_g", psnr.g), ("psnr_b", psnr.b),
            ("psnr_y", psnr.y), ("psnr_y_bt601", psnr.yBT601), ("psnr_yuv", psnr.yuv),
        ]
        for (key, value) in psnrValues {
            #expect(abs(value - (expected[key] ?? .nan)) < 1e-3, "\(name) \(key): \(value) vs \(expected[key] ?? .nan)")
        }
        let ssimRGB = zip(a.planes, b.planes).map { StructuralSimilarity.ssim($0, $1) }.reduce(0, +) / 3
        let (ya, yb) = (a.luma(matrix: .bt709), b.luma(matrix: .bt709))
        var structural: [(String, Double)] = [("ssim_rgb", ssimRGB), ("ssim_y", StructuralSimilarity.ssim(ya, yb))]
        if expected["ms_ssim_rgb"] != nil {
            let report = try QualityMeasure.measure(reference: a, distorted: b)
            structural += [("ms_ssim_rgb", report.msSSIMRGB), ("ms_ssim_y", report.msSSIMY)]
            #expect(abs(report.ssimRGB - ssimRGB) < 1e-12 && abs(report.psnrYUV - psnr.yuv) < 1e-12)
        } else {
            #expect(throws: MetricsError.self) { try QualityMeasure.measure(reference: a, distorted: b) }
        }
        for (key, value) in structural {
            #expect(abs(value - (expected[key] ?? .nan)) < 1e-4, "\(name) \(key): \(value) vs \(expected[key] ?? .nan)")
        }
    }

    /// The fixture's distortion, or nil when it needs tools that are not installed.
    private func distort(_ image: IntegerImage, _ spec: Fixture.Distortion) throws -> IntegerImage? {
        switch spec.kind {
        case "noise", "noise16": return image.noisy(amplitude: spec.amplitude ?? 0, seed: spec.seed ?? 0)
        case "blur": return image.blurred()
        case "blur-noise": return image.blurred().noisy(amplitude: spec.amplitude ?? 0, seed: spec.seed ?? 0)
        case "posterize": return image.posterized(shift: spec.shift ?? 1)
        case "jpeg": return try JPEGRoundTrip.run(image, quality: spec.quality ?? 75)
        default:
            Issue.record("unknown distortion \(spec.kind)")
            return image
        }
    }
}

/// Compresses with Debian's cjpeg and decodes with djpeg, as the fixture generator does.
enum JPEGRoundTrip {
    static func tool(_ name: String) -> String? {
        ["/usr/bin/", "/usr/local/bin/"].map { $0 + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ image: IntegerImage, quality: Int) throws -> IntegerImage? {
        guard let cjpeg = tool("cjpeg"), let djpeg = tool("djpeg") else { return nil }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (source, compressed, decoded) = (
            directory.appendingPathComponent("a.ppm").path, directory.appendingPathComponent("a.jpg").path,
            directory.appendingPathComponent("b.ppm").path)
        try ImageFile.write(image.image, path: source)
        try execute(cjpeg, ["-quality", "\(quality)", "-outfile", compressed, source])
        try execute(djpeg, ["-pnm", "-outfile", decoded, compressed])
        let viaDjpeg = try ImageFile.read(path: decoded)
        let direct = try ImageFile.read(path: compressed) == viaDjpeg  // our libjpeg reader, same samples
        #expect(direct)
        return IntegerImage(viaDjpeg, crop: nil)
    }

    private static func execute(_ path: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
