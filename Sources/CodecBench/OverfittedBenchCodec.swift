import Foundation
import ImageCore
import OverfittedCodec

/// Our overfitted codec (`ncodec[:preset]`), run in process: the encoder fits a small decoder to
/// each image (``OverfittedEncoder``), swept over its quality levels (lambda from
/// ``EncoderConfiguration/lambda(quality:)``); one thread per run, so `--jobs` images run at once.
public struct OverfittedBenchCodec: BenchCodec {
    public let preset: EncodingPreset

    public init(preset: EncodingPreset) {
        self.preset = preset
    }

    /// The entry for `ncodec` or `ncodec:PRESET` (fast, medium, slow or an iteration count).
    static func choice(_ name: String) throws(BenchError) -> CodecChoice {
        let argument = name.split(separator: ":", maxSplits: 1).dropFirst().first.map(String.init) ?? "medium"
        guard let preset = EncodingPreset(argument: argument) else {
            throw .invalidOption("'\(name)': the preset must be fast, medium, slow or an iteration count")
        }
        return .codec(OverfittedBenchCodec(preset: preset))
    }

    public var identifier: String { "ncodec:\(preset)" }
    public var label: String { "ncodec (overfitted, \(preset))" }
    public var chroma: String { "RGB, no subsampling" }
    public var knob: QualityKnob {
        let range = EncoderConfiguration.qualityRange
        return QualityKnob(levels: range, sweep: range) { "quality=\($0)" }
    }
    public var fileExtension: String { "ncx" }
    public var inputFormat: SourceFormat { .png }
    public var isClassical: Bool { false }
    public var commandTemplate: String { "in process: OverfittedEncoder(preset \(preset), lambda(quality: LEVEL), automatic complexity, 1 thread); OverfittedDecoder (1 thread)" }

    public func probe() -> CodecProbe { .available(version: "this build") }

    public func encode(input: URL, level: Int, output: URL) throws -> Double {
        let image = try CommandLineCodec.readImage(at: input)
        let configuration = EncoderConfiguration(lambda: EncoderConfiguration.lambda(quality: level), preset: preset, threads: 1)
        let start = DispatchTime.now()
        let data = try OverfittedEncoder(configuration: configuration).encode(image)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        try data.write(to: output)
        return seconds
    }

    public func decode(file: URL, scratch: URL) throws -> (image: Image, seconds: Double) {
        let data = try Data(contentsOf: file)
        let start = DispatchTime.now()
        let image = try OverfittedDecoder.decode(data, threads: 1)
        return (image, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
    }
}
