import Foundation

/// Reads rate-distortion curves other projects published, to plot and compare beside ours.
///
/// - CompressAI JSON: `{"name": ..., "results": {"bpp": [...], "psnr-rgb": [...], "ms-ssim-rgb": [...]}}`,
///   already averaged over the dataset.
/// - Per-image TSV (Cool-chic): columns `lmbda`, `seq_name`, `psnr_db`, `rate_bpp`; the points are
///   formed here as means over the images of `images` (the ones benchmarked), per lambda.
public enum PublishedCurve {
    /// Reads a `.json` or `.tsv` curve; `images` restricts per-image files to the benchmarked
    /// images (all images of the file when empty).
    public static func read(path: String, images: [String]) throws(BenchError) -> RDCurve {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .fileAccess(path: path, reason: error.localizedDescription)
        }
        let name = url.deletingPathExtension().lastPathComponent
        if url.pathExtension.lowercased() == "tsv" {
            let folder = url.deletingLastPathComponent().lastPathComponent
            return try perImageTable(String(decoding: data, as: UTF8.self), name: name, title: "\(folder) \(name)",
                                     path: path, images: images)
        }
        return try compressAIJSON(data, name: name, path: path)
    }

    /// The parts of a CompressAI results file we use (other keys are ignored).
    private struct CompressAIFile: Decodable {
        struct Results: Decodable {
            var bpp: [Double]?
            var psnrRGB: [Double]?
            var psnr: [Double]?
            var msSSIMRGB: [Double]?
            var msSSIM: [Double]?

            enum CodingKeys: String, CodingKey {
                case bpp
                case psnrRGB = "psnr-rgb"
                case psnr
                case msSSIMRGB = "ms-ssim-rgb"
                case msSSIM = "ms-ssim"
            }
        }

        var name: String?
        var description: String?
        var results: Results?
    }

    /// Parses a CompressAI results JSON.
    static func compressAIJSON(_ data: Data, name: String, path: String) throws(BenchError) -> RDCurve {
        let file: CompressAIFile
        do {
            file = try JSONDecoder().decode(CompressAIFile.self, from: data)
        } catch {
            throw .publishedCurve(path: path, reason: "not CompressAI results JSON (\(error))")
        }
        guard let results = file.results else { throw .publishedCurve(path: path, reason: "no \"results\" object") }
        guard let rates = results.bpp, !rates.isEmpty else {
            throw .publishedCurve(path: path, reason: "no results.bpp list")
        }
        let psnr = results.psnrRGB ?? results.psnr
        let msSSIM = results.msSSIMRGB ?? results.msSSIM
        guard psnr != nil || msSSIM != nil else {
            throw .publishedCurve(path: path, reason: "neither results[\"psnr-rgb\"] nor results[\"ms-ssim-rgb\"]")
        }
        for (key, values) in [("psnr-rgb", psnr), ("ms-ssim-rgb", msSSIM)] where values != nil && values?.count != rates.count {
            throw .publishedCurve(path: path, reason: "results[\"\(key)\"] has \(values?.count ?? 0) values for \(rates.count) rates")
        }
        let points = rates.indices.map { index in
            RDCurve.Point(setting: "#\(index + 1)", bitsPerPixel: rates[index], psnrRGB: psnr?[index], msSSIMRGB: msSSIM?[index])
        }
        return RDCurve(name: name, label: "\(file.name ?? name) (published)", origin: .published,
                       source: [path, file.description].compactMap { $0 }.joined(separator: ": "), points: points)
    }

    /// Parses a per-image TSV and averages per lambda over the chosen images.
    static func perImageTable(_ text: String, name: String, title: String, path: String,
                              images: [String]) throws(BenchError) -> RDCurve {
        let rows = text.split(whereSeparator: \.isNewline).map { $0.split(separator: "\t").map(String.init) }
        guard let header = rows.first else { throw .publishedCurve(path: path, reason: "empty file") }
        func column(_ name: String) throws(BenchError) -> Int {
            guard let index = header.firstIndex(of: name) else {
                throw .publishedCurve(path: path, reason: "no '\(name)' column (have \(header.joined(separator: ", ")))")
            }
            return index
        }
        let lambdaColumn = try column("lmbda"), imageColumn = try column("seq_name")
        let psnrColumn = try column("psnr_db"), rateColumn = try column("rate_bpp")
        let wanted = Set(images)
        var groups: [String: [(image: String, psnr: Double, rate: Double)]] = [:]
        for (number, row) in rows.dropFirst().enumerated() {
            guard row.count == header.count, let psnr = Double(row[psnrColumn]), let rate = Double(row[rateColumn]) else {
                throw .publishedCurve(path: path, reason: "line \(number + 2) is malformed")
            }
            guard wanted.isEmpty || wanted.contains(row[imageColumn]) else { continue }
            groups[row[lambdaColumn], default: []].append((row[imageColumn], psnr, rate))
        }
        let counts = Set(groups.values.map(\.count))
        guard let count = counts.first, counts.count == 1 else {
            throw .publishedCurve(path: path, reason: groups.isEmpty
                ? "none of the benchmarked images is in the file"
                : "the lambdas cover different numbers of images (\(counts.sorted()))")
        }
        let points = groups.map { lambda, rows in
            RDCurve.Point(setting: "lambda=\(lambda)", bitsPerPixel: rows.map(\.rate).reduce(0, +) / Double(count),
                          psnrRGB: rows.map(\.psnr).reduce(0, +) / Double(count), imageCount: count)
        }
        return RDCurve(name: name, label: "\(title) (published, \(count) images)", origin: .published,
                       source: "\(path): per-image results averaged over \(count) images", points: points)
    }
}
