import Foundation
import ImageCore

/// Lossy WebP through libwebp's `cwebp`/`dwebp` (Debian `webp`), default method and filters,
/// swept over `-q`. Lossy WebP is always 4:2:0.
public struct WebPCodec: BenchCodec {
    let runner: ToolRunner
    let encoder = ToolRunner.locate("cwebp")
    let decoder = ToolRunner.locate("dwebp")

    public init(runner: ToolRunner) {
        self.runner = runner
    }

    public var identifier: String { "webp" }
    public var label: String { "WebP" }
    public var chroma: String { "4:2:0 (the only lossy WebP format)" }
    public var knob: QualityKnob { QualityKnob(levels: 0...100, sweep: 5...90) { "q=\($0)" } }
    public var fileExtension: String { "webp" }
    public var inputFormat: SourceFormat { .png }
    public var isClassical: Bool { true }
    public var commandTemplate: String { "cwebp -quiet -q LEVEL IN.png -o OUT; dwebp -quiet -ppm OUT -o DEC.ppm" }

    public func probe() -> CodecProbe {
        CommandLineCodec.probe(tools: [("cwebp", encoder), ("dwebp", decoder)], package: "webp",
                               runner: runner, versionArguments: ["-version"]) { "libwebp \($0)" }
    }

    public func encode(input: URL, level: Int, output: URL) throws -> Double {
        let tool = try CommandLineCodec.require(encoder, "cwebp")
        return try runner.run(tool, ["-quiet", "-q", "\(level)", input.path, "-o", output.path]).seconds
    }

    public func decode(file: URL, scratch: URL) throws -> (image: Image, seconds: Double) {
        let tool = try CommandLineCodec.require(decoder, "dwebp")
        let decoded = scratch.appendingPathComponent("decoded.ppm")
        let run = try runner.run(tool, ["-quiet", "-ppm", file.path, "-o", decoded.path])
        return (try CommandLineCodec.readImage(at: decoded), run.seconds)
    }
}
