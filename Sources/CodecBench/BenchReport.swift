import Foundation

/// The human-readable outputs of a benchmark: `report.md`, `rd.csv` (mean curves) and
/// `rd-per-image.csv`.
public enum BenchReport {
    /// The Markdown report: set-up, per-codec tables, BD-rates, failures.
    public static func markdown(_ results: BenchResults) -> String {
        var text = "# Rate-distortion benchmark\n\n"
        text += "- Command: `\(results.commandLine)`\n"
        text += "- Started \(results.started); took \(duration(results.elapsedSeconds)) with \(results.jobs) parallel jobs\n"
        text += "- Machine: \(results.machine.summary)\n"
        text += "- Images: \(results.images.count) (\(imageList(results.images)))\n"
        text += "- Rate: bits per pixel = compressed file size x 8 / (width x height). Each table row is the mean over "
            + "the images of the per-image values (the CompressAI convention). PSNR-Y is BT.709 luma; MS-SSIM is on RGB, "
            + "also given in dB as -10 log10(1 - MS-SSIM). Times are wall-clock per image, for command-line tools "
            + "the whole process including start-up.\n\n"
        text += codecSection(results)
        text += bdRateSection(results)
        for curve in results.measuredCurves {
            text += curveTable(curve, results: results)
        }
        if !results.published.isEmpty {
            text += "## Published curves\n\n"
            for curve in results.published {
                text += "- \(curve.label): \(curve.source ?? curve.name)\n"
            }
            text += "\n"
        }
        text += failureSection(results)
        return text
    }

    private static func codecSection(_ results: BenchResults) -> String {
        var text = "## Codecs\n\n| codec | chroma | version | tools |\n|---|---|---|---|\n"
        for codec in results.codecs {
            let version = codec.version ?? "skipped: \(codec.skipped ?? "")"
            text += "| \(codec.label) (`\(codec.identifier)`) | \(codec.chroma) | \(version) | `\(codec.command)` |\n"
        }
        return text + "\n"
    }

    private static func bdRateSection(_ results: BenchResults) -> String {
        let anchor: RDCurve?
        do {
            anchor = try results.anchorCurve()
        } catch {
            return "## BD-rate\n\n\(error)\n\n"
        }
        guard let anchor else { return "## BD-rate\n\nNo curve to use as anchor.\n\n" }
        var text = "## BD-rate against \(anchor.label)\n\n"
        text += "Bjontegaard delta rate (piecewise cubic interpolation, over the overlapping quality range); "
            + "negative = fewer bits than the anchor for the same quality.\n\n"
        text += "| curve | BD-rate PSNR-RGB | BD-rate MS-SSIM-RGB (dB) |\n|---|---:|---:|\n"
        for row in BDRateTable.rows(curves: results.allCurves, anchor: anchor) {
            text += "| \(row.label) | \(percent(row.psnr)) | \(percent(row.msSSIM)) |\n"
        }
        return text + "\n"
    }

    private static func curveTable(_ curve: RDCurve, results: BenchResults) -> String {
        let codec = results.codecs.first { $0.identifier == curve.name }
        var text = "## \(curve.label)\n\n"
        if let codec { text += "\(codec.version ?? ""), chroma \(codec.chroma).\n\n" }
        text += "| setting | bpp | PSNR-RGB | PSNR-Y | MS-SSIM-RGB | MS-SSIM (dB) | encode s | decode s |\n"
        text += "|---|---:|---:|---:|---:|---:|---:|---:|\n"
        for point in curve.points {
            text += "| \(point.setting) | \(fixed(point.bitsPerPixel, 4)) | \(fixed(point.psnrRGB, 2)) | "
                + "\(fixed(point.psnrY, 2)) | \(fixed(point.msSSIMRGB, 5)) | \(fixed(point.msSSIMDecibels, 2)) | "
                + "\(fixed(point.encodeSeconds, 3)) | \(fixed(point.decodeSeconds, 3)) |\n"
        }
        return text + "\n"
    }

    private static func failureSection(_ results: BenchResults) -> String {
        guard !results.failures.isEmpty else { return "" }
        var text = "## Failures (\(results.failures.count) runs; their settings are left out of the means)\n\n"
        for failure in results.failures.prefix(50) {
            text += "- \(failure.codec) \(failure.setting) on \(failure.image): \(failure.message)\n"
        }
        if results.failures.count > 50 { text += "- ... and \(results.failures.count - 50) more (see results.json)\n" }
        return text + "\n"
    }

    /// Mean curves, measured and published, one row per point.
    public static func curvesCSV(_ results: BenchResults) -> String {
        var text = "curve,origin,setting,images,bpp,psnr_rgb,psnr_y,ms_ssim_rgb,ms_ssim_db,encode_s,decode_s\n"
        for curve in results.allCurves {
            for point in curve.points {
                let fields: [String] = [csvField(curve.name), curve.origin.rawValue, csvField(point.setting),
                                        point.imageCount.map(String.init) ?? "", "\(point.bitsPerPixel)",
                                        optional(point.psnrRGB), optional(point.psnrY), optional(point.msSSIMRGB),
                                        optional(point.msSSIMDecibels), optional(point.encodeSeconds),
                                        optional(point.decodeSeconds)]
                text += fields.joined(separator: ",") + "\n"
            }
        }
        return text
    }

    /// Every measurement, one row per image and setting.
    public static func perImageCSV(_ results: BenchResults) -> String {
        var text = "codec,setting,level,image,bytes,bpp,psnr_rgb,psnr_y,ms_ssim_rgb,ms_ssim_db,encode_s,decode_s\n"
        for m in results.measurements {
            let fields: [String] = [csvField(m.codec), csvField(m.setting), "\(m.level)", csvField(m.image), "\(m.bytes)",
                                    "\(m.bitsPerPixel)", "\(m.psnrRGB)", "\(m.psnrY)", "\(m.msSSIMRGB)",
                                    "\(ImageMeasurement.decibels(msSSIM: m.msSSIMRGB))", "\(m.encodeSeconds)", "\(m.decodeSeconds)"]
            text += fields.joined(separator: ",") + "\n"
        }
        return text
    }

    private static func csvField(_ text: String) -> String {
        text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    private static func optional(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }

    private static func fixed(_ value: Double?, _ decimals: Int) -> String {
        value.map { String(format: "%.\(decimals)f", $0) } ?? "–"
    }

    private static func percent(_ value: Result<Double, BDRateTable.BDRateUnavailable>) -> String {
        switch value {
        case .success(let rate): String(format: "%+.1f %%", rate)
        case .failure(let reason): "n/a (\(reason))"
        }
    }

    /// "12 min 5 s" style.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 60 ? "\(total / 60) min \(total % 60) s" : "\(total) s"
    }

    private static func imageList(_ names: [String]) -> String {
        names.count > 6 ? names.prefix(3).joined(separator: ", ") + ", ..., " + names.suffix(2).joined(separator: ", ")
            : names.joined(separator: ", ")
    }
}
