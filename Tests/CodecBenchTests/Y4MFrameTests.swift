import Foundation
import ImageCore
import Testing
@testable import CodecBench

@Suite struct Y4MFrameTests {
    @Test func fourFourFourRoundTripIsWithinOneCode() throws {
        let image = TestSupport.pattern(width: 17, height: 9)
        let frame = try Y4MFrame(rgb: image, sampling: .yuv444)
        let back = try frame.rgbImage()
        for (a, b) in zip(image.planes, back.planes) {
            for (x, y) in zip(a.samples, b.samples) { #expect(abs(x - y) * 255 <= 1.5) }
        }
    }

    @Test func neutralGreyStaysExact() throws {
        let planes = [Plane](repeating: Plane(width: 6, height: 4, value: 77 / 255), count: 3)
        let grey = try #require(Image(colorModel: .rgb, bitDepth: 8, planes: planes))
        for sampling in [Y4MFrame.Sampling.yuv420, .yuv444] {
            let frame = try Y4MFrame(rgb: grey, sampling: sampling)
            #expect(frame.blueDifference.allSatisfy { $0 == 128 } && frame.redDifference.allSatisfy { $0 == 128 })
            #expect(try frame.rgbImage() == grey)
        }
    }

    @Test func fileRoundTripKeepsSamplesAndSampling() throws {
        let image = TestSupport.pattern(width: 11, height: 7, seed: 2)
        for sampling in [Y4MFrame.Sampling.yuv420, .yuv444] {
            let frame = try Y4MFrame(rgb: image, sampling: sampling)
            let reread = try Y4MFrame(y4m: frame.y4mData, path: "test.y4m")
            #expect(reread == frame)
            #expect(frame.blueDifference.count == (sampling == .yuv420 ? 6 * 4 : 11 * 7))
        }
    }

    @Test func malformedFilesAreRejected() {
        let bad: [String] = ["not a y4m", "YUV4MPEG2 W4 H2 C444\nFRAME\n123", "YUV4MPEG2 W4 H2 C422\nFRAME\n" + String(repeating: "x", count: 64),
                             "YUV4MPEG2 W0 H2\nFRAME\n"]
        for text in bad {
            #expect(throws: BenchError.self) { try Y4MFrame(y4m: Data(text.utf8), path: "bad.y4m") }
        }
    }
}
