import Foundation
import Testing
@testable import CodecBench

@Suite struct PublishedCurveTests {
    private static let anchorsPresent = TestSupport.sharedData != nil
    private var anchors: URL { (TestSupport.sharedData ?? URL(fileURLWithPath: "/")).appendingPathComponent("anchors") }

    @Test(.enabled(if: anchorsPresent, "../shared/data/anchors not present"))
    func readsCompressAIJSONOfTheRealAnchors() throws {
        let jpeg = try PublishedCurve.read(path: anchors.appendingPathComponent("compressai-kodak/jpeg.json").path, images: [])
        #expect(jpeg.name == "jpeg" && jpeg.origin == .published && jpeg.points.count == 19)
        #expect(jpeg.points[0].bitsPerPixel == 0.22115325927734372)
        #expect(jpeg.points[0].psnrRGB == 23.779894921045457)
        #expect(jpeg.points[0].msSSIMRGB == 0.8030709524949392)
        #expect(jpeg.source?.contains("Pillow") == true)
        let vtm = try PublishedCurve.read(path: anchors.appendingPathComponent("compressai-kodak/vtm.json").path, images: [])
        #expect(vtm.points.count == 8 && vtm.label == "VTM (published)")
        #expect(zip(vtm.points, vtm.points.dropFirst()).allSatisfy { $0.bitsPerPixel < $1.bitsPerPixel })
    }

    @Test(.enabled(if: anchorsPresent, "../shared/data/anchors not present"))
    func averagesPerImageTSVOverTheBenchmarkedImages() throws {
        let kodak = (2...24).map { String(format: "kodim%02d", $0) }
        let curve = try PublishedCurve.read(path: anchors.appendingPathComponent("coolchic/v5.0-image-kodak.tsv").path, images: kodak)
        #expect(curve.points.count == 5 && curve.points.allSatisfy { $0.imageCount == 23 })
        // Means over kodim02..24 computed independently (Python csv module) from the same file.
        let point = try #require(curve.points.first { $0.setting == "lambda=0.001" })
        #expect(abs(point.bitsPerPixel - 0.4692927391304348) < 1e-9)
        #expect(abs((point.psnrRGB ?? 0) - 34.61542126086957) < 1e-9)
        let all = try PublishedCurve.read(path: anchors.appendingPathComponent("coolchic/v5.0-image-kodak.tsv").path, images: [])
        #expect(all.points.allSatisfy { $0.imageCount == 24 })
    }

    @Test func malformedFilesAreClearErrors() throws {
        let directory = try TestSupport.scratchDirectory("published")
        let cases: [(String, String)] = [
            ("a.json", "{\"results\": {\"psnr-rgb\": [30]}}"),
            ("b.json", "{\"results\": {\"bpp\": [0.1, 0.2], \"psnr-rgb\": [30]}}"),
            ("c.json", "[1, 2]"),
            ("d.tsv", "lmbda\tseq_name\tpsnr_db\n0.1\tx\t30\n"),
            ("e.tsv", "lmbda\tseq_name\tpsnr_db\trate_bpp\n0.1\tx\tthirty\t0.5\n"),
            ("f.tsv", "lmbda\tseq_name\tpsnr_db\trate_bpp\n0.1\tx\t30\t0.5\n0.1\ty\t31\t0.6\n0.2\tx\t35\t1.0\n"),
        ]
        for (name, text) in cases {
            let path = directory.appendingPathComponent(name).path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            #expect(throws: BenchError.self) { try PublishedCurve.read(path: path, images: []) }
        }
        #expect(throws: BenchError.self) { try PublishedCurve.read(path: directory.appendingPathComponent("none.json").path, images: []) }
    }
}
