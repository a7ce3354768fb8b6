import Foundation
import ImageCore
import QualityMetrics

/// One `ncodec bench` run from options to written results: finds the images and codecs, runs
/// them, reads the published curves, and writes every output file.
public struct BenchSession: Sendable {
    public var inputs: [String]
    /// Comma-separated codec names (see ``CodecCatalog``).
    public var codecList: String
    public var rate: BenchRunner.RateSelection
    public var jobs: Int
    public var outputDirectory: URL
    /// Published curve files (CompressAI JSON or per-image TSV) to plot and compare.
    public var publishedPaths: [String]
    /// Curve name for BD-rates; nil = the best measured classical codec.
    public var anchor: String?
    /// Per-tool time limit in seconds.
    public var timeout: Double
    /// Recorded in the report.
    public var commandLine: String

    public init(inputs: [String], codecList: String, rate: BenchRunner.RateSelection, jobs: Int, outputDirectory: URL,
                publishedPaths: [String] = [], anchor: String? = nil, timeout: Double = 600, commandLine: String) {
        self.inputs = inputs
        self.codecList = codecList
        self.rate = rate
        self.jobs = jobs
        self.outputDirectory = outputDirectory
        self.publishedPaths = publishedPaths
        self.anchor = anchor
        self.timeout = timeout
        self.commandLine = commandLine
    }

    /// Runs the benchmark and writes the outputs; `log` gets one line per notable event
    /// (skipped codecs, written files), `progress` the running state.
    public func run(log: @escaping @Sendable (String) -> Void,
                    progress: @escaping @Sendable (BenchProgress) -> Void) throws(BenchError) -> BenchResults {
        try run(choices: CodecCatalog.codecs(named: codecList, runner: ToolRunner(timeout: timeout)), log: log, progress: progress)
    }

    /// ``run(log:progress:)`` with the codecs already chosen.
    func run(choices: [CodecChoice], log: @escaping @Sendable (String) -> Void,
             progress: @escaping @Sendable (BenchProgress) -> Void) throws(BenchError) -> BenchResults {
        try validateRate()
        let startDate = Date()
        let paths = try SourceImage.discover(inputs)
        var sources = try paths.map { path throws(BenchError) in try SourceImage(path: path) }
        let published = RDCurve.distinct(try publishedPaths.map { path throws(BenchError) in
            try PublishedCurve.read(path: path, images: sources.map(\.name))
        }, from: choices.map(\.identifier))
        try validateAnchor(choices: choices, published: published)

        let (records, codecs) = probe(choices, log: log)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ncodec-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        try createDirectory(work)
        let formats = Set(codecs.map(\.inputFormat))
        for index in sources.indices {
            try sources[index].prepare(formats, in: work)
        }
        log("\(sources.count) images x \(codecs.count) codecs, \(jobs) jobs")
        let benchRunner = BenchRunner(codecs: codecs, rate: rate, jobs: jobs, workDirectory: work, quality: Self.measureQuality)
        let outcome = benchRunner.run(sources, progress: progress)
        let results = BenchResults(
            commandLine: commandLine, started: ISO8601DateFormatter().string(from: startDate),
            elapsedSeconds: Date().timeIntervalSince(startDate), jobs: jobs, machine: .current(),
            images: sources.map(\.name), codecs: records, measurements: Self.ordered(outcome.measurements, codecs: codecs),
            failures: outcome.failures, published: published, anchor: anchor)
        for file in try BenchOutput.write(results, to: outputDirectory) { log("wrote \(file.path)") }
        return results
    }

    /// PSNR-RGB, PSNR-Y (BT.709) and MS-SSIM-RGB from QualityMetrics (MS-SSIM is NaN, "not
    /// available", for images under 161 pixels on a side).
    @Sendable public static func measureQuality(reference: Image, decoded: Image) throws -> ImageQuality {
        let report = try QualityMeasure.measure(reference: reference, distorted: decoded, requireMultiScale: false)
        return ImageQuality(psnrRGB: report.psnrRGB, psnrY: report.psnrY, msSSIMRGB: report.msSSIMRGB)
    }

    private func validateRate() throws(BenchError) {
        switch rate {
        case .points(let count) where count < 1 || count > 100:
            throw .invalidOption("--points must be between 1 and 100")
        case .targets(let targets) where targets.isEmpty || targets.contains { !($0 > 0 && $0 < 64) }:
            throw .invalidOption("--bpp needs positive targets below 64")
        default:
            guard jobs >= 1 else { throw .invalidOption("--jobs must be at least 1") }
        }
    }

    private func validateAnchor(choices: [CodecChoice], published: [RDCurve]) throws(BenchError) {
        guard let anchor else { return }
        let names = choices.map(\.identifier) + published.map(\.name)
        guard names.contains(anchor) else {
            throw .invalidOption("--anchor '\(anchor)' is none of the curves: \(names.joined(separator: ", "))")
        }
    }

    /// Records for the report; the codecs that can run.
    private func probe(_ choices: [CodecChoice], log: (String) -> Void) -> ([BenchResults.CodecRecord], [any BenchCodec]) {
        var records: [BenchResults.CodecRecord] = []
        var runnable: [any BenchCodec] = []
        for choice in choices {
            switch choice {
            case .unavailable(let identifier, let label, let reason):
                log("skipping \(identifier): \(reason)")
                records.append(.init(identifier: identifier, label: label, chroma: "", classical: false, version: nil,
                                     skipped: reason, command: ""))
            case .codec(let codec):
                let probe = codec.probe()
                var record = BenchResults.CodecRecord(identifier: codec.identifier, label: codec.label, chroma: codec.chroma,
                                                      classical: codec.isClassical, version: nil, skipped: nil,
                                                      command: codec.commandTemplate)
                switch probe {
                case .available(let version):
                    record.version = version
                    runnable.append(codec)
                case .missing(let reason):
                    log("skipping \(codec.identifier): \(reason)")
                    record.skipped = reason
                }
                records.append(record)
            }
        }
        return (records, runnable)
    }

    /// Measurements sorted by codec (in run order), setting (by mean rate), then image: stable output files.
    static func ordered(_ measurements: [ImageMeasurement], codecs: [any BenchCodec]) -> [ImageMeasurement] {
        let rank = Dictionary(uniqueKeysWithValues: codecs.enumerated().map { ($1.identifier, $0) })
        let groups = Dictionary(grouping: measurements) { "\($0.codec) \($0.setting)" }
        let meanRate = groups.mapValues { group in group.map(\.bitsPerPixel).reduce(0, +) / Double(group.count) }
        func key(_ m: ImageMeasurement) -> (Int, Double, String) {
            (rank[m.codec] ?? rank.count, meanRate["\(m.codec) \(m.setting)"] ?? 0, m.image)
        }
        return measurements.sorted { key($0) < key($1) }
    }

    private func createDirectory(_ url: URL) throws(BenchError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw .fileAccess(path: url.path, reason: error.localizedDescription)
        }
    }
}
