import Foundation
import ImageCore

/// HEVC intra (the coding tools of BPG) through `x265` (Debian `x265`), decoded by `ffmpeg`.
/// The RGB source is converted to full-range BT.601 YCbCr by ``Y4MFrame`` (4:2:0 or 4:4:4, the
/// latter coded with the Main 4:4:4 profile), encoded with `--preset slow --tune psnr` (no psycho-visual tuning) at a fixed QP without
/// the informational SEI, and swept over the QP (0..51; level = 51 - QP).
public struct HEVCCodec: BenchCodec {
    /// Chroma sampling of the YCbCr frame given to x265.
    public let sampling: Y4MFrame.Sampling
    let runner: ToolRunner
    let encoder = ToolRunner.locate("x265")
    let decoder = ToolRunner.locate("ffmpeg")

    public init(sampling: Y4MFrame.Sampling, runner: ToolRunner) {
        self.sampling = sampling
        self.runner = runner
    }

    public var identifier: String { sampling == .yuv420 ? "hevc-420" : "hevc-444" }
    public var label: String { sampling == .yuv420 ? "HEVC 4:2:0 (x265)" : "HEVC 4:4:4 (x265)" }
    public var chroma: String { sampling == .yuv420 ? "4:2:0" : "4:4:4" }
    public var knob: QualityKnob { QualityKnob(levels: 0...51, sweep: 4...31) { "qp=\(51 - $0)" } }
    public var fileExtension: String { "hevc" }
    public var inputFormat: SourceFormat { sampling == .yuv420 ? .y4m420 : .y4m444 }
    public var isClassical: Bool { true }
    public var commandTemplate: String {
        "x265 --input IN.y4m --output OUT --qp QP --preset slow --tune psnr --no-info --frames 1 --pools 1 --frame-threads 1 --range full; "
            + "ffmpeg -threads 1 -i OUT -f yuv4mpegpipe -strict -1 DEC.y4m"
    }

    public func probe() -> CodecProbe {
        let encoderProbe = CommandLineCodec.probe(tools: [("x265", encoder), ("ffmpeg", decoder)], package: "x265 and ffmpeg",
                                                  runner: runner, versionArguments: ["--version"]) { line in
            line.range(of: "encoder version ").map { "x265 " + line[$0.upperBound...] }
        }
        guard case .available(let x265Version) = encoderProbe else { return encoderProbe }
        let decoderProbe = CommandLineCodec.probe(tools: [("ffmpeg", decoder)], package: "ffmpeg", runner: runner,
                                                  versionArguments: ["-version"]) { line in
            line.hasPrefix("ffmpeg version ") ? "ffmpeg " + (line.split(separator: " ").dropFirst(2).first.map(String.init) ?? "") : nil
        }
        guard case .available(let ffmpegVersion) = decoderProbe else { return decoderProbe }
        return .available(version: "\(x265Version); decoded by \(ffmpegVersion)")
    }

    public func encode(input: URL, level: Int, output: URL) throws -> Double {
        let tool = try CommandLineCodec.require(encoder, "x265")
        return try runner.run(tool, ["--input", input.path, "--output", output.path, "--qp", "\(51 - level)",
                                     "--preset", "slow", "--tune", "psnr", "--no-info", "--frames", "1", "--pools", "1",
                                     "--frame-threads", "1", "--range", "full", "--log-level", "error", "--no-progress"]).seconds
    }

    public func decode(file: URL, scratch: URL) throws -> (image: Image, seconds: Double) {
        let tool = try CommandLineCodec.require(decoder, "ffmpeg")
        let decoded = scratch.appendingPathComponent("decoded.y4m")
        let run = try runner.run(tool, ["-v", "error", "-y", "-threads", "1", "-i", file.path,
                                        "-f", "yuv4mpegpipe", "-strict", "-1", decoded.path])
        let data: Data
        do {
            data = try Data(contentsOf: decoded)
        } catch {
            throw BenchError.fileAccess(path: decoded.path, reason: error.localizedDescription)
        }
        let frame = try Y4MFrame(y4m: data, path: decoded.path)
        return (try frame.rgbImage(), run.seconds)
    }
}
