import Foundation
import QualityMetrics
import Testing
@testable import NCodecCLI

@Suite struct BDRateCommandTests {
    static let anchorCSV = "bpp,psnr,ms_ssim\n0.25,28.1,0.93\n0.5,31.2,0.96\n0.75,33.0,0.972\n1.0,34.4,0.98\n"
    static let testCSV = "# a comment\nbpp, psnr ,ms_ssim\n\n0.2,28.4,0.935\n0.42,31.5,0.962\n0.66,33.6,0.975\n0.9,35.0,0.983\n"

    static func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bd-\(UUID().uuidString).csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func computesTheSameAsTheLibrary() throws {
        let (a, t) = (try Self.write(Self.anchorCSV), try Self.write(Self.testCSV))
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: t) }
        // Values of the bjontegaard package on these points (Fixtures/make_bd_fixtures.py, psnr-four-points).
        let pchip = try BDRateCommand.compute(anchorPath: a, testPath: t, metric: .psnr, method: .pchip)
        #expect(abs(pchip.rate - -22.45866280976253) < 1e-6)
        let cubic = try BDRateCommand.compute(anchorPath: a, testPath: t, metric: .psnr, method: .cubic)
        #expect(abs(cubic.rate - -22.062776741227996) < 1e-6 && abs(cubic.quality - 1.1057585823930451) < 1e-8)
        let msSSIM = try BDRateCommand.compute(anchorPath: a, testPath: t, metric: .msSSIM, method: .pchip)
        #expect(msSSIM.rate < 0 && msSSIM.quality > 0)
    }

    @Test func readsAliasesAndConvertsMSSSIMToDecibels() throws {
        let points = try RateQualityCSV.parse("BPP,PSNR-RGB,ms-ssim-rgb\n0.5,30,0.99\n", metric: .msSSIMDecibels, name: "x")
        #expect(points.count == 1 && abs(points[0].quality - 20) < 1e-9 && points[0].bitsPerPixel == 0.5)
    }

    @Test func errorsAreOneLineAndExitNonZero() throws {
        let anchor = try Self.write(Self.anchorCSV)
        let bumpy = try Self.write("bpp,psnr,ms_ssim\n0.1,30,0.9\n0.2,29,0.91\n0.3,31,0.92\n0.4,32,0.93\n")
        let short = try Self.write("bpp,psnr,ms_ssim\n0.1,30,0.9\n0.2,31,0.91\n0.3,32,0.92\n")
        let noColumn = try Self.write("rate,psnr\n0.1,30\n")
        let badRow = try Self.write("bpp,psnr,ms_ssim\n0.1,thirty,0.9\n")
        let far = try Self.write("bpp,psnr,ms_ssim\n1,50,0.99\n2,52,0.992\n3,54,0.994\n4,56,0.996\n")
        defer { for path in [anchor, bumpy, short, noColumn, badRow, far] { try? FileManager.default.removeItem(atPath: path) } }
        let cases: [([String], String)] = [
            ([anchor, "/no/such.csv"], "cannot read /no/such.csv"),
            ([anchor, bumpy], "not monotone"),
            ([anchor, short, "--method", "cubic"], "has 3 points"),
            ([anchor, noColumn], "no 'bpp' column"),
            ([anchor, badRow], "row 2"),
            ([anchor, far], "do not overlap"),
        ]
        for (arguments, fragment) in cases {
            expectOneLineFailure(["bdrate"] + arguments, containing: fragment)
        }
        #expect(throws: (any Error).self) { try NCodec.parseAsRoot(["bdrate", anchor, anchor, "--method", "linear"]) }
    }
}
