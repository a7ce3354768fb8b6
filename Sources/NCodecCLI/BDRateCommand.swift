import ArgumentParser
import Foundation
import QualityMetrics

/// `ncodec bdrate ANCHOR.csv TEST.csv`: Bjontegaard delta-rate (and delta-quality) of TEST against ANCHOR.
struct BDRateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bdrate",
        abstract: "Bjontegaard delta-rate in percent between two rate-quality curves (negative = TEST saves bits).",
        discussion: """
            Each CSV has a header with at least bpp,psnr,ms_ssim (psnr_rgb and ms_ssim_rgb are accepted too) and \
            one row per encoding. Rates are compared in log10 over the overlapping quality range (VCEG-M33). \
            The second line is the Bjontegaard delta of the quality at equal rate (dB for psnr).
            """)

    @Argument(help: "CSV of the anchor (reference) codec's points.")
    var anchor: String

    @Argument(help: "CSV of the tested codec's points.")
    var test: String

    @Option(help: "Quality column: psnr, ms_ssim, or ms_ssim_db (MS-SSIM as -10 log10(1 - MS-SSIM)).")
    var metric: RateQualityCSV.Metric = .psnr

    @Option(help: "Interpolation: pchip (monotone piecewise cubic, needs 2+ points) or cubic (polynomial fit, 4+ points).")
    var method: Bjontegaard.Interpolation = .pchip

    @Flag(help: "Print one JSON object (bd_rate, bd_quality, metric, method).")
    var json = false

    func run() throws {
        let result = try Self.compute(anchorPath: anchor, testPath: test, metric: metric, method: method)
        if json {
            let object: [String: Any] = [
                "bd_rate": result.rate, "bd_quality": result.quality, "metric": metric.rawValue, "method": method.rawValue,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            let unit = metric == .msSSIM ? "" : " dB"
            print(String(format: "BD-rate (%@, %@): %+.4f %%", metric.rawValue, method.rawValue, result.rate))
            print(String(format: "BD-%@ (%@): %+.4f%@", metric.rawValue, method.rawValue, result.quality, unit))
        }
    }

    static func compute(
        anchorPath: String, testPath: String, metric: RateQualityCSV.Metric, method: Bjontegaard.Interpolation
    ) throws(CommandFailure) -> (rate: Double, quality: Double) {
        let anchorPoints = try RateQualityCSV.read(path: anchorPath, metric: metric)
        let testPoints = try RateQualityCSV.read(path: testPath, metric: metric)
        do {
            return (
                try Bjontegaard.deltaRate(anchor: anchorPoints, test: testPoints, interpolation: method),
                try Bjontegaard.deltaQuality(anchor: anchorPoints, test: testPoints, interpolation: method)
            )
        } catch {
            let curve = error.description.hasPrefix("the anchor") ? " (\(anchorPath))" : error.description.hasPrefix("the test") ? " (\(testPath))" : ""
            throw CommandFailure(error.description + curve)
        }
    }
}

extension Bjontegaard.Interpolation: ExpressibleByArgument {}
