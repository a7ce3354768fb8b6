import Testing
import NeuralKernels
@testable import OverfittedCodec

@Suite struct LatentCodingTests {
    /// Random latents coded and decoded back, with every wavefront step split over two threads
    /// (threshold 0) and on one thread: the same latents either way.
    @Test func parallelStepsDecodeTheSameLatents() throws {
        var generator = SeededGenerator(seed: 11)
        let networks = FixedPointARMTests.networks(context: 8, weightMagnitude: 200, weightExponent: 12, generator: &generator)
        let geometry = LatentGeometry(width: 40, height: 28)
        let arm = FixedPointARM(networks: networks, layout: ARMLayout(context: 8))
        let latents = (0..<geometry.totalLatents).map { _ in Int32.random(in: -3...3, using: &generator) }
        let bytes = LatentCoding(grids: EntropyGrids(geometry: geometry, interGrid: false), arm: arm, parallel: ParallelChunks(threads: 1)).encode(latents)
        for threads in [1, 2] {
            var coder = LatentCoding(grids: EntropyGrids(geometry: geometry, interGrid: false), arm: arm, parallel: ParallelChunks(threads: threads))
            coder.parallelStepWork = 0
            var armSeconds = 0.0
            #expect(try coder.decode(bytes, armSeconds: &armSeconds) == latents)
        }
    }

    /// Latents coded at the portable level and decoded (through the decoder's step window) at every
    /// kernel level: the same latents, for contexts with wavefront slopes 1 to 4, grids narrower than
    /// the slope, single rows and columns, and latents at both ends of the coded range.
    @Test(arguments: [(8, 100, 12, 2000, 12, 40, 28), (20, 8, 6, 8000, 4, 37, 23), (24, 5, 6, 300, 4, 5, 3),
                      (14, 30, 14, 2000, 10, 1, 9), (20, 8, 6, 8000, 4, 9, 1), (1, 100, 12, 2000, 12, 6, 5)])
    func everyLevelDecodesTheSameLatents(case: (context: Int, magnitude: Int32, weightExponent: Int, biasMagnitude: Int32,
                                               biasExponent: Int, width: Int, height: Int)) throws {
        var generator = SeededGenerator(seed: UInt64(`case`.context * 100 + `case`.width))
        let networks = DecoderKernelTests.networks(context: `case`.context, magnitude: `case`.magnitude,
                                                   weightExponent: `case`.weightExponent, biasMagnitude: `case`.biasMagnitude,
                                                   biasExponent: `case`.biasExponent, generator: &generator)
        let layout = ARMLayout(context: `case`.context)
        let geometry = LatentGeometry(width: `case`.width, height: `case`.height)
        let latents = (0..<geometry.totalLatents).map { _ in
            Int32.random(in: 0..<8, using: &generator) == 0 ? Int32.random(in: -64...63, using: &generator)
                                                            : Int32.random(in: -2...2, using: &generator)
        }
        let portable = FixedPointARM(networks: networks, layout: layout, level: .portable)
        let bytes = LatentCoding(grids: EntropyGrids(geometry: geometry, interGrid: false), arm: portable, parallel: ParallelChunks(threads: 1)).encode(latents)
        for level in [.portable] + DecoderKernelTests.vectorLevels {
            let arm = FixedPointARM(networks: networks, layout: layout, level: level)
            #expect(arm.usesNarrowKernel == (level >= .avx2))
            var armSeconds = 0.0
            let decoded = try LatentCoding(grids: EntropyGrids(geometry: geometry, interGrid: false), arm: arm, parallel: ParallelChunks(threads: 1))
                .decode(bytes, armSeconds: &armSeconds)
            #expect(decoded == latents, "\(level)")
        }
    }
}
