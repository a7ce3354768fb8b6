import Foundation
import Testing
@testable import OverfittedCodec

/// The decoder's reconstruction by bands of rows (``ModelShape/reconstruct(latents:networks:parallel:phases:clock:emit:)``)
/// against the whole-image passes (``Upsampler/forward(latents:kernels:parallel:trace:)`` then
/// ``Synthesis/output(features:parameters:parallel:)``), bit for bit.
@Suite struct BandedReconstructionTests {
    /// A random model on `width x height` (pre-filtered or not) with its integer latents.
    static func model(width: Int, height: Int, channels: Int, preFilter: Bool, seed: UInt64)
        -> (shape: ModelShape, latents: [Float], networks: NetworkParameters) {
        var generator = SeededGenerator(seed: seed)
        let architecture = Architecture(contextSize: 10, interGridFeatures: 4, synthesisWidth: 6, residualLayers: 2,
                                        outputChannels: channels, preFilter: preFilter)
        let shape = ModelShape(architecture: architecture, width: width, height: height)!
        let latents = (0..<shape.entropyGrids.totalLatents).map { _ in generator.uniform(6).rounded() }
        var networks = shape.initialNetworks(generator: &generator, outputMeans: Array(repeating: 0.5, count: channels))
        for i in networks.synthesis.indices { networks.synthesis[i] += generator.uniform(0.3) }
        for i in networks.upsampling.indices { networks.upsampling[i] += generator.uniform(0.1) }
        return (shape, latents, networks)
    }

    /// Heights below, at and across the band height (one, two and three bands, a last band of a
    /// few rows), odd widths, gray and RGB, with and without the pre-concatenation filter, on one
    /// and two threads.
    @Test(arguments: [(70, 150, 3, true), (33, 64, 1, false), (17, 129, 3, false), (90, 5, 3, true), (1, 131, 1, true)])
    func bandsGiveTheWholeImagePasses(width: Int, height: Int, channels: Int, preFilter: Bool) {
        let (shape, latents, networks) = Self.model(width: width, height: height, channels: channels, preFilter: preFilter,
                                                    seed: UInt64(width * height))
        let pixels = width * height
        for threads in [1, 2] {
            let parallel = ParallelChunks(threads: threads)
            var noFilterTrace: PreConcatenationFilter.Trace? = nil
            let grids = preFilter
                ? PreConcatenationFilter(geometry: shape.geometry).forward(latents: latents, values: networks.upsampling[shape.upsampler.preFilter],
                                                                          parallel: parallel, trace: &noFilterTrace)
                : latents
            var trace = Upsampler.Trace()
            let features = Upsampler(geometry: shape.geometry).forward(latents: grids, kernels: networks.upsampling,
                                                                       parallel: parallel, trace: &trace)
            let whole = Synthesis(shape: shape).output(features: features, parameters: networks.synthesis, parallel: parallel)
            var banded = [Float](repeating: .nan, count: channels * pixels)
            var phases = DecodePhases(), clock = ContinuousClock.now, calls = 0
            shape.reconstruct(latents: latents, networks: networks, parallel: parallel, phases: &phases, clock: &clock) { rows, channel, samples in
                #expect(samples.count == rows.count * width)
                for (k, value) in samples.enumerated() { banded[channel * pixels + rows.lowerBound * width + k] = value }
                calls += 1
            }
            #expect(calls == channels * ((height + ModelShape.decodeBandRows - 1) / ModelShape.decodeBandRows))
            let differing = zip(banded, whole).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(banded.count == whole.count && differing == 0, "\(width)x\(height), \(threads) threads: \(differing) samples differ")
        }
    }
}
