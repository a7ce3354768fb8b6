import Foundation
import Testing
import ImageCore
@testable import OverfittedCodec

@Suite struct RoundTripTests {
    /// Sizes, and whether the model has the pre-concatenation filter.
    @Test(arguments: [(16, 16, 3, false), (13, 7, 3, false), (1, 1, 3, false), (9, 5, 1, false), (1, 6, 1, false),
                      (70, 3, 3, false), (16, 16, 3, true), (1, 1, 3, true), (70, 3, 3, true), (1, 6, 1, true)])
    func decodeMatchesWhatTheEncoderReported(size: (Int, Int, Int, Bool)) throws {
        let image = TestImages.make(width: size.0, height: size.1, channels: size.2)
        let result = try OverfittedEncoder(configuration: TestImages.configuration(preFilter: size.3)).encodeAndVerify(image)
        #expect(result.header.architecture.preFilter == size.3)
        let decoded = try OverfittedDecoder.decode(result.data, threads: 1)
        #expect(decoded == result.decoded)
        #expect(decoded.width == size.0 && decoded.height == size.1 && decoded.planes.count == size.2)
        #expect(result.bitsPerPixel == Double(result.data.count * 8) / Double(size.0 * size.1))
        #expect(abs(result.psnr - OverfittedEncoder.psnr(image, decoded)) < 1e-9)
    }

    @Test func trainingImprovesOnAFlatGuess() throws {
        let image = TestImages.make(width: 24, height: 20, channels: 3)
        let result = try OverfittedEncoder(configuration: TestImages.configuration(iterations: 150, lambda: 1e-4)).encodeAndVerify(image)
        // A flat image at each channel's mean scores about 17 dB on this picture.
        #expect(result.psnr > 26)
    }

    /// The latents' refined rounding: the file still decodes to what the encoder reported, the same
    /// for one and two threads, and its loss is no worse than the plain rounding's (the decisions
    /// use the float ARM's rate, the file the fixed-point one's, hence the small allowance).
    @Test(arguments: [false, true])
    func refinedLatentsRoundTrip(preFilter: Bool) throws {
        let image = TestImages.make(width: 48, height: 40, channels: 3)
        func encode(refine: Bool, threads: Int) throws -> OverfittedEncoder.Result {
            var configuration = TestImages.configuration(iterations: 150, lambda: 2e-3, threads: threads, preFilter: preFilter)
            configuration.refineLatents = refine
            return try OverfittedEncoder(configuration: configuration).encodeAndVerify(image)
        }
        let plain = try encode(refine: false, threads: 2)
        let refined = try encode(refine: true, threads: 2)
        #expect(try encode(refine: true, threads: 1).data == refined.data)
        #expect(try OverfittedDecoder.decode(refined.data, threads: 1) == refined.decoded)
        #expect(refined.data != plain.data)
        func loss(_ result: OverfittedEncoder.Result) -> Double { Foundation.pow(10, -result.psnr / 10) + 2e-3 * result.bitsPerPixel }
        #expect(loss(refined) <= 1.002 * loss(plain))
    }

    @Test(arguments: [false, true])
    func outputIsIdenticalForOneAndTwoThreads(preFilter: Bool) throws {
        let image = TestImages.make(width: 37, height: 21, channels: 3)
        let one = try OverfittedEncoder(configuration: TestImages.configuration(threads: 1, preFilter: preFilter)).encode(image)
        let two = try OverfittedEncoder(configuration: TestImages.configuration(threads: 2, preFilter: preFilter)).encode(image)
        #expect(one == two)
        #expect(try OverfittedDecoder.decode(one, threads: 1) == OverfittedDecoder.decode(one, threads: 2))
    }

    /// Schedules long enough for a warm-up start at half resolution (one grid less), then train at
    /// full resolution; the file decodes to what the encoder reported, at every thread count.
    @Test(arguments: [(37, 21, 3, false), (2, 3, 1, false), (37, 21, 3, true), (2, 3, 1, true)])
    func halfResolutionStartRoundTrips(size: (Int, Int, Int, Bool)) throws {
        let image = TestImages.make(width: size.0, height: size.1, channels: size.2)
        let one = try OverfittedEncoder(configuration: TestImages.configuration(iterations: 120, threads: 1, preFilter: size.3))
            .encodeAndVerify(image)
        let two = try OverfittedEncoder(configuration: TestImages.configuration(iterations: 120, threads: 2, preFilter: size.3))
            .encodeAndVerify(image)
        #expect(one.data == two.data)
        #expect(try OverfittedDecoder.decode(one.data, threads: 2) == one.decoded)
    }

    @Test func sixteenBitImagesAreCodedAtSixteenBits() throws {
        let image = TestImages.make(width: 11, height: 9, channels: 3, bitDepth: 16)
        let result = try OverfittedEncoder(configuration: TestImages.configuration()).encodeAndVerify(image)
        #expect(result.decoded.bitDepth == 16)
        #expect(result.header.bitDepth == 16)
    }

    @Test func invalidLambdaIsRefused() {
        let image = TestImages.make(width: 4, height: 4, channels: 1)
        #expect(throws: OverfittedEncodeError.invalidLambda(-1)) {
            try OverfittedEncoder(configuration: TestImages.configuration(lambda: -1)).encode(image)
        }
    }
}
