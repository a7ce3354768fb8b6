import Foundation
import ImageCore

/// JPEG through libjpeg-turbo's `cjpeg`/`djpeg` (Debian `libjpeg-turbo-progs`), baseline with the
/// default Huffman tables (as Pillow writes it), swept over `-quality`.
public struct JPEGCodec: BenchCodec {
    /// The chroma sampling asked of `cjpeg -sample`.
    public enum Sampling: Sendable { case yuv420, yuv444 }

    public let sampling: Sampling
    let runner: ToolRunner
    let encoder = ToolRunner.locate("cjpeg")
    let decoder = ToolRunner.locate("djpeg")

    public init(sampling: Sampling, runner: ToolRunner) {
        self.sampling = sampling
        self.runner = runner
    }

    public var identifier: String { sampling == .yuv420 ? "jpeg-420" : "jpeg-444" }
    public var label: String { sampling == .yuv420 ? "JPEG 4:2:0" : "JPEG 4:4:4" }
    public var chroma: String { sampling == .yuv420 ? "4:2:0" : "4:4:4" }
    public var knob: QualityKnob { QualityKnob(levels: 1...100, sweep: 10...85) { "q=\($0)" } }
    public var fileExtension: String { "jpg" }
    public var inputFormat: SourceFormat { .ppm }
    public var isClassical: Bool { true }
    private var samplingArgument: String { sampling == .yuv420 ? "2x2" : "1x1" }
    public var commandTemplate: String {
        "cjpeg -quality LEVEL -sample \(samplingArgument) -outfile OUT IN.ppm; djpeg -ppm -outfile DEC.ppm OUT"
    }

    public func probe() -> CodecProbe {
        CommandLineCodec.probe(tools: [("cjpeg", encoder), ("djpeg", decoder)], package: "libjpeg-turbo-progs",
                               runner: runner, versionArguments: ["-version"])
    }

    public func encode(input: URL, level: Int, output: URL) throws -> Double {
        let tool = try CommandLineCodec.require(encoder, "cjpeg")
        return try runner.run(tool, ["-quality", "\(level)", "-sample", samplingArgument,
                                     "-outfile", output.path, input.path]).seconds
    }

    public func decode(file: URL, scratch: URL) throws -> (image: Image, seconds: Double) {
        let tool = try CommandLineCodec.require(decoder, "djpeg")
        let decoded = scratch.appendingPathComponent("decoded.ppm")
        let run = try runner.run(tool, ["-ppm", "-outfile", decoded.path, file.path])
        return (try CommandLineCodec.readImage(at: decoded), run.seconds)
    }
}
