import Foundation
import ImageCore
import Testing
@testable import QualityMetrics

@Suite struct QualityMeasureTests {
    static func gradient(width: Int, height: Int, channels: Int = 3, offset: Int = 0) -> Image {
        let planes = (0..<channels).map { c in
            Plane(width: width, height: height,
                  samples: (0..<(width * height)).map { i in Float((i % width * 3 + i / width * 5 + c * 40 + offset) % 256) / 255 })!
        }
        return Image(colorModel: channels == 1 ? .gray : .rgb, bitDepth: 8, planes: planes)!
    }

    @Test func identicalImagesScorePerfect() throws {
        let image = Self.gradient(width: 170, height: 165)
        let report = try QualityMeasure.measure(reference: image, distorted: image)
        #expect(report.psnrRGB == .infinity && report.psnrYUV == .infinity)
        #expect(abs(report.ssimRGB - 1) < 1e-6 && abs(report.msSSIMY - 1) < 1e-6)
    }

    @Test func psnrOfAConstantOffsetIsKnown() throws {
        var reference = Self.gradient(width: 20, height: 10)
        for c in 0..<3 { reference.planes[c].samples = reference.planes[c].samples.map { min($0, 250 / 255) } }
        var distorted = reference
        distorted.planes[1].samples = distorted.planes[1].samples.map { $0 + 3 / 255 }
        // MSE over all samples = 9 / 3 (in 8-bit units); PSNR = 10 log10(255^2 / 3).
        let expected = 10 * log10(255.0 * 255 / 3)
        #expect(abs(try QualityMeasure.psnrOnly(reference: reference, distorted: distorted) - expected) < 1e-4)
        #expect(abs(QualityMeasure.psnrReport(reference, distorted).g - 10 * log10(255.0 * 255 / 9)) < 1e-4)
    }

    @Test func grayImagesUseTheirPlane() throws {
        let a = Self.gradient(width: 200, height: 180, channels: 1)
        let b = Self.gradient(width: 200, height: 180, channels: 1, offset: 2)
        let report = try QualityMeasure.measure(reference: a, distorted: b)
        #expect(report.psnrRGB == report.psnrY && report.psnrY == report.psnrYUV)
        #expect(report.ssimRGB == report.ssimY && report.msSSIMRGB == report.msSSIMY)
        #expect(report.ssimY < 1 && report.ssimY > 0.5)
    }

