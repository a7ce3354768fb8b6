import Foundation
import ImageCore

/// The three numbers the benchmark keeps per decoded image.
public struct ImageQuality: Sendable, Equatable {
    public var psnrRGB: Double
    public var psnrY: Double
    public var msSSIMRGB: Double

    public init(psnrRGB: Double, psnrY: Double, msSSIMRGB: Double) {
        self.psnrRGB = psnrRGB
        self.psnrY = psnrY
        self.msSSIMRGB = msSSIMRGB
    }
}

/// How far a benchmark has got, reported after every finished (image, codec) run.
public struct BenchProgress: Sendable, Equatable {
    public var imagesDone: Int
    public var imageCount: Int
    public var runsDone: Int
    public var runsTotal: Int
    public var elapsedSeconds: Double
    /// Estimate from the mean time per run so far (nil before the first run ends).
    public var remainingSeconds: Double?
    /// The run that just finished, e.g. "kodim05 avif-444".
    public var lastRun: String
}

/// Codes every source image with every codec at every rate point, in parallel, and measures.
public struct BenchRunner: Sendable {
    /// Which rate points to run.
    public enum RateSelection: Sendable, Equatable {
        /// `count` settings spread over each codec's sweep range.
        case points(Int)
        /// Per image, the setting whose rate is closest to each bpp target (found by bisection).
        case targets([Double])
    }

    public var codecs: [any BenchCodec]
    public var rate: RateSelection
    /// Runs in flight at once.
    public var jobs: Int
    /// Where scratch files go (created; left for the caller to remove).
    public var workDirectory: URL
    /// Measures a decoded image against its reference.
    public var quality: @Sendable (_ reference: Image, _ decoded: Image) throws -> ImageQuality

    public init(codecs: [any BenchCodec], rate: RateSelection, jobs: Int, workDirectory: URL,
                quality: @escaping @Sendable (_ reference: Image, _ decoded: Image) throws -> ImageQuality) {
        self.codecs = codecs
        self.rate = rate
        self.jobs = max(1, jobs)
        self.workDirectory = workDirectory
        self.quality = quality
    }

    /// Runs every (image, codec) pair, `jobs` at a time, images in order; failures of single
    /// settings are collected, not thrown.
    public func run(_ sources: [SourceImage], progress: @escaping @Sendable (BenchProgress) -> Void)
        -> (measurements: [ImageMeasurement], failures: [BenchFailure]) {
        let tasks = sources.indices.flatMap { image in codecs.indices.map { (image, $0) } }
        let collector = ResultCollector(imageCount: sources.count, codecCount: codecs.count, progress: progress)
        let group = DispatchGroup()
        for _ in 0..<min(jobs, max(tasks.count, 1)) {
            group.enter()
            let worker = Thread {
                while let index = collector.claimTask(below: tasks.count) {
                    let (image, codec) = tasks[index]
                    let outcome = runPair(source: sources[image], codec: codecs[codec])
                    collector.finish(image: image, name: "\(sources[image].name) \(codecs[codec].identifier)", outcome: outcome)
                }
                group.leave()
            }
            worker.stackSize = 8 << 20
            worker.start()
        }
        group.wait()
        return collector.results
    }

    /// All rate points of one codec on one image.
    func runPair(source: SourceImage, codec: any BenchCodec) -> (measurements: [ImageMeasurement], failures: [BenchFailure]) {
        var measurements: [ImageMeasurement] = []
        var failures: [BenchFailure] = []
        let scratch = workDirectory.appendingPathComponent(source.name).appendingPathComponent(codec.identifier)
        let settings: [(name: String, target: Double?, level: Int?)]
        switch rate {
        case .points(let count):
            settings = codec.knob.sweepLevels(count: count).map { (codec.knob.describe($0), nil, $0) }
        case .targets(let targets):
            settings = targets.map { ("bpp=\(Self.format($0))", $0, nil) }
        }
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        } catch {
            let message = "cannot create \(scratch.path): \(error.localizedDescription)"
            return ([], settings.map { BenchFailure(codec: codec.identifier, image: source.name, setting: $0.name, message: message) })
        }
        var point = RatePoint(source: source, codec: codec, scratch: scratch)
        for setting in settings {
            do {
                let level = try setting.level ?? point.level(closestTo: setting.target ?? 0)
                measurements.append(try point.measure(level: level, setting: setting.name, quality: quality))
            } catch {
                failures.append(BenchFailure(codec: codec.identifier, image: source.name, setting: setting.name,
                                             message: String(describing: error)))
            }
        }
        return (measurements, failures)
    }

    /// A bpp target as written in setting names (no trailing zeros).
    static func format(_ value: Double) -> String {
        String(format: "%g", value)
    }
}

/// Thread-safe task hand-out and result collection for ``BenchRunner``.
private final class ResultCollector: @unchecked Sendable {
    private let lock = NSLock()
    private let start = DispatchTime.now()
    private let codecCount: Int
    private let progress: @Sendable (BenchProgress) -> Void
    private var nextTask = 0
    private var runsDone = 0
    private var runsDonePerImage: [Int]
    private var measurements: [ImageMeasurement] = []
    private var failures: [BenchFailure] = []

    init(imageCount: Int, codecCount: Int, progress: @escaping @Sendable (BenchProgress) -> Void) {
        self.codecCount = codecCount
        self.progress = progress
        runsDonePerImage = [Int](repeating: 0, count: imageCount)
    }

    func claimTask(below count: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard nextTask < count else { return nil }
        nextTask += 1
        return nextTask - 1
    }

    func finish(image: Int, name: String, outcome: (measurements: [ImageMeasurement], failures: [BenchFailure])) {
        lock.lock()
        defer { lock.unlock() }
        measurements += outcome.measurements
        failures += outcome.failures
        runsDone += 1
        runsDonePerImage[image] += 1
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let total = runsDonePerImage.count * codecCount
        progress(BenchProgress(imagesDone: runsDonePerImage.filter { $0 == codecCount }.count,
                               imageCount: runsDonePerImage.count, runsDone: runsDone, runsTotal: total,
                               elapsedSeconds: elapsed,
                               remainingSeconds: elapsed / Double(runsDone) * Double(total - runsDone), lastRun: name))
    }

    var results: (measurements: [ImageMeasurement], failures: [BenchFailure]) {
        lock.lock()
        defer { lock.unlock() }
        return (measurements, failures)
    }
}
