import Foundation
import Testing
import NeuralKernels
import ImageCore
@testable import OverfittedCodec

/// Models that leave their finest grids out (``Architecture/uncodedGrids``): the stream does not
/// code them, the training-time ARM does not see them, training keeps them at zero.
@Suite struct UncodedGridsTests {
    static func shape(width: Int, height: Int, uncoded: Int) -> ModelShape? {
        let architecture = Architecture(contextSize: 8, interGridFeatures: 2, synthesisWidth: 5, residualLayers: 1,
                                        outputChannels: 3, uncodedGrids: uncoded)
        return ModelShape(architecture: architecture, width: width, height: height)
    }

    /// The rate of a model without its finest grid is the full model's rate less the finest grid's
    /// own bits (the same ARM and inter-grid parameters), whatever the finest grid holds; its
    /// gradient is zero there and on the finest grid's feature parameters, and matches central
    /// differences on the finest coded grid (no feature reads it, so no rounding is crossed).
    @Test(arguments: [(37, 21), (64, 40), (9, 6)])
    func rateLeavesTheUncodedGridOut(size: (Int, Int)) throws {
        let full = try #require(Self.shape(width: size.0, height: size.1, uncoded: 0))
        let reduced = try #require(Self.shape(width: size.0, height: size.1, uncoded: 1))
        var generator = SeededGenerator(seed: 4)
        var networks = full.initialNetworks(generator: &generator, outputMeans: [0.5, 0.5, 0.5])
        for i in networks.arm.indices { networks.arm[i] += generator.uniform(0.3) }
        for i in networks.interGrid.indices { networks.interGrid[i] = generator.uniform(1) }
        let latents = (0..<full.entropyGrids.totalLatents).map { _ in generator.uniform(4).rounded() }
        let parallel = ParallelChunks(threads: 2)
        let fullARM = ARMTraining(shape: full), reducedARM = ARMTraining(shape: reduced)
        let first = reduced.entropyGrids.firstCodedLatent
        #expect(first == full.entropyGrids.starts[1])
        let fullBits = fullARM.bits(latents: latents, parameters: networks.arm, interGridParameters: networks.interGrid,
                                    parallel: parallel)
        let features = fullARM.features(of: latents, parameters: networks.interGrid, parallel: parallel)
        let finestBits = fullARM.bits(of: [0..<first], latents: latents, parameters: networks.arm, features: features)[0]
        var emptied = latents
        for i in 0..<first { emptied[i] = 0 }
        for values in [latents, emptied] {
            let bits = reducedARM.bits(latents: values, parameters: networks.arm, interGridParameters: networks.interGrid,
                                       parallel: parallel)
            #expect(abs(bits - (fullBits - finestBits)) <= 1e-4 * fullBits)
        }
        let reducedRun = reducedARM.run(latents: latents, parameters: networks.arm, interGridParameters: networks.interGrid,
                                        scale: 1, parallel: parallel)
        #expect(reducedRun.gradLatents.count == latents.count && reducedRun.gradInterGrid.count == networks.interGrid.count)
        #expect(reducedRun.gradLatents[0..<first].allSatisfy { $0 == 0 })
        // The finest grid's features (level 0 of the inter-grid parameters) get no gradient.
        let levelZero = full.interGrid.weightStarts[0]..<full.interGrid.weightStarts[1]
        #expect(reducedRun.gradInterGrid[levelZero].allSatisfy { $0 == 0 })
        #expect(reducedRun.gradInterGrid[full.interGrid.biasStarts[0]..<full.interGrid.biasStarts[1]].allSatisfy { $0 == 0 })
        let epsilon: Float = 1e-2
        var agreeing = 0, probed = 0
        for i in stride(from: first, to: full.entropyGrids.starts[2], by: 3) {
            var up = latents, down = latents
            up[i] += epsilon
            down[i] -= epsilon
            let numeric = (reducedARM.bits(latents: up, parameters: networks.arm, interGridParameters: networks.interGrid, parallel: parallel)
                - reducedARM.bits(latents: down, parameters: networks.arm, interGridParameters: networks.interGrid, parallel: parallel))
                / Double(2 * epsilon)
            let analytic = Double(reducedRun.gradLatents[i])
            if abs(numeric - analytic) <= 0.05 * max(abs(numeric), abs(analytic)) + 1e-2 { agreeing += 1 }
            probed += 1
        }
        #expect(Double(agreeing) >= 0.9 * Double(probed))
    }

    /// The latent stream of a model without its finest grid neither writes nor reads that grid:
    /// whatever it holds, the decoder gives zeros there and the other grids' values.
    @Test func latentStreamSkipsTheUncodedGrid() throws {
        let shape = try #require(Self.shape(width: 30, height: 17, uncoded: 1))
        var generator = SeededGenerator(seed: 9)
        let networks = FixedPointARMTests.networks(context: 8, weightMagnitude: 200, weightExponent: 12, generator: &generator)
        let arm = FixedPointARM(networks: networks, layout: ARMLayout(context: 8))
        let grids = shape.entropyGrids
        var latents = (0..<grids.totalLatents).map { _ in Int32.random(in: -3...3, using: &generator) }
        let coder = LatentCoding(grids: grids, arm: arm, parallel: ParallelChunks(threads: 1))
        let bytes = coder.encode(latents)
        var armSeconds = 0.0
        let decoded = try coder.decode(bytes, armSeconds: &armSeconds)
        for i in 0..<grids.firstCodedLatent { latents[i] = 0 }
        #expect(decoded == latents)
        #expect(grids.codingOrder.allSatisfy { $0 >= 1 } && grids.codingOrder.count == grids.count - 1)
    }

