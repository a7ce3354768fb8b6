import Foundation

/// Everything `ncodec bench` measured, as written to `results.json` (and read back by `ncodec plot`).
public struct BenchResults: Codable, Sendable, Equatable {
    /// A codec the user asked for: what it is, its version, or why it was skipped.
    public struct CodecRecord: Codable, Sendable, Equatable {
        public var identifier: String
        public var label: String
        public var chroma: String
        public var classical: Bool
        /// Tool versions, when the codec ran.
        public var version: String?
        /// Why the codec did not run, when it did not.
        public var skipped: String?
        /// How the tools were called.
        public var command: String

        public init(identifier: String, label: String, chroma: String, classical: Bool, version: String?,
                    skipped: String?, command: String) {
            self.identifier = identifier
            self.label = label
            self.chroma = chroma
            self.classical = classical
            self.version = version
            self.skipped = skipped
            self.command = command
        }
    }

    public var commandLine: String
    /// ISO 8601 start time.
    public var started: String
    public var elapsedSeconds: Double
    public var jobs: Int
    public var machine: MachineDescription
    /// Image names, in the order run.
    public var images: [String]
    public var codecs: [CodecRecord]
    public var measurements: [ImageMeasurement]
    public var failures: [BenchFailure]
    public var published: [RDCurve]
    /// The curve name BD-rates are computed against (nil: the best measured classical codec).
    public var anchor: String?

    public init(commandLine: String, started: String, elapsedSeconds: Double, jobs: Int, machine: MachineDescription,
                images: [String], codecs: [CodecRecord], measurements: [ImageMeasurement], failures: [BenchFailure],
                published: [RDCurve], anchor: String?) {
        self.commandLine = commandLine
        self.started = started
        self.elapsedSeconds = elapsedSeconds
        self.jobs = jobs
        self.machine = machine
        self.images = images
        self.codecs = codecs
        self.measurements = measurements
        self.failures = failures
        self.published = published
        self.anchor = anchor
    }

    /// Mean curves of the codecs that ran, in the order the user listed them.
    public var measuredCurves: [RDCurve] {
        codecs.filter { $0.skipped == nil }.map {
            RDCurve.measured(codec: $0.identifier, label: $0.label, measurements: measurements, imageCount: images.count)
        }.filter { !$0.points.isEmpty }
    }

    /// Measured then published curves (published names made distinct from the codecs').
    public var allCurves: [RDCurve] {
        measuredCurves + RDCurve.distinct(published, from: codecs.map(\.identifier))
    }

    /// The BD-rate anchor: the one named, or the best measured classical codec.
    public func anchorCurve() throws(BenchError) -> RDCurve? {
        let curves = allCurves
        if let anchor {
            guard let curve = curves.first(where: { $0.name == anchor }) else {
                throw .invalidOption("anchor '\(anchor)' is none of the curves: \(curves.map(\.name).joined(separator: ", "))")
            }
            return curve
        }
        let classical = Set(codecs.filter(\.classical).map(\.identifier))
        return BDRateTable.best(among: measuredCurves.filter { classical.contains($0.name) })
    }

    /// JSON with sorted keys; infinite PSNRs (lossless) are written as "inf".
    public func encoded() throws(BenchError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try encoder.encode(self)
        } catch {
            throw .invalidResults(path: "results.json", reason: error.localizedDescription)
        }
    }

    /// Reads a `results.json`.
    public static func read(from url: URL) throws(BenchError) -> BenchResults {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .fileAccess(path: url.path, reason: error.localizedDescription)
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try decoder.decode(BenchResults.self, from: data)
        } catch {
            throw .invalidResults(path: url.path, reason: String(describing: error))
        }
    }
}
