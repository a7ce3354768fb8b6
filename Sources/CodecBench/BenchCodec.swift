import Foundation
import ImageCore

/// Whether a codec can run on this machine.
public enum CodecProbe: Sendable, Equatable {
    /// Ready; `version` is what the tools report about themselves.
    case available(version: String)
    /// Skipped, with the reason (e.g. a tool missing from `PATH`).
    case missing(reason: String)
}

/// One codec in one configuration (e.g. JPEG with 4:2:0 chroma), as the benchmark drives it.
///
/// Implementations encode a prepared source file to a compressed file (whose size gives the
/// rate) and decode it back to an ``Image`` for measurement. They must be safe to call from
/// several threads at once on different files.
public protocol BenchCodec: Sendable {
    /// Name on the command line and in results, e.g. "jpeg-420".
    var identifier: String { get }
    /// Human-readable name for legends and tables, e.g. "JPEG 4:2:0".
    var label: String { get }
    /// The chroma format the codec is asked to code, stated in reports.
    var chroma: String { get }
    /// The setting swept for rate points.
    var knob: QualityKnob { get }
    /// Extension of the compressed file (some decoders detect the format from it).
    var fileExtension: String { get }
    /// The input file the encoder reads.
    var inputFormat: SourceFormat { get }
    /// Whether the codec is classical (a candidate for the default BD-rate anchor).
    var isClassical: Bool { get }
    /// The command lines used, for the report (`LEVEL`, `IN`, `OUT` as placeholders).
    var commandTemplate: String { get }

    /// Checks the tools and reports their versions.
    func probe() -> CodecProbe
    /// Encodes `input` at `level` into `output`; returns the encoding time in seconds.
    func encode(input: URL, level: Int, output: URL) throws -> Double
    /// Decodes `file` (using `scratch` for intermediate files); returns the image and the decoding time in seconds.
    func decode(file: URL, scratch: URL) throws -> (image: Image, seconds: Double)
}

/// Source files prepared once per image before the codecs run.
public enum SourceFormat: String, Sendable, CaseIterable {
    case png
    case ppm
    case y4m420
    case y4m444

    /// File name extension of the prepared file.
    var fileExtension: String {
        switch self {
        case .png: "png"
        case .ppm: "ppm"
        case .y4m420: "420.y4m"
        case .y4m444: "444.y4m"
        }
    }
}
