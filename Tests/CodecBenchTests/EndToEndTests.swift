import Foundation
import ImageCore
import Testing
@testable import CodecBench

/// Runs the real libjpeg-turbo tools through the whole pipeline on tiny generated images.
@Suite struct EndToEndTests {
    @Test(.enabled(if: ToolRunner.locate("cjpeg") != nil && ToolRunner.locate("djpeg") != nil,
                   "cjpeg/djpeg not installed (Debian libjpeg-turbo-progs)"))
    func realJPEGRunWritesConsistentResults() throws {
        let input = try TestSupport.scratchDirectory("e2e-in")
        for index in 0..<2 {
            try ImageFile.write(TestSupport.pattern(width: 176, height: 168, seed: index),
                                path: input.appendingPathComponent("tiny\(index).png").path)
        }
        let output = try TestSupport.scratchDirectory("e2e-out")
        let session = BenchSession(inputs: [input.path], codecList: "jpeg", rate: .points(3), jobs: 2,
                                   outputDirectory: output, commandLine: "test")
        let results = try session.run(log: { _ in }, progress: { _ in })

        #expect(results.images == ["tiny0", "tiny1"])
        #expect(results.failures.isEmpty)
        #expect(results.measurements.count == 2 * 2 * 3)
        #expect(results.codecs.first { $0.identifier == "jpeg-420" }?.version?.contains("libjpeg-turbo") == true)
        for m in results.measurements {
            #expect(m.bytes > 100 && m.bitsPerPixel == Double(m.bytes * 8) / Double(176 * 168))
            #expect(m.psnrRGB > 15 && m.psnrRGB < 60 && m.msSSIMRGB > 0.3 && m.msSSIMRGB <= 1)
        }
        for codec in ["jpeg-420", "jpeg-444"] {
            for image in results.images {
                let sweep = results.measurements.filter { $0.codec == codec && $0.image == image }.sorted { $0.level < $1.level }
                #expect(sweep.map(\.level) == [10, 48, 85])
                #expect(zip(sweep, sweep.dropFirst()).allSatisfy { $0.bytes < $1.bytes && $0.psnrRGB < $1.psnrRGB })
            }
        }
        // 4:4:4 keeps more chroma: higher PSNR than 4:2:0 at the top quality on the same image.
        let top = results.measurements.filter { $0.level == 85 && $0.image == "tiny0" }
        let psnr420 = try #require(top.first { $0.codec == "jpeg-420" }?.psnrRGB)
        let psnr444 = try #require(top.first { $0.codec == "jpeg-444" }?.psnrRGB)
        #expect(psnr444 > psnr420)

        for name in ["results.json", "rd.csv", "rd-per-image.csv", "report.md", "rd-psnr.svg", "rd-msssim.svg"] {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(name).path), "\(name) missing")
        }
        #expect(try BenchResults.read(from: output.appendingPathComponent("results.json")) == results)
        let csv = try String(contentsOf: output.appendingPathComponent("rd.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 1 + 2 * 3)
        let report = try String(contentsOf: output.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("## BD-rate against JPEG") && report.contains("| JPEG 4:2:0 |"))
    }

    @Test func codecWithMissingToolsIsReportedAndSkipped() throws {
        let input = try TestSupport.scratchDirectory("missing-in")
        try ImageFile.write(TestSupport.pattern(width: 24, height: 16), path: input.appendingPathComponent("a.png").path)
        let output = input.appendingPathComponent("out")
        let session = BenchSession(inputs: [input.path], codecList: "", rate: .points(2), jobs: 1,
                                   outputDirectory: output, commandLine: "test")
        let logged = LineLog()
        let results = try session.run(choices: [.codec(StubCodec()), .codec(MissingCodec())],
                                      log: { logged.append($0) }, progress: { _ in })
        #expect(results.measurements.count == 2 && results.measurements.allSatisfy { $0.codec == "stub" })
        #expect(results.codecs.map(\.identifier) == ["stub", "absent"])
        #expect(results.codecs[1].skipped == "absent-enc not found on PATH (Debian package absent-tools)")
        #expect(logged.lines.contains("skipping absent: absent-enc not found on PATH (Debian package absent-tools)"))
        let report = try String(contentsOf: output.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("skipped: absent-enc not found on PATH"))
        #expect(results.measurements.allSatisfy { $0.msSSIMRGB.isNaN && $0.psnrRGB > 10 })
    }

    @Test func unknownAnchorIsRejectedBeforeRunning() throws {
        let input = try TestSupport.scratchDirectory("anchor-in")
        try ImageFile.write(TestSupport.pattern(width: 8, height: 8), path: input.appendingPathComponent("a.png").path)
        let session = BenchSession(inputs: [input.path], codecList: "jpeg-420", rate: .points(2), jobs: 1,
                                   outputDirectory: input.appendingPathComponent("out"), anchor: "vtm", commandLine: "test")
        #expect(throws: BenchError.self) { try session.run(log: { _ in }, progress: { _ in }) }
        #expect(!FileManager.default.fileExists(atPath: input.appendingPathComponent("out").path))
    }

    @Test func directoryWithoutImagesIsAClearError() throws {
        let empty = try TestSupport.scratchDirectory("empty")
        #expect(throws: BenchError.noImages(empty.path)) { try SourceImage.discover([empty.path]) }
    }
}

