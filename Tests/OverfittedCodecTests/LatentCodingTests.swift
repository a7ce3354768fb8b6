import Testing
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
        let bytes = LatentCoding(geometry: geometry, arm: arm, parallel: ParallelChunks(threads: 1)).encode(latents)
        for threads in [1, 2] {
            var coder = LatentCoding(geometry: geometry, arm: arm, parallel: ParallelChunks(threads: threads))
            coder.parallelStepWork = 0
            var armSeconds = 0.0
            #expect(try coder.decode(bytes, armSeconds: &armSeconds) == latents)
        }
    }
}
