import Foundation
import Testing
@testable import ImageCore

@Suite struct ImageFileTests {
    private func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("imagecore-\(UUID().uuidString)-\(name)").path
    }

    @Test func writesByExtensionAndDetectsByContent() throws {
        let image = TestImages.random(width: 6, height: 4, channels: 3, bitDepth: 16)
        let pngPath = temporaryPath("a.png"), ppmPath = temporaryPath("b.ppm")
        defer { try? FileManager.default.removeItem(atPath: pngPath); try? FileManager.default.removeItem(atPath: ppmPath) }
        try ImageFile.write(image, path: pngPath)
        try ImageFile.write(image, path: ppmPath)
        #expect(try Data(contentsOf: URL(fileURLWithPath: pngPath)).prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
        // A PNG named .ppm is still read as PNG.
        let misnamed = temporaryPath("c.ppm")
        defer { try? FileManager.default.removeItem(atPath: misnamed) }
        try FileManager.default.copyItem(atPath: pngPath, toPath: misnamed)
        let same = try ImageFile.read(path: misnamed) == image
        #expect(same)
        let sameAsPPM = try ImageFile.read(path: ppmPath) == image
        #expect(sameAsPPM)
    }

    @Test func writingQuantizes() throws {
        var image = TestImages.random(width: 3, height: 3, channels: 1, bitDepth: 8)
        image.planes[0].samples[4] = 0.5  // between 127/255 and 128/255: rounds to 128
        image.planes[0].samples[5] = 1.7  // clamps to 1
        let path = temporaryPath("q.pgm")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ImageFile.write(image, path: path)
        let read = try ImageFile.read(path: path)
        let same = read == image.quantized()
        #expect(same)
        #expect(read.planes[0].samples[4] == Float(128) / 255 && read.planes[0].samples[5] == 1)
    }

    @Test func errorsAreTyped() throws {
        #expect(throws: ImageIOError.fileNotFound(path: "/no/such/file.png")) {
            try ImageFile.read(path: "/no/such/file.png")
        }
        let text = temporaryPath("t.png")
        defer { try? FileManager.default.removeItem(atPath: text) }
        try Data("hello, not an image".utf8).write(to: URL(fileURLWithPath: text))
        #expect(throws: ImageIOError.unrecognizedFormat) { try ImageFile.read(path: text) }
        let image = TestImages.random(width: 2, height: 2, channels: 1, bitDepth: 8)
        #expect(throws: ImageIOError.unsupportedExtension("bmp")) { try ImageFile.write(image, path: temporaryPath("x.bmp")) }
        #expect(throws: ImageIOError.self) { try ImageFile.write(image, path: "/no/such/dir/x.png") }
    }

    @Test func readsKodak() throws {
        guard let directory = TestImages.kodakDirectory else {
            print("skipped: ../shared/data/kodak is absent")
            return
        }
        let image = try ImageFile.read(path: directory.appendingPathComponent("kodim23.png").path)
        #expect(image.width == 768 && image.height == 512 && image.colorModel == .rgb && image.bitDepth == 8)
        // Reference values computed with Pillow on the same file.
        let sums = image.planes.map { $0.samples.reduce(0) { $0 + Int(($1 * 255).rounded()) } }
        #expect(sums == [47_839_492, 43_094_888, 29_803_412])
        let pixel: [Float] = image.planes.map { ($0[200, 100] * 255).rounded() }
        #expect(pixel == [87, 112, 40])
    }
}