    /// An encode without the finest grid: its header says so, the decoder gives the encoder's image,
    /// and training left the grid at zero and the weights that read it at zero.
    @Test func encodeWithoutTheFinestGrid() throws {
        let image = TestImages.make(width: 26, height: 19, channels: 3)
        var configuration = TestImages.configuration(iterations: 30, lambda: 2e-2)
        configuration.uncodedGrids = 1
        let result = try OverfittedEncoder(configuration: configuration).encodeAndVerify(image)
        #expect(result.header.architecture.uncodedGrids == 1)
        let decoded = try OverfittedDecoder.decode(result.data, threads: 2)
        #expect(decoded.planes == result.decoded.planes)

        let shape = try #require(ModelShape(architecture: result.header.architecture, width: 26, height: 19))
        let evaluator = ModelEvaluator(shape: shape, target: Array(image.planes.map(\.samples).joined()), lambda: 2e-2,
                                       parallel: ParallelChunks(threads: 2))
        let (latents, _, networks) = Trainer(evaluator: evaluator, configuration: configuration, shape: shape).fit(progress: nil)
        #expect(latents[0..<shape.entropyGrids.firstCodedLatent].allSatisfy { $0 == 0 })
        let layout = shape.synthesis
        for range in [layout.a, layout.linear] {
            for row in 0..<(range.count / layout.inputs) {
                #expect(networks.synthesis[range.lowerBound + row * layout.inputs + layout.inputs - 1] == 0)
            }
        }
    }

    /// The automatic choice leaves the finest grid out when the image's finest detail is below
    /// ``EncoderConfiguration/uncodedGridDetailRatio`` times lambda, at the longer presets only
    /// from their minimum lambda up; an image of one grid level keeps its grid.
    @Test func automaticChoiceAndTinyImages() throws {
        #expect(EncoderConfiguration(lambda: 2e-2).uncodedGrids == nil)
        let ratio = EncoderConfiguration.uncodedGridDetailRatio
        for preset in [EncodingPreset.fast, .medium, .slow, .iterations(10)] {
            let lambda = max(4e-3, EncoderConfiguration.uncodedGridMinimumLambda(preset: preset))
            #expect(EncoderConfiguration.automaticUncodedGrids(lambda: lambda, preset: preset, finestDetail: 0.99 * ratio * lambda) == 1)
            #expect(EncoderConfiguration.automaticUncodedGrids(lambda: lambda, preset: preset, finestDetail: 1.01 * ratio * lambda) == 0)
        }
        #expect(EncoderConfiguration.automaticUncodedGrids(lambda: 4e-3, preset: .slow, finestDetail: 0.1 * ratio * 4e-3) == 0)
        // Below the preset's minimum lambda the image's detail is not measured at all.
        var measured = false
        _ = EncoderConfiguration.automaticUncodedGrids(lambda: 4e-3, preset: .slow, finestDetail: { measured = true; return 0 }())
        #expect(!measured)
        _ = EncoderConfiguration.automaticUncodedGrids(lambda: 2e-2, preset: .slow, finestDetail: { measured = true; return 0 }())
        #expect(measured)
        let result = try OverfittedEncoder(configuration: TestImages.configuration(iterations: 5, lambda: 2e-2))
            .encodeAndVerify(TestImages.make(width: 1, height: 1, channels: 3))
        #expect(result.header.architecture.uncodedGrids == 0)
        #expect(Self.shape(width: 2, height: 2, uncoded: 2) == nil)
        // Asked for more than the format allows, the encoder leaves out three (26x19 has six levels),
        // and on a 3x2 image (three levels) it keeps the coarsest.
        var greedy = TestImages.configuration(iterations: 5, lambda: 2e-2)
        greedy.uncodedGrids = 7
        for (width, height, expected) in [(26, 19, 3), (3, 2, 2)] {
            let clamped = try OverfittedEncoder(configuration: greedy).encodeAndVerify(TestImages.make(width: width, height: height, channels: 3))
            #expect(clamped.header.architecture.uncodedGrids == expected)
        }
    }

    /// The finest detail against a direct computation: a 3x3 plane whose 2x2 means are known.
    @Test func finestDetailOfAKnownImage() throws {
        let plane = try #require(Plane(width: 3, height: 3, samples: [0, 1, 0.5, 1, 0, 0.5, 0.25, 0.25, 1]))
        let image = try #require(Image(colorModel: .gray, bitDepth: 8, planes: [plane]))
        // Means of the 2x2 blocks (edge blocks repeat the last row / column): 0.5, 0.5, 0.25, 1.
        let means: [Double] = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 1]
        let expected = zip(plane.samples.map(Double.init), means).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 9
        #expect(abs(OverfittedEncoder.finestDetail(of: image) - expected) < 1e-9)
        #expect(OverfittedEncoder.finestDetail(of: TestImages.make(width: 8, height: 8, channels: 3)) > 0)
    }

    /// A header that leaves out as many grids as the image has levels is refused by name.
    @Test func tooManyUncodedGridsAreRefused() throws {
        var configuration = TestImages.configuration(iterations: 5, lambda: 2e-2)
        configuration.uncodedGrids = 1
        // The grids of 3x2: 3x2, 2x1, 1x1.
        let bytes = [UInt8](try OverfittedEncoder(configuration: configuration).encode(TestImages.make(width: 3, height: 2, channels: 3)))
        #expect(try NCXHeader.parse(bytes).architecture.uncodedGrids == 1)
        var damaged = bytes
        damaged[16] = (damaged[16] & ~NCXHeader.uncodedGridsMask) | (3 << NCXHeader.uncodedGridsShift)
        #expect(throws: OverfittedDecodeError.invalidHeader("3 uncoded grids of 3")) {
            try OverfittedDecoder.decode(CorruptionTests.withValidChecksum(damaged))
        }
    }
}
