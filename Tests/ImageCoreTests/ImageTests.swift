import Testing
@testable import ImageCore

@Suite struct ImageTests {
    @Test func planeCountMustMatchColorModel() {
        let plane = Plane(width: 2, height: 2)
        #expect(Image(colorModel: .rgb, bitDepth: 8, planes: [plane]) == nil)
        #expect(Image(colorModel: .gray, bitDepth: 8, planes: [plane])?.width == 2)
    }

    @Test func bitDepthMustBe8Or16() {
        let plane = Plane(width: 1, height: 1)
        #expect(Image(colorModel: .gray, bitDepth: 12, planes: [plane]) == nil)
        #expect(Image(colorModel: .gray, bitDepth: 16, planes: [plane])?.maxValue == 65535)
    }
}