    @Test func mismatchedImagesThrow() {
        let a = Self.gradient(width: 200, height: 180), b = Self.gradient(width: 180, height: 200)
        #expect(throws: MetricsError.sizeMismatch(referenceWidth: 200, referenceHeight: 180, distortedWidth: 180, distortedHeight: 200)) {
            try QualityMeasure.measure(reference: a, distorted: b)
        }
        #expect(throws: MetricsError.colorModelMismatch) {
            try QualityMeasure.measure(reference: a, distorted: Self.gradient(width: 200, height: 180, channels: 1))
        }
        #expect(throws: MetricsError.unsupportedColorModel) {
            try QualityMeasure.measure(reference: a.converted(to: .yCbCr), distorted: a.converted(to: .yCbCr))
        }
    }

    @Test func msSSIMNeedsBothSidesAbove160() throws {
        let small = Self.gradient(width: 300, height: 160)
        #expect(throws: MetricsError.tooSmallForMSSSIM(width: 300, height: 160, minimumSide: 161)) {
            try QualityMeasure.measure(reference: small, distorted: small)
        }
        let fits = Self.gradient(width: 161, height: 161)
        #expect(try QualityMeasure.measure(reference: fits, distorted: fits).msSSIMRGB > 0.999)
        #expect(MetricsError.tooSmallForMSSSIM(width: 300, height: 160, minimumSide: 161).description.contains("160"))
    }

    @Test func averagePoolingPadsOddSidesWithZeroBefore() {
        // 3x2 plane: odd width -> windows pair columns (-1, 0) and (1, 2); even height pairs rows (0, 1).
        let plane = Plane(width: 3, height: 2, samples: [1, 2, 3, 4, 5, 6])!
        let pooled = plane.averagePooled2x()
        #expect(pooled.width == 2 && pooled.height == 1)
        let expected: [Float] = [1.25, 4]  // (0 + 1 + 0 + 4) / 4, (2 + 3 + 5 + 6) / 4
        #expect(pooled.samples == expected)
        let column = Plane(width: 1, height: 3, samples: [4, 8, 12])!.averagePooled2x()
        let expectedColumn: [Float] = [1, 5]  // zero column and zero row padded before: (4) / 4, (8 + 12) / 4
        #expect(column.width == 1 && column.height == 2)
        #expect(column.samples == expectedColumn)
    }

    @Test func gaussianWindowIsNormalised() {
        #expect(GaussianWindow.taps.count == 11)
        #expect(abs(GaussianWindow.taps.reduce(0, +) - 1) < 1e-6)
        // exp(-25 / 4.5) relative to the centre tap.
        #expect(abs(GaussianWindow.taps[0] / GaussianWindow.taps[5] - Float(exp(-25.0 / 4.5))) < 1e-6)
    }

    @Test func ssimMatchesAScalarReferenceOnOddSizes() {
        // Direct (non-separable, Double) evaluation of the definition on a small odd plane.
        let a = Self.gradient(width: 23, height: 17, channels: 1).planes[0]
        var b = a
        for i in b.samples.indices { b.samples[i] = min(1, max(0, b.samples[i] + Float((i * 7919) % 13 - 6) / 255)) }
        #expect(abs(StructuralSimilarity.ssim(a, b) - Self.directSSIM(a, b)) < 1e-5)
    }

    static func directSSIM(_ a: Plane, _ b: Plane) -> Double {
        let g = GaussianWindow.taps.map(Double.init)
        var total = 0.0
        for y in 0...(a.height - 11) {
            for x in 0...(a.width - 11) {
                var m1 = 0.0, m2 = 0.0, s11 = 0.0, s22 = 0.0, s12 = 0.0
                for dy in 0..<11 {
                    for dx in 0..<11 {
                        let w = g[dy] * g[dx], p = Double(a[x + dx, y + dy]), q = Double(b[x + dx, y + dy])
                        m1 += w * p; m2 += w * q; s11 += w * p * p; s22 += w * q * q; s12 += w * p * q
                    }
                }
                let c1 = 1e-4, c2 = 9e-4
                let v1 = s11 - m1 * m1, v2 = s22 - m2 * m2, v12 = s12 - m1 * m2
                total += (2 * m1 * m2 + c1) * (2 * v12 + c2) / ((m1 * m1 + m2 * m2 + c1) * (v1 + v2 + c2))
            }
        }
        return total / Double((a.width - 10) * (a.height - 10))
    }
}

@Suite struct QualityReportCodingTests {
    @Test func smallImagesCanSkipMSSSIMAndRoundTripThroughJSON() throws {
        let a = QualityMeasureTests.gradient(width: 30, height: 20)
        let b = QualityMeasureTests.gradient(width: 30, height: 20, offset: 3)
        let report = try QualityMeasure.measure(reference: a, distorted: b, requireMultiScale: false)
        #expect(report.msSSIMRGB.isNaN && report.msSSIMY.isNaN)
        #expect(report.ssimY == StructuralSimilarity.ssim(a.luma(), b.luma()))
        let identical = try QualityMeasure.measure(reference: a, distorted: a, requireMultiScale: false)
        for value in [report, identical] {
            let data = try JSONEncoder().encode(value)
            #expect(try JSONDecoder().decode(QualityReport.self, from: data) == value)
        }
        #expect(String(decoding: try JSONEncoder().encode(identical), as: UTF8.self).contains("\"psnr_rgb\":\"inf\""))
    }
}
