import Foundation

/// Writes the files of a benchmark run into a directory.
public enum BenchOutput {
    /// Writes `results.json`, `rd.csv`, `rd-per-image.csv`, `report.md` and the two plots; returns their URLs.
    public static func write(_ results: BenchResults, to directory: URL) throws(BenchError) -> [URL] {
        try createDirectory(directory)
        var written = [try save(results.encoded(), as: "results.json", in: directory)]
        written.append(try save(Data(BenchReport.curvesCSV(results).utf8), as: "rd.csv", in: directory))
        written.append(try save(Data(BenchReport.perImageCSV(results).utf8), as: "rd-per-image.csv", in: directory))
        written.append(try save(Data(BenchReport.markdown(results).utf8), as: "report.md", in: directory))
        return written + (try writePlots(results, to: directory))
    }

    /// Writes `rd-psnr.svg` and `rd-msssim.svg`; returns their URLs.
    public static func writePlots(_ results: BenchResults, to directory: URL) throws(BenchError) -> [URL] {
        try createDirectory(directory)
        let curves = results.allCurves
        let subject = "\(results.images.count) image\(results.images.count == 1 ? "" : "s")"
        let psnr = RDPlot(title: "Rate–distortion, PSNR-RGB (\(subject))", metric: .psnrRGB).svg(curves)
        let msSSIM = RDPlot(title: "Rate–distortion, MS-SSIM-RGB (\(subject))", metric: .msSSIMDecibels).svg(curves)
        return [try save(Data(psnr.utf8), as: "rd-psnr.svg", in: directory),
                try save(Data(msSSIM.utf8), as: "rd-msssim.svg", in: directory)]
    }

    private static func save(_ data: Data, as name: String, in directory: URL) throws(BenchError) -> URL {
        let url = directory.appendingPathComponent(name)
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw .fileAccess(path: url.path, reason: error.localizedDescription)
        }
        return url
    }

    private static func createDirectory(_ url: URL) throws(BenchError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw .fileAccess(path: url.path, reason: error.localizedDescription)
        }
    }
}
