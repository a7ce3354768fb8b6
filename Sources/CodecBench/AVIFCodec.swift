import Foundation
import ImageCore

/// AVIF (AV1 intra) through libavif's `avifenc`/`avifdec` (Debian `libavif-bin`) with the aom
/// encoder at the default speed 6, one thread, full-range YUV, swept over the quantiser
/// (`--min Q --max Q`, 0..63; level = 63 - Q).
public struct AVIFCodec: BenchCodec {
    /// The YUV format asked of `avifenc -y`.
    public enum Sampling: Sendable { case yuv420, yuv444 }

    public let sampling: Sampling
    let runner: ToolRunner
    let encoder = ToolRunner.locate("avifenc")
    let decoder = ToolRunner.locate("avifdec")

    public init(sampling: Sampling, runner: ToolRunner) {
        self.sampling = sampling
        self.runner = runner
    }

    public var identifier: String { sampling == .yuv420 ? "avif-420" : "avif-444" }
    public var label: String { sampling == .yuv420 ? "AVIF 4:2:0" : "AVIF 4:4:4" }
    public var chroma: String { sampling == .yuv420 ? "4:2:0" : "4:4:4" }
    public var knob: QualityKnob { QualityKnob(levels: 0...63, sweep: 8...52) { "qp=\(63 - $0)" } }
    public var fileExtension: String { "avif" }
    public var inputFormat: SourceFormat { .png }
    public var isClassical: Bool { true }
    private var yuvArgument: String { sampling == .yuv420 ? "420" : "444" }
    public var commandTemplate: String {
        "avifenc -j 1 -c aom -s 6 -r full -y \(yuvArgument) --min QP --max QP IN.png OUT; avifdec -j 1 OUT DEC.png"
    }

    public func probe() -> CodecProbe {
        CommandLineCodec.probe(tools: [("avifenc", encoder), ("avifdec", decoder)], package: "libavif-bin",
                               runner: runner, versionArguments: ["--version"]) { line in
            line.hasPrefix("Version:") ? "libavif " + line.dropFirst("Version:".count).trimmingCharacters(in: .whitespaces) : nil
        }
    }

    public func encode(input: URL, level: Int, output: URL) throws -> Double {
        let tool = try CommandLineCodec.require(encoder, "avifenc")
        let quantiser = "\(63 - level)"
        return try runner.run(tool, ["-j", "1", "-c", "aom", "-s", "6", "-r", "full", "-y", yuvArgument,
                                     "--min", quantiser, "--max", quantiser, input.path, output.path]).seconds
    }

    public func decode(file: URL, scratch: URL) throws -> (image: Image, seconds: Double) {
        let tool = try CommandLineCodec.require(decoder, "avifdec")
        let decoded = scratch.appendingPathComponent("decoded.png")
        let run = try runner.run(tool, ["-j", "1", "-d", "8", file.path, decoded.path])
        return (try CommandLineCodec.readImage(at: decoded), run.seconds)
    }
}
