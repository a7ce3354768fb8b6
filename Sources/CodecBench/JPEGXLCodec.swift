import Foundation
import ImageCore

/// JPEG XL through libjxl's `cjxl`/`djxl` (Debian `libjxl-tools`), VarDCT at the default effort 7,
/// one thread, swept over `-q` (cjxl maps it to a Butteraugli distance). JPEG XL codes in its
/// XYB colour space without chroma subsampling.
public struct JPEGXLCodec: BenchCodec {
    let runner: ToolRunner
    let encoder = ToolRunner.locate("cjxl")
    let decoder = ToolRunner.locate("djxl")

    public init(runner: ToolRunner) {
        self.runner = runner
    }

    public var identifier: String { "jxl" }
    public var label: String { "JPEG XL" }
    public var chroma: String { "XYB, no subsampling" }
    public var knob: QualityKnob { QualityKnob(levels: 1...99, sweep: 10...90) { "q=\($0)" } }
    public var fileExtension: String { "jxl" }
    public var inputFormat: SourceFormat { .png }
    public var isClassical: Bool { true }
    public var commandTemplate: String {
        "cjxl IN.png OUT -q LEVEL -e 7 --num_threads=1; djxl OUT DEC.ppm --num_threads=1"
    }

    public func probe() -> CodecProbe {
        CommandLineCodec.probe(tools: [("cjxl", encoder), ("djxl", decoder)], package: "libjxl-tools",
                               runner: runner, versionArguments: ["--version"]) { line in
            line.hasPrefix("cjxl ") ? "libjxl " + (line.split(separator: " ").dropFirst().first.map(String.init) ?? "") : nil
        }
    }

    public func encode(input: URL, level: Int, output: URL) throws -> Double {
        let tool = try CommandLineCodec.require(encoder, "cjxl")
        return try runner.run(tool, [input.path, output.path, "-q", "\(level)", "-e", "7", "--num_threads=1"]).seconds
    }

    public func decode(file: URL, scratch: URL) throws -> (image: Image, seconds: Double) {
        let tool = try CommandLineCodec.require(decoder, "djxl")
        let decoded = scratch.appendingPathComponent("decoded.ppm")
        let run = try runner.run(tool, [file.path, decoded.path, "--num_threads=1"])
        return (try CommandLineCodec.readImage(at: decoded), run.seconds)
    }
}
