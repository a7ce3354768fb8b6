import Foundation
import Testing
@testable import CodecBench

@Suite struct BDRateTableTests {
    /// A curve with PSNR = 30 + 6 log2(bpp / 0.25) and MS-SSIM rising with it; `rateScale` multiplies every rate.
    private func curve(_ name: String, rateScale: Double, origin: RDCurve.Origin = .measured) -> RDCurve {
        let rates = [0.125, 0.25, 0.5, 1.0, 2.0]
        return RDCurve(name: name, label: name.uppercased(), origin: origin, points: rates.enumerated().map { index, rate in
            let psnr = 30 + 6 * log2(rate / 0.25)
            return .init(setting: "\(index)", bitsPerPixel: rate * rateScale, psnrRGB: psnr, msSSIMRGB: 1 - pow(10, -psnr / 20))
        })
    }

    @Test func halfTheBitsAtEqualQualityIsMinusFiftyPercent() throws {
        let anchor = curve("anchor", rateScale: 1), better = curve("better", rateScale: 0.5)
        let rows = BDRateTable.rows(curves: [anchor, better], anchor: anchor)
        #expect(rows.map(\.curve) == ["anchor", "better"])
        #expect(abs(try rows[0].psnr.get()) < 1e-6)
        #expect(abs(try rows[1].psnr.get() + 50) < 1e-3)
        #expect(abs(try rows[1].msSSIM.get() + 50) < 1e-3)
    }

    @Test func missingMetricIsReportedNotInvented() {
        let anchor = curve("anchor", rateScale: 1)
        let noSSIM = RDCurve(name: "p", label: "P", origin: .published,
                             points: anchor.points.map { .init(setting: $0.setting, bitsPerPixel: $0.bitsPerPixel, psnrRGB: $0.psnrRGB) })
        let row = BDRateTable.rows(curves: [noSSIM], anchor: anchor)[0]
        #expect((try? row.psnr.get()).map { abs($0) < 1e-6 } == true)
        #expect(throws: BDRateTable.BDRateUnavailable.self) { try row.msSSIM.get() }
    }

    @Test func bestCurveIsTheOneNeedingFewestBits() {
        let curves = [curve("worst", rateScale: 1.5), curve("best", rateScale: 0.7), curve("middle", rateScale: 1)]
        #expect(BDRateTable.best(among: curves)?.name == "best")
    }

    @Test func reportCarriesTheBDRateTableAgainstTheChosenAnchor() throws {
        let results = BenchResults(
            commandLine: "ncodec bench x", started: "now", elapsedSeconds: 61, jobs: 2, machine: .current(), images: [],
            codecs: [], measurements: [], failures: [],
            published: [curve("vtm", rateScale: 1, origin: .published), curve("jpeg", rateScale: 2, origin: .published)],
            anchor: "vtm")
        let report = BenchReport.markdown(results)
        #expect(report.contains("## BD-rate against VTM"))
        #expect(report.contains("| JPEG | +100.0 % | +100.0 % |"))
        #expect(report.contains("1 min 1 s"))
        var clash = results
        clash.codecs = [.init(identifier: "vtm", label: "Measured VTM", chroma: "4:2:0", classical: true, version: "1",
                              skipped: nil, command: "")]
        #expect(clash.allCurves.map(\.name) == ["vtm-published", "jpeg"])
        var unknown = results
        unknown.anchor = "hm"
        #expect(throws: BenchError.self) { try unknown.anchorCurve() }
    }
}
