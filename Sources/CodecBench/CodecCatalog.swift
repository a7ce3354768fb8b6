import Foundation

/// Turns `--codecs` names into codec configurations.
///
/// A family name runs every chroma format the codec allows (`jpeg` = `jpeg-420` and `jpeg-444`);
/// a full identifier runs one. Families: jpeg, webp, avif, jxl, hevc, and `ncodec[:preset]` (our
/// overfitted codec; preset fast, medium (default), slow or an iteration count).
public enum CodecCatalog {
    /// Families and the configurations they stand for, in the order they are listed.
    public static let families: [(family: String, identifiers: [String])] = [
        ("jpeg", ["jpeg-420", "jpeg-444"]),
        ("webp", ["webp"]),
        ("avif", ["avif-420", "avif-444"]),
        ("jxl", ["jxl"]),
        ("hevc", ["hevc-420", "hevc-444"]),
    ]

    /// Every name `codecs(named:)` accepts, for messages.
    public static var knownNames: [String] {
        families.flatMap { [$0.family] + ($0.identifiers.count > 1 ? $0.identifiers : []) } + ["ncodec[:preset]"]
    }

    /// The codecs for a comma-separated list such as "jpeg,webp,hevc-444"; duplicates are dropped.
    public static func codecs(named list: String, runner: ToolRunner) throws(BenchError) -> [CodecChoice] {
        var choices: [CodecChoice] = []
        var seen: Set<String> = []
        for raw in list.split(separator: ",") {
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            guard !name.isEmpty else { continue }
            for choice in try expand(name, runner: runner) where seen.insert(choice.identifier).inserted {
                choices.append(choice)
            }
        }
        guard !choices.isEmpty else { throw .invalidOption("--codecs names no codec") }
        return choices
    }

    private static func expand(_ name: String, runner: ToolRunner) throws(BenchError) -> [CodecChoice] {
        if name == "ncodec" || name.hasPrefix("ncodec:") {
            return [try OverfittedBenchCodec.choice(name)]
        }
        let identifiers = families.first { $0.family == name }?.identifiers ?? [name]
        var codecs: [CodecChoice] = []
        for identifier in identifiers {
            guard let codec = codec(identifier, runner: runner) else {
                throw .unknownCodec(name, known: knownNames)
            }
            codecs.append(.codec(codec))
        }
        return codecs
    }

    private static func codec(_ identifier: String, runner: ToolRunner) -> (any BenchCodec)? {
        switch identifier {
        case "jpeg-420": JPEGCodec(sampling: .yuv420, runner: runner)
        case "jpeg-444": JPEGCodec(sampling: .yuv444, runner: runner)
        case "webp": WebPCodec(runner: runner)
        case "avif-420": AVIFCodec(sampling: .yuv420, runner: runner)
        case "avif-444": AVIFCodec(sampling: .yuv444, runner: runner)
        case "jxl": JPEGXLCodec(runner: runner)
        case "hevc-420": HEVCCodec(sampling: .yuv420, runner: runner)
        case "hevc-444": HEVCCodec(sampling: .yuv444, runner: runner)
        default: nil
        }
    }
}

/// A codec the user asked for: one that can be driven, or one this build lacks.
public enum CodecChoice: Sendable {
    case codec(any BenchCodec)
    /// Not in this build; reported as skipped.
    case unavailable(identifier: String, label: String, reason: String)

    public var identifier: String {
        switch self {
        case .codec(let codec): codec.identifier
        case .unavailable(let identifier, _, _): identifier
        }
    }
}
