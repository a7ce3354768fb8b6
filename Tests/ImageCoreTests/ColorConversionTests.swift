import Testing
@testable import ImageCore

@Suite struct ColorConversionTests {
    @Test(arguments: ColorMatrix.allCases)
    func knownValues(matrix: ColorMatrix) throws {
        let planes = [[1, 1, 0], [1, 0, 0], [1, 0, 1]].map { Plane(width: 3, height: 1, samples: $0)! }
        let ycc = Image(colorModel: .rgb, bitDepth: 8, planes: planes)!.converted(to: .yCbCr, matrix: matrix)
        // White: Y 1, neutral chroma. Red: Y = Kr, Cr = 1. Blue: Y = Kb, Cb = 1.
        let tolerance: Float = 1e-6
        #expect(abs(ycc.planes[0].samples[0] - 1) < tolerance)
        #expect(abs(ycc.planes[1].samples[0] - 0.5) < tolerance && abs(ycc.planes[2].samples[0] - 0.5) < tolerance)
        #expect(abs(ycc.planes[0].samples[1] - Float(matrix.kr)) < tolerance && abs(ycc.planes[2].samples[1] - 1) < tolerance)
        #expect(abs(ycc.planes[0].samples[2] - Float(matrix.kb)) < tolerance && abs(ycc.planes[1].samples[2] - 1) < tolerance)
    }

    @Test(arguments: ColorMatrix.allCases, [8, 16])
    func roundTripRestoresEveryInteger(matrix: ColorMatrix, bitDepth: Int) {
        let image = TestImages.random(width: 64, height: 64, channels: 3, bitDepth: bitDepth)
        let back = image.converted(to: .yCbCr, matrix: matrix).converted(to: .rgb, matrix: matrix)
        // Float error stays below 2e-6, far below half a 16-bit step (7.6e-6): quantising restores the integers.
        for (original, restored) in zip(image.planes, back.planes) {
            let worst = zip(original.samples, restored.samples).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 2e-6)
        }
        let same = back.quantized() == image
        #expect(same)
    }

    @Test func lumaMatchesFirstYCbCrPlane() {
        let image = TestImages.random(width: 5, height: 3, channels: 3, bitDepth: 8)
        #expect(image.luma(matrix: .bt601) == image.converted(to: .yCbCr, matrix: .bt601).planes[0])
        #expect(image.converted(to: .gray, matrix: .bt709).planes[0] == image.luma(matrix: .bt709))
    }
}
