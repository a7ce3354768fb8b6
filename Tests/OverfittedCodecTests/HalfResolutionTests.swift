import Testing
import ImageCore
@testable import OverfittedCodec

/// The first steps of an encode run on the image down-sampled by two; these check what carries over
/// to the full-resolution model.
@Suite struct HalfResolutionTests {
    static func trainer(width: Int, height: Int, iterations: Int = 300) -> Trainer? {
        let image = TestImages.make(width: width, height: height, channels: 3)
        let configuration = TestImages.configuration(iterations: iterations)
        guard let shape = ModelShape(architecture: configuration.complexity.architecture(outputChannels: 3),
                                     width: width, height: height) else { return nil }
        let evaluator = ModelEvaluator(shape: shape, target: Array(image.planes.map(\.samples).joined()),
                                       lambda: Float(configuration.lambda), parallel: ParallelChunks(threads: 2))
        return Trainer(evaluator: evaluator, configuration: configuration, shape: shape)
    }

    /// The half-resolution model fits the 2x2 means of the image with lambda / 4, and its grids are
    /// the full model's grids 1 and up.
    @Test(arguments: [(37, 21), (64, 64), (5, 2)])
    func halfModelFitsTheDownsampledImage(size: (Int, Int)) throws {
        let trainer = try #require(Self.trainer(width: size.0, height: size.1))
        let half = try #require(trainer.halfResolutionTrainer())
        let full = trainer.shape.geometry
        #expect(half.shape.geometry.levels == full.levels - 1)
        for level in 0..<half.shape.geometry.levels {
            #expect(half.shape.geometry.gridSizes[level] == full.gridSizes[level + 1])
        }
        #expect(half.evaluator.lambda == trainer.evaluator.lambda / 4)
        let pixels = full.width * full.height
        let plane = try #require(Plane(width: full.width, height: full.height,
                                       samples: Array(trainer.evaluator.target[pixels..<(2 * pixels)])))
        let halfPixels = half.evaluator.pixelCount
        #expect(Array(half.evaluator.target[halfPixels..<(2 * halfPixels)]) == plane.downsampled2x().samples)
    }

    /// No half-resolution phase without a warm-up (short schedules) or for a one-grid image.
    @Test func shortSchedulesAndSinglePixelsTrainAtFullResolution() throws {
        #expect(try #require(Self.trainer(width: 37, height: 21, iterations: 40)).halfResolutionTrainer() == nil)
        #expect(try #require(Self.trainer(width: 1, height: 1)).halfResolutionTrainer() == nil)
        let schedule = TrainingSchedule(iterations: 560)
        #expect(schedule.warmUpIterations < schedule.halfResolutionIterations)
        #expect(schedule.halfResolutionIterations < schedule.mainIterations)
    }

    /// With the new finest plane at zero, the widened synthesis gives exactly the output of the
    /// synthesis it came from: the added weights meet only zeros, the rest is copied.
    @Test func widenedSynthesisIgnoresAZeroFinestPlane() throws {
        let trainer = try #require(Self.trainer(width: 19, height: 11))
        let shape = trainer.shape
        let fewer = try #require(ModelShape(architecture: shape.architecture, width: 19, height: 11,
                                            maximumLevels: shape.geometry.levels - 1))
        var generator = SeededGenerator(seed: 5)
        let parameters = (0..<fewer.synthesis.layout.totalCount).map { _ in generator.uniform(0.5) }
        let pixels = 19 * 11
        let features = (0..<(fewer.synthesis.inputs * pixels)).map { _ in generator.uniform(8) }
        let widened = trainer.widenedSynthesis(parameters, from: fewer.synthesis, generator: &generator)
        let parallel = ParallelChunks(threads: 2)
        let expected = Synthesis(shape: fewer).forward(features: features, parameters: parameters, parallel: parallel)
        let output = Synthesis(shape: shape).forward(features: features + [Float](repeating: 0, count: pixels),
                                                     parameters: widened, parallel: parallel)
        #expect(output.output == expected.output)
        #expect(widened.count == shape.synthesis.layout.totalCount)
        #expect(widened[shape.synthesis.a].contains { $0 != 0 })
    }

    /// The carried-over state: grid 0 at zero in front of the half model's synthesis grids, the hyper
    /// grids from the half model's of the same size (parameters and Adam moments), the up-sampling
    /// steps kept with a bicubic one added, sizes of the full model.
    @Test(arguments: [(37, 21), (64, 64), (12, 5)])
    func transferPutsTheHalfGridsBehindAZeroFinestGrid(size: (Int, Int)) throws {
        let trainer = try #require(Self.trainer(width: size.0, height: size.1))
        let half = try #require(trainer.halfResolutionTrainer())
        let (state, full) = Self.transferredRandomState(trainer, half)
        let grids = trainer.shape.entropyGrids, halfGrids = half.shape.entropyGrids
        #expect(full.latentParameters.count == grids.totalLatents)
        #expect(full.latentParameters[..<grids.starts[1]].allSatisfy { $0 == 0 })
        #expect(Array(full.latentParameters[grids.starts[1]..<grids.starts[grids.synthesisGrids]])
                == Array(state.latentParameters[..<halfGrids.starts[halfGrids.synthesisGrids]]))
        for grid in grids.synthesisGrids..<grids.count {
            let values = Array(full.latentParameters[grids.starts[grid]..<grids.starts[grid + 1]])
            let moments = Array(full.latentOptimizer.secondMoment[grids.starts[grid]..<grids.starts[grid + 1]])
            if let source = (halfGrids.synthesisGrids..<halfGrids.count).first(where: { halfGrids.sizes[$0] == grids.sizes[grid] }) {
                #expect(values == Array(state.latentParameters[halfGrids.starts[source]..<halfGrids.starts[source + 1]]))
                #expect(moments == Array(state.latentOptimizer.secondMoment[halfGrids.starts[source]..<halfGrids.starts[source + 1]]))
            } else {
                #expect(values.allSatisfy { $0 == 0 })
            }
        }
        #expect(full.networks.upsampling == state.networks.upsampling + UpsamplerLayout.bicubic)
        #expect(full.networks.upsampling.count == trainer.shape.upsampler.layout.totalCount)
        #expect(full.networks.arm == state.networks.arm)
    }

    /// The inter-grid features of the carried-over state are the half model's: on each feature grid
    /// but the finest the same values (that grid is the half model's next finer one), on the finest
    /// zero, since its weights and biases start at zero. Where the half model lacks a hyper grid
    /// (small images), the features differ by that grid's share, which starts at zero too.
    @Test(arguments: [(37, 21), (64, 64)])
    func transferKeepsTheInterGridFeatures(size: (Int, Int)) throws {
        let trainer = try #require(Self.trainer(width: size.0, height: size.1))
        let half = try #require(trainer.halfResolutionTrainer())
        let (state, full) = Self.transferredRandomState(trainer, half)
        let context = trainer.shape.interGrid, halfContext = half.shape.interGrid
        #expect(context.grids.featureLevels == 3 && halfContext.grids.featureLevels == 3)
        #expect(full.networks.interGrid.count == context.parameterCount)
        let parallel = ParallelChunks(threads: 2)
        let features = context.trainingFeatures(latents: full.latentParameters, parameters: full.networks.interGrid, parallel: parallel)
        let halfFeatures = halfContext.trainingFeatures(latents: state.latentParameters, parameters: state.networks.interGrid,
                                                        parallel: parallel)
        #expect(features.values[..<context.parentStarts[1]].allSatisfy { $0 == 0 })
        #expect(halfFeatures.values.contains { $0 != 0 })
        for level in 1..<context.grids.featureLevels {
            #expect(Array(features.values[context.parentStarts[level]..<context.parentStarts[level + 1]])
                    == Array(halfFeatures.values[halfContext.parentStarts[level - 1]..<halfContext.parentStarts[level]]))
        }
    }

    /// A half-resolution state with random latents, second moments, up-sampling kernels and
    /// inter-grid parameters, and the full-resolution state it carries over to.
    static func transferredRandomState(_ trainer: Trainer, _ half: Trainer) -> (half: Trainer.State, full: Trainer.State) {
        var generator = SeededGenerator(seed: 9)
        var state = half.initialState(generator: &generator, seedOffset: 0)
        state.latentParameters = state.latentParameters.map { _ in generator.uniform(4) }
        state.latentOptimizer.secondMoment = state.latentParameters.map { $0 * $0 }
        state.networks.upsampling = state.networks.upsampling.map { _ in generator.uniform(1) }
        state.networks.interGrid = state.networks.interGrid.map { _ in generator.uniform(2) }
        return (state, trainer.transferred(state, from: half.shape, generator: &generator))
    }
}
