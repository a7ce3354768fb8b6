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

    /// The carried-over state: grid 0 at zero in front of the half model's grids and the hyper grids
    /// at zero behind them (parameters and Adam moments), the up-sampling steps kept with a bicubic
    /// one added, the inter-grid feature weights at zero, sizes of the full model.
    @Test func transferPutsTheHalfGridsBehindAZeroFinestGrid() throws {
        let trainer = try #require(Self.trainer(width: 37, height: 21))
        let half = try #require(trainer.halfResolutionTrainer())
        var generator = SeededGenerator(seed: 9)
        var state = half.initialState(generator: &generator, seedOffset: 0)
        state.latentParameters = state.latentParameters.map { _ in generator.uniform(2) }
        state.latentOptimizer.secondMoment = state.latentParameters.map { $0 * $0 }
        state.networks.upsampling = state.networks.upsampling.map { _ in generator.uniform(1) }
        let full = trainer.transferred(state, from: half.shape, generator: &generator)
        let finest = trainer.shape.geometry.count(level: 0), synthesisLatents = trainer.shape.geometry.totalLatents
        #expect(trainer.shape.entropyGrids.hyperGrids == 3 && half.shape.entropyGrids.hyperGrids == 0)
        #expect(full.latentParameters.count == trainer.shape.entropyGrids.totalLatents)
        #expect(full.latentParameters[..<finest].allSatisfy { $0 == 0 })
        #expect(Array(full.latentParameters[finest..<synthesisLatents]) == state.latentParameters)
        #expect(full.latentParameters[synthesisLatents...].allSatisfy { $0 == 0 })
        #expect(Array(full.latentOptimizer.secondMoment[finest..<synthesisLatents]) == state.latentOptimizer.secondMoment)
        #expect(full.networks.interGrid == [Float](repeating: 0, count: trainer.shape.interGrid.parameterCount))
        #expect(full.networks.upsampling == state.networks.upsampling + UpsamplerLayout.bicubic)
        #expect(full.networks.upsampling.count == trainer.shape.upsampler.layout.totalCount)
        #expect(full.networks.arm == state.networks.arm)
    }
}
