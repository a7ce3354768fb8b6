import ArgumentParser
import CodecBench
import Foundation

/// `ncodec plot`: redraws the rate-distortion plots of a `results.json`.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Redraw rd-psnr.svg and rd-msssim.svg from an 'ncodec bench' results.json.")

    @Argument(help: "The results.json written by 'ncodec bench'.")
    var results: String

    @Option(help: "Directory for the SVG files (default: the directory of results.json).")
    var out: String?

    @Option(help: "Extra published curves to draw (CompressAI JSON or per-image TSV; repeatable).")
    var published: [String] = []

    func run() throws {
        let url = URL(fileURLWithPath: results)
        do {
            var loaded = try BenchResults.read(from: url)
            for path in published {
                loaded.published.append(try PublishedCurve.read(path: path, images: loaded.images))
            }
            let directory = out.map { URL(fileURLWithPath: $0) } ?? url.deletingLastPathComponent()
            for file in try BenchOutput.writePlots(loaded, to: directory) { print("wrote \(file.path)") }
        } catch {
            throw ValidationError(error.description)
        }
    }
}
