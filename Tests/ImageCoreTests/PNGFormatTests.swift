import Foundation
import Testing
@testable import ImageCore

@Suite struct PNGFormatTests {
    @Test(arguments: [(1, 1), (3, 5), (17, 9), (64, 2)], [(1, 8), (3, 8), (1, 16), (3, 16)])
    func roundTripIsExact(size: (Int, Int), layout: (Int, Int)) throws {
        let image = TestImages.random(width: size.0, height: size.1, channels: layout.0, bitDepth: layout.1)
        let decoded = try PNGFormat.decode(try PNGFormat.encode(image))
        let same = decoded == image
        #expect(same)
    }

    @Test func decodesHandMade16BitGrayExactly() throws {
        // Two samples: 0x1234 and 0xFFFF, big-endian in the file.
        let data = HandMadePNG.make(width: 2, height: 1, bitDepth: 16, colorType: 0, rows: [[0x12, 0x34, 0xFF, 0xFF]])
        let image = try PNGFormat.decode(data)
        #expect(image.bitDepth == 16 && image.colorModel == .gray)
        #expect(image.planes[0].samples == [Float(0x1234) / 65535, 1])
    }

    @Test func ignoresGammaChunks() throws {
        // A gAMA of 1/1.8 must not change the samples we read (metrics compare stored integers).
        let gamma = HandMadePNG.bigEndian32(55556)
        let data = HandMadePNG.make(width: 1, height: 1, bitDepth: 8, colorType: 2, rows: [[10, 128, 250]],
                                    extraChunks: [("gAMA", gamma)])
        let image = try PNGFormat.decode(data)
        let expected: [Float] = [10 / 255, 128 / 255, 250 / 255]
        #expect(image.planes.map { $0.samples[0] } == expected)
    }

    @Test func expandsPalette() throws {
        let palette: [UInt8] = [255, 0, 0, 0, 0, 255]
        let data = HandMadePNG.make(width: 2, height: 1, bitDepth: 8, colorType: 3, rows: [[1, 0]],
                                    extraChunks: [("PLTE", palette)])
        let image = try PNGFormat.decode(data)
        #expect(image.colorModel == .rgb)
        #expect(image.planes[0].samples == [0, 1])
        #expect(image.planes[2].samples == [1, 0])
    }

    @Test func rejectsOrDropsAlpha() throws {
        let rgba = HandMadePNG.make(width: 1, height: 1, bitDepth: 8, colorType: 6, rows: [[51, 102, 153, 7]])
        #expect(throws: ImageIOError.alphaChannelPresent) { try PNGFormat.decode(rgba) }
        let dropped = try PNGFormat.decode(rgba, alpha: .drop)
        let expected: [Float] = [0.2, 0.4, 0.6]
        #expect(dropped.planes.map { $0.samples[0] } == expected)
        let grayAlpha = HandMadePNG.make(width: 1, height: 1, bitDepth: 16, colorType: 4, rows: [[1, 0, 0, 9]])
        #expect(throws: ImageIOError.alphaChannelPresent) { try PNGFormat.decode(grayAlpha) }
        let expectedGray: [Float] = [256 / 65535]
        #expect(try PNGFormat.decode(grayAlpha, alpha: .drop).planes[0].samples == expectedGray)
    }

    @Test func truncatedOrCorruptDataThrows() throws {
        let valid = try PNGFormat.encode(TestImages.random(width: 40, height: 30, channels: 3, bitDepth: 8))
        for cut in [9, 20, 33, valid.count / 2, valid.count - 13] {
            #expect(throws: ImageIOError.self) { try PNGFormat.decode(valid.prefix(cut)) }
        }
        var flipped = valid
        flipped[valid.count / 2] ^= 0x5A  // inside IDAT: CRC mismatch
        #expect(throws: ImageIOError.self) { try PNGFormat.decode(flipped) }
        var badHeader = valid
        badHeader.replaceSubrange(16..<20, with: [UInt8](repeating: 0, count: 4))  // width 0
        #expect(throws: ImageIOError.self) { try PNGFormat.decode(badHeader) }
        let garbage = Data(valid.prefix(8)) + Data((0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        #expect(throws: ImageIOError.self) { try PNGFormat.decode(garbage) }
    }

    @Test func randomlyMutatedFilesNeverCrash() throws {
        let valid = try PNGFormat.encode(TestImages.random(width: 9, height: 7, channels: 3, bitDepth: 16))
        var state: UInt32 = 12345
        var failures = 0
        for _ in 0..<300 {
            var mutated = valid
            for _ in 0..<3 {
                state = state &* 1_664_525 &+ 1_013_904_223
                let position = 8 + Int(state >> 8) % (valid.count - 8)
                mutated[position] ^= UInt8(truncatingIfNeeded: state >> 3) | 1
            }
            do { _ = try PNGFormat.decode(mutated) } catch { failures += 1 }
        }
        #expect(failures > 250)  // almost every mutation breaks a CRC; none may crash
    }

    @Test func corruptErrorsCarryAMessage() {
        let truncated = HandMadePNG.make(width: 4, height: 4, bitDepth: 8, colorType: 0, rows: [[1, 2, 3, 4]])
        do {
            _ = try PNGFormat.decode(truncated)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("corrupt PNG: ") && error.description.count > 14)
        }
    }

    @Test func refusesYCbCr() {
        let image = TestImages.random(width: 2, height: 2, channels: 3, bitDepth: 8).converted(to: .yCbCr)
        #expect(throws: ImageIOError.self) { try PNGFormat.encode(image) }
    }
}
