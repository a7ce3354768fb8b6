import Foundation
import Testing
@testable import ImageCore

@Suite struct PNMFormatTests {
    @Test(arguments: [(1, 1), (5, 3), (31, 7)], [(1, 8), (3, 8), (1, 16), (3, 16)])
    func roundTripIsExact(size: (Int, Int), layout: (Int, Int)) throws {
        let image = TestImages.random(width: size.0, height: size.1, channels: layout.0, bitDepth: layout.1)
        let data = try PNMFormat.encode(image)
        #expect(data.prefix(2) == Data((layout.0 == 1 ? "P5" : "P6").utf8))
        let same = try PNMFormat.decode(data) == image
        #expect(same)
    }

    @Test func readsAnyMaxvalWithComments() throws {
        let header = "P5 # gray\n# size\n2 1\n# maxval\n1023\n"
        let data = Data(header.utf8) + Data([0x03, 0xFF, 0x01, 0x00])
        let image = try PNMFormat.decode(data)
        #expect(image.bitDepth == 16 && image.width == 2 && image.height == 1)
        #expect(image.planes[0].samples == [1, Float(256) / 1023])
        let small = try PNMFormat.decode(Data("P6 1 1 15\n".utf8) + Data([15, 0, 5]))
        let expected: [Float] = [1, 0, Float(5) / 15]
        #expect(small.bitDepth == 8)
        #expect(small.planes.map { $0.samples[0] } == expected)
    }

    @Test(arguments: ["P6 2 2 255\n", "P5 0 2 255\n", "P5 2 2 0\n", "P5 2 2 70000\n", "P5 2\n", "P5 x 2 255\n"])
    func malformedHeadersThrow(header: String) {
        let data = Data(header.utf8) + Data(repeating: 1, count: 5)
        #expect(throws: ImageIOError.self) { try PNMFormat.decode(data) }
    }
}
