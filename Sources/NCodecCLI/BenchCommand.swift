import ArgumentParser
import CodecBench
import NeuralKernels
import Foundation

/// `ncodec bench`: rate-distortion evaluation of real codecs on a set of images.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Rate-distortion benchmark of the installed codecs (and ours): tables, BD-rates, plots.",
        discussion: """
        Codecs: jpeg (4:2:0 and 4:4:4, cjpeg), webp (cwebp), avif (4:2:0 and 4:4:4, avifenc), jxl (cjxl), \
        hevc (4:2:0 and 4:4:4, x265 + ffmpeg), ncodec[:preset]; a single variant such as jpeg-444 also works. \
        A codec whose tools are missing is reported and skipped. Writes results.json, rd.csv, \
        rd-per-image.csv, report.md, rd-psnr.svg and rd-msssim.svg into --out.
        """)

    @Argument(help: "Image files or directories of PNG/PPM images (8-bit RGB).")
    var inputs: [String]

    @Option(help: "Comma-separated codecs.")
    var codecs = "jpeg,webp,avif,jxl,hevc"

    @Option(help: "Rate points per codec, spread over its default quality range (default 8).")
    var points: Int?

    @Option(help: "Comma-separated bpp targets instead of --points, e.g. 0.06,0.12,0.25,0.5,0.75,1.0 (per image, the closest setting).")
    var bpp: String?

    @Option(help: "Directory for the results.")
    var out: String

    @Option(help: "Images coded in parallel.")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "A published curve to compare with: CompressAI JSON or per-image TSV (repeatable).")
    var published: [String] = []

    @Option(help: "Curve the BD-rates are computed against (a codec such as hevc-444, or a published file's name such as vtm); default: the best measured classical codec.")
    var anchor: String?

    @Option(help: "Seconds after which one encoder or decoder run is stopped.")
    var timeout: Double = 600

    func validate() throws {
        if points != nil && bpp != nil { throw ValidationError("give --points or --bpp, not both") }
    }

    func run() throws {
        MemoryPolicy.keepFreedMemoryForReuse()
        let session = BenchSession(inputs: inputs, codecList: codecs, rate: try rateSelection(), jobs: jobs,
                                   outputDirectory: URL(fileURLWithPath: out), publishedPaths: published, anchor: anchor,
                                   timeout: timeout, commandLine: CommandLine.arguments.joined(separator: " "))
        let display = ProgressDisplay()
        do {
            let results = try session.run(log: { display.line($0) }, progress: { display.update($0) })
            display.line("done in \(Int(results.elapsedSeconds.rounded())) s: \(results.measurements.count) measurements, \(results.failures.count) failures")
        } catch {
            throw ValidationError(error.description)
        }
    }

    private func rateSelection() throws -> BenchRunner.RateSelection {
        guard let bpp else { return .points(points ?? 8) }
        let targets = bpp.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !targets.isEmpty, targets.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--bpp takes comma-separated numbers, e.g. 0.25,0.5,1.0")
        }
        return .targets(targets.compactMap { $0 })
    }
}
