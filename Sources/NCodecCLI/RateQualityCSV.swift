import ArgumentParser
import Foundation
import QualityMetrics

/// Reads a rate-quality curve from CSV: a header naming the columns (at least `bpp` and the metric's),
/// then one row per encoding. Blank lines and lines starting with `#` are skipped.
enum RateQualityCSV {
    /// The quality measure a curve is read for.
    enum Metric: String, CaseIterable, ExpressibleByArgument {
        case psnr
        case msSSIM = "ms_ssim"
        /// MS-SSIM in dB: -10 log10(1 - MS-SSIM), as rate-distortion plots of learned codecs use.
        case msSSIMDecibels = "ms_ssim_db"

        /// Header names accepted for the column ("-" and "_" are interchangeable, case ignored).
        var columnNames: [String] {
            switch self {
            case .psnr: ["psnr", "psnr_rgb"]
            case .msSSIM, .msSSIMDecibels: ["ms_ssim", "ms_ssim_rgb"]
            }
        }

        func quality(fromColumnValue value: Double) -> Double {
            self == .msSSIMDecibels ? -10 * log10(1 - value) : value
        }
    }

    static func read(path: String, metric: Metric) throws(CommandFailure) -> [Bjontegaard.RDPoint] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("cannot read \(path): no such readable file")
        }
        return try parse(String(decoding: data, as: UTF8.self), metric: metric, name: path)
    }

    static func parse(_ text: String, metric: Metric, name: String) throws(CommandFailure) -> [Bjontegaard.RDPoint] {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard let header = lines.first else { throw CommandFailure("\(name): empty CSV file") }
        let columns = fields(header).map { $0.lowercased().replacingOccurrences(of: "-", with: "_") }
        guard let rateColumn = columns.firstIndex(of: "bpp") else {
            throw CommandFailure("\(name): the CSV header has no 'bpp' column (header: \(header))")
        }
        guard let qualityColumn = metric.columnNames.lazy.compactMap({ columns.firstIndex(of: $0) }).first else {
            throw CommandFailure("\(name): the CSV header has no '\(metric.columnNames[0])' column (header: \(header))")
        }
        var points: [Bjontegaard.RDPoint] = []
        for (index, line) in lines.enumerated().dropFirst() {
            let values = fields(line)
            guard values.count == columns.count,
                  let rate = Double(values[rateColumn]), let quality = Double(values[qualityColumn])
            else {
                throw CommandFailure("\(name): row \(index + 1) is not \(columns.count) numeric fields: \(line)")
            }
            points.append(Bjontegaard.RDPoint(bitsPerPixel: rate, quality: metric.quality(fromColumnValue: quality)))
        }
        return points
    }

    private static func fields(_ line: String) -> [String] {
        line.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
    }
}
