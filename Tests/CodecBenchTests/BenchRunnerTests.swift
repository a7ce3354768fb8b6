import Foundation
import ImageCore
import Testing
@testable import CodecBench

@Suite struct BenchRunnerTests {
    /// Two tiny sources with their PPM inputs prepared.
    private func sources(in directory: URL) throws -> [SourceImage] {
        try (0..<2).map { index in
            let path = directory.appendingPathComponent("img\(index).png")
            try ImageFile.write(TestSupport.pattern(width: 20 + index, height: 10, seed: index), path: path.path)
            var source = try SourceImage(path: path)
            try source.prepare([.ppm, .png], in: directory)
            return source
        }
    }

    @Test func sweepLevelsSpreadOverTheRangeWithoutRepeats() {
        let knob = QualityKnob(levels: 0...100, sweep: 10...90) { "\($0)" }
        #expect(knob.sweepLevels(count: 5) == [10, 30, 50, 70, 90])
        #expect(knob.sweepLevels(count: 1) == [50])
        let narrow = QualityKnob(levels: 0...10, sweep: 2...4) { "\($0)" }
        #expect(narrow.sweepLevels(count: 8) == [2, 3, 4])
    }

    @Test func everyImageAndSettingIsMeasuredAndFailuresAreCollected() throws {
        let directory = try TestSupport.scratchDirectory("runner")
        let sources = try sources(in: directory)
        let good = StubCodec()
        let flaky = StubCodec(identifier: "flaky", failingLevel: 18)
        let runner = BenchRunner(codecs: [good, flaky], rate: .points(3), jobs: 2,
                                 workDirectory: directory.appendingPathComponent("work"), quality: TestSupport.stubQuality)
        let updates = ProgressLog()
        let (measurements, failures) = runner.run(sources) { updates.append($0) }

        #expect(measurements.count == 2 * 3 + 2 * 2)
        #expect(failures.count == 2 && failures.allSatisfy { $0.codec == "flaky" && $0.setting == "levels=18" })
        #expect(failures.first?.message.contains("planned failure") == true)
        for m in measurements {
            #expect(m.bytes == m.level * 100)
            let source = try #require(sources.first { $0.name == m.image })
            #expect(m.bitsPerPixel == Double(m.level * 800) / Double(source.image.width * source.image.height))
        }
        let last = try #require(updates.values.max { $0.runsDone < $1.runsDone })
        #expect(last.runsDone == 4 && last.runsTotal == 4 && last.imagesDone == 2 && last.remainingSeconds == 0)
        #expect(updates.values.count == 4)
    }

    @Test func bppTargetsPickTheClosestLevelPerImage() throws {
        let directory = try TestSupport.scratchDirectory("targets")
        let sources = try sources(in: directory)
        let runner = BenchRunner(codecs: [StubCodec()], rate: .targets([12, 100]), jobs: 1,
                                 workDirectory: directory.appendingPathComponent("work"), quality: TestSupport.stubQuality)
        let (measurements, failures) = runner.run(sources) { _ in }
        #expect(failures.isEmpty)
        // 200 pixels: bpp = level * 4; 21 pixels wide: bpp = level * 800 / 210.
        let first = measurements.filter { $0.image == "img0" }.sorted { $0.level < $1.level }
        #expect(first.map(\.level) == [3, 25])
        #expect(first.map(\.setting) == ["bpp=12", "bpp=100"])
        let second = measurements.filter { $0.image == "img1" }.sorted { $0.level < $1.level }
        #expect(second.map(\.level) == [3, 26])
    }

    @Test func curvesAverageOverImagesAndDropIncompleteSettings() {
        func m(_ codec: String, _ setting: String, _ image: String, _ bpp: Double, _ psnr: Double) -> ImageMeasurement {
            ImageMeasurement(codec: codec, setting: setting, level: 0, image: image, bytes: 1, bitsPerPixel: bpp, psnrRGB: psnr,
                        psnrY: psnr + 1, msSSIMRGB: 0.99, encodeSeconds: 1, decodeSeconds: 2)
        }
        let measurements = [m("a", "q=1", "x", 0.5, 30), m("a", "q=1", "y", 1.5, 34), m("a", "q=2", "x", 2, 40),
                            m("b", "q=1", "x", 9, 9)]
        let curve = RDCurve.measured(codec: "a", label: "A", measurements: measurements, imageCount: 2)
        #expect(curve.points.count == 1)
        let point = curve.points[0]
        #expect(point.bitsPerPixel == 1.0 && point.psnrRGB == 32 && point.psnrY == 33 && point.imageCount == 2)
        #expect(abs((point.msSSIMDecibels ?? 0) - 20) < 1e-9)
    }

    @Test func resultsSurviveAJSONRoundTripIncludingInfinitePSNR() throws {
        let lossless = ImageMeasurement(codec: "a", setting: "q=100", level: 100, image: "x", bytes: 10, bitsPerPixel: 8,
                                   psnrRGB: .infinity, psnrY: .infinity, msSSIMRGB: 1, encodeSeconds: 0.1, decodeSeconds: 0.1)
        let results = BenchResults(commandLine: "ncodec bench x", started: "now", elapsedSeconds: 1, jobs: 1,
                                   machine: .current(), images: ["x"], codecs: [], measurements: [lossless],
                                   failures: [], published: [], anchor: nil)
        let directory = try TestSupport.scratchDirectory("json")
        let url = directory.appendingPathComponent("results.json")
        try results.encoded().write(to: url)
        #expect(try BenchResults.read(from: url) == results)
        try Data("{\"commandLine\": 3}".utf8).write(to: url)
        #expect(throws: BenchError.self) { try BenchResults.read(from: url) }
    }

    @Test func codecNamesExpandToTheirVariants() throws {
        let runner = ToolRunner()
        let names = try CodecCatalog.codecs(named: "jpeg, hevc-444,webp,jpeg-420,ncodec:fast", runner: runner).map(\.identifier)
        #expect(names == ["jpeg-420", "jpeg-444", "hevc-444", "webp", "ncodec:fast"])
        #expect(throws: BenchError.unknownCodec("png", known: CodecCatalog.knownNames)) {
            try CodecCatalog.codecs(named: "jpeg,png", runner: runner)
        }
    }
}

/// Collects progress reports from worker threads.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [BenchProgress] = []

    func append(_ progress: BenchProgress) {
        lock.lock()
        stored.append(progress)
        lock.unlock()
    }

    var values: [BenchProgress] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