/// A codec whose encoder is not installed.
struct MissingCodec: BenchCodec {
    var identifier: String { "absent" }
    var label: String { "Absent" }
    var chroma: String { "4:2:0" }
    var knob: QualityKnob { QualityKnob(levels: 1...2, sweep: 1...2) { "\($0)" } }
    var fileExtension: String { "bin" }
    var inputFormat: SourceFormat { .y4m420 }
    var isClassical: Bool { true }
    var commandTemplate: String { "absent-enc" }

    func probe() -> CodecProbe {
        CommandLineCodec.probe(tools: [("absent-enc", nil)], package: "absent-tools", runner: ToolRunner(), versionArguments: [])
    }

    func encode(input: URL, level: Int, output: URL) throws -> Double { throw BenchError.toolNotFound("absent-enc") }
    func decode(file: URL, scratch: URL) throws -> (image: Image, seconds: Double) { throw BenchError.toolNotFound("absent-dec") }
}

/// Collects log lines from any thread.
final class LineLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    func append(_ line: String) {
        lock.lock()
        stored.append(line)
        lock.unlock()
    }

    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}

/// Our overfitted codec through the benchmark interface, with a very short training.
@Suite struct OverfittedBenchCodecTests {
    @Test func encodesAndDecodesATinyImage() throws {
        let directory = try TestSupport.scratchDirectory("ncodec")
        let path = directory.appendingPathComponent("tiny.png")
        let image = TestSupport.pattern(width: 24, height: 16)
        try ImageFile.write(image, path: path.path)
        guard case .codec(let codec) = try CodecCatalog.codecs(named: "ncodec:30", runner: ToolRunner())[0] else {
            Issue.record("ncodec should be available in this build")
            return
        }
        #expect(codec.identifier == "ncodec:30" && !codec.isClassical)
        let output = directory.appendingPathComponent("tiny.ncx")
        let encodeSeconds = try codec.encode(input: path, level: 4, output: output)
        let decoded = try codec.decode(file: output, scratch: directory)
        #expect(encodeSeconds > 0 && decoded.seconds >= 0)
        #expect(decoded.image.width == 24 && decoded.image.height == 16)
        let mse = TestSupport.meanSquaredError(image, decoded.image)
        #expect(mse < TestSupport.meanSquaredError(image, Image(colorModel: .rgb, bitDepth: 8,
            planes: [Plane](repeating: Plane(width: 24, height: 16, value: 0), count: 3))!))
        #expect(throws: BenchError.self) { try CodecCatalog.codecs(named: "ncodec:turbo", runner: ToolRunner()) }
    }
}
