import Testing
@testable import OverfittedCodec

/// The latents' rate-distortion optimised rounding: the reach it assumes for one latent's change
/// (pixels and rates), checked by changing latents and comparing everything, and its result.
@Suite struct LatentRefinementTests {
    /// A random model with inter-grid features on a 70 x 45 image (seven grids; the coarsest 2 x 1).
    struct Fixture {
        let evaluator: ModelEvaluator
        var latents: [Float]
        var networks: NetworkParameters

        init(preFilter: Bool, channels: Int = 3, seed: UInt64 = 5) {
            var generator = SeededGenerator(seed: seed)
            let architecture = Architecture(contextSize: 10, interGridFeatures: 4, synthesisWidth: 6, residualLayers: 2,
                                            outputChannels: channels, preFilter: preFilter)
            let shape = ModelShape(architecture: architecture, width: 70, height: 45)!
            let target = (0..<(channels * 70 * 45)).map { _ in generator.nextUnitFloat() }
            evaluator = ModelEvaluator(shape: shape, target: target, lambda: 0.02, parallel: ParallelChunks(threads: 2))
            latents = (0..<shape.entropyGrids.totalLatents).map { _ in generator.uniform(3).rounded() }
            networks = shape.initialNetworks(generator: &generator, outputMeans: Array(repeating: 0.5, count: channels))
            for i in networks.synthesis.indices { networks.synthesis[i] += generator.uniform(0.3) }
            for i in networks.arm.indices { networks.arm[i] += generator.uniform(0.3) }
            for i in networks.interGrid.indices { networks.interGrid[i] += generator.uniform(0.5) }
            for i in networks.upsampling.indices { networks.upsampling[i] += generator.uniform(0.1) }
        }

        var refinement: LatentRefinement { LatentRefinement(evaluator: evaluator, networks: networks, threshold: 0.4, sweeps: 1) }
    }

    /// Positions to change in a grid of `size`: the corners, the middle and a point near an edge.
    static func positions(_ size: (width: Int, height: Int)) -> [(x: Int, y: Int)] {
        [(0, 0), (size.width - 1, size.height - 1), (size.width / 2, size.height / 2), (size.width - 1, size.height / 3)]
    }

    @Test(arguments: [false, true])
    func everyChangedPixelIsInsideThePixelSpan(preFilter: Bool) {
        let f = Fixture(preFilter: preFilter)
        let geometry = f.evaluator.shape.geometry
        let base = f.evaluator.reconstruct(latents: f.latents, networks: f.networks).output
        var changedPixels = 0
        for level in 0..<geometry.levels {
            let size = geometry.gridSizes[level]
            for p in Self.positions(size) {
                var latents = f.latents
                latents[geometry.offset(level: level) + p.y * size.width + p.x] += 1
                let output = f.evaluator.reconstruct(latents: latents, networks: f.networks).output
                let rows = f.refinement.pixelSpan(p.y, level: level, size: geometry.height)
                let columns = f.refinement.pixelSpan(p.x, level: level, size: geometry.width)
                for i in output.indices where output[i] != base[i] {
                    let pixel = i % (geometry.width * geometry.height)
                    #expect(rows.contains(pixel / geometry.width) && columns.contains(pixel % geometry.width),
                            "level \(level) at \(p): pixel \(pixel) changed outside the span")
                    changedPixels += 1
                }
            }
        }
        #expect(changedPixels > 1000)  // the changes did reach the output
    }

    /// One grid up-sampled alone is the reconstruction's plane of it, and the synthesis run on a
    /// candidate's tile gives the whole image's output over its box (corners, edges and middle).
    @Test(arguments: [false, true])
    func tilesReproduceTheWholeImage(preFilter: Bool) {
        let f = Fixture(preFilter: preFilter)
        let geometry = f.evaluator.shape.geometry, pixels = geometry.width * geometry.height
        let (output, trace) = f.evaluator.reconstruct(latents: f.latents, networks: f.networks)
        let state = LatentRefinement.State(latents: f.latents, evaluator: f.evaluator, networks: f.networks)
        for level in 0..<geometry.levels {
            let channel = geometry.levels - 1 - level
            let plane = f.evaluator.upsampledPlane(level: level, latents: f.latents, networks: f.networks)
            #expect(plane == Array(trace.features[(channel * pixels)..<((channel + 1) * pixels)]), "level \(level)")
            let size = geometry.gridSizes[level]
            for p in Self.positions(size) {
                let candidate = LatentRefinement.Candidate(index: geometry.offset(level: level) + p.y * size.width + p.x,
                                                           x: p.x, y: p.y, value: 0)
                let m = f.refinement.tileSynthesis(candidate, level: level, plane: plane, state: state)
                var expected: [Float] = []
                for c in 0..<3 {
                    for y in m.box.rows { expected += output[(c * pixels + y * geometry.width)...].prefix(geometry.width)[...]
                        .dropFirst(m.box.columns.lowerBound).prefix(m.box.columns.count) }
                }
                #expect(m.output.count == expected.count && !m.output.isEmpty)
                #expect(zip(m.output, expected).allSatisfy { abs($0 - $1) <= 1e-5 }, "level \(level) at \(p)")
                #expect(abs(m.lossChange) <= 1e-9)
            }
        }
    }

    /// The bits of every latent, one at a time.
    static func bitsOfEach(_ f: Fixture, latents: [Float]) -> [Double] {
        let arm = f.evaluator.armTraining
        let features = arm.features(of: latents, parameters: f.networks.interGrid, parallel: f.evaluator.parallel)
        return arm.bits(of: latents.indices.map { $0..<($0 + 1) }, latents: latents, parameters: f.networks.arm, features: features)
    }

    /// The squared-error change of a row against a plain Double sum, values on both sides of the
    /// [0, 1] clamp and lengths with and without a partial vector.
    @Test(arguments: [1, 7, 8, 13, 64, 70])
    func squaredErrorChangeClampsAndSums(count: Int) {
        var generator = SeededGenerator(seed: UInt64(count))
        let new = (0..<count).map { _ in generator.uniform(0.8) + 0.5 }
        let old = (0..<count).map { _ in generator.uniform(0.8) + 0.5 }
        let target = (0..<count).map { _ in generator.nextUnitFloat() }
        func clamped(_ v: Float) -> Double { Double(min(max(v, 0), 1)) }
        let expected = (0..<count).reduce(0.0) { sum, i in
            let n = clamped(new[i]) - Double(target[i]), o = clamped(old[i]) - Double(target[i])
            return sum + n * n - o * o
        }
        let change = LatentRefinement.squaredErrorChange(new: new, old: old, target: target, count: count)
        #expect(abs(change - expected) <= 1e-5 * max(1, Double(count)))
        #expect(new.contains { $0 < 0 } || new.contains { $0 > 1 } || count < 8)
    }

    @Test func everyChangedRateIsInsideTheRateRuns() {
        let f = Fixture(preFilter: true)
        let geometry = f.evaluator.shape.geometry
        let base = Self.bitsOfEach(f, latents: f.latents)
        // Per-latent bits sum to the rate the trainer computes.
        let total = f.evaluator.rateBits(latents: f.latents, networks: f.networks)
        #expect(abs(base.reduce(0, +) - total) <= 1e-4 * total)
        var changedRates = 0
        for level in 0..<geometry.levels {
            let size = geometry.gridSizes[level]
            for p in Self.positions(size) {
                let index = geometry.offset(level: level) + p.y * size.width + p.x
                var latents = f.latents
                latents[index] += 1
                let bits = Self.bitsOfEach(f, latents: latents)
                let candidate = LatentRefinement.Candidate(index: index, x: p.x, y: p.y, value: latents[index])
                let runs = f.refinement.rateRuns(of: candidate, level: level)
                for i in bits.indices where bits[i] != base[i] {
                    #expect(runs.contains { $0.contains(i) }, "level \(level) at \(p): the rate of latent \(i) changed outside the runs")
                    changedRates += 1
                }
            }
        }
        #expect(changedRates > 20)
    }

    @Test(arguments: [false, true])
    func refinementLowersTheLossByWhatItMeasured(preFilter: Bool) {
        let f = Fixture(preFilter: preFilter)
        var generator = SeededGenerator(seed: 11)
        // Trained values between 0.4 and 0.5 from their rounding for one latent in four (the
        // candidates), 0.2 for the others.
        let trained = f.latents.map { value -> Float in
            let sign: Float = generator.nextUnitFloat() < 0.5 ? -1 : 1
            return value + sign * (generator.nextUnitFloat() < 0.25 ? 0.4 + 0.1 * generator.nextUnitFloat() : 0.2)
        }
        let before = f.evaluator.evaluate(latents: f.latents, networks: f.networks)
        let outcome = f.refinement.refine(latents: f.latents, trained: trained)
        let after = f.evaluator.evaluate(latents: outcome.latents, networks: f.networks)
        #expect(outcome.tried > 0 && outcome.changed > 0 && outcome.changed < outcome.tried)
        #expect(after.loss < before.loss)
        // The pass measured each change alone; they do not interact, so they add up.
        #expect(abs((after.loss - before.loss) - outcome.lossChange) <= 1e-6 * abs(outcome.lossChange))
        #expect(abs(after.bits - before.bits - outcome.bitChange) <= 1e-5 * abs(outcome.bitChange))
        // Each kept change moved its latent to the other neighbour of its trained value, nothing else moved.
        var moved = 0
        for i in f.latents.indices where outcome.latents[i] != f.latents[i] {
            #expect(abs(outcome.latents[i] - trained[i]) <= 0.6 && abs(outcome.latents[i] - f.latents[i]) == 1)
            moved += 1
        }
        #expect(moved == outcome.changed)
        // A higher threshold tries those of the candidates far enough from their rounding.
        let level = 1
        let all = f.refinement.candidates(level: level, latents: f.latents, trained: trained)
        let far = LatentRefinement(evaluator: f.evaluator, networks: f.networks, threshold: 0.45, sweeps: 1)
            .candidates(level: level, latents: f.latents, trained: trained)
        #expect(far.map(\.index) == all.filter { abs(trained[$0.index] - f.latents[$0.index]) >= 0.45 }.map(\.index))
        #expect(!far.isEmpty && far.count < all.count)
    }

    /// Further sweeps start from the first one's result and measure as exactly, each lowering the
    /// loss, every latent left at one of its trained value's two neighbours; they end once a sweep
    /// keeps nothing.
    @Test func furtherSweepsContinueFromTheFirst() {
        let f = Fixture(preFilter: true, seed: 8)
        var generator = SeededGenerator(seed: 12)
        let trained = f.latents.map { value -> Float in
            let sign: Float = generator.nextUnitFloat() < 0.5 ? -1 : 1
            return value + sign * (generator.nextUnitFloat() < 0.25 ? 0.4 + 0.1 * generator.nextUnitFloat() : 0.1)
        }
        let levels = f.evaluator.shape.geometry.levels, sweeps = 50
        var reports: [EncodeProgress] = []
        let outcome = LatentRefinement(evaluator: f.evaluator, networks: f.networks, threshold: 0.4, sweeps: sweeps)
            .refine(latents: f.latents, trained: trained) { reports.append($0) }
        let before = f.evaluator.evaluate(latents: f.latents, networks: f.networks)
        let after = f.evaluator.evaluate(latents: outcome.latents, networks: f.networks)
        #expect(abs((after.loss - before.loss) - outcome.lossChange) <= 1e-6 * abs(outcome.lossChange))
        #expect(outcome.latents.indices.allSatisfy { abs(outcome.latents[$0] - trained[$0]) < 1 })
        // The loss after each sweep: the second lower than the first, the last the same as the one before it.
        let ends = reports.filter { $0.iteration % levels == 0 }.map(\.loss)
        #expect(reports.allSatisfy { $0.totalIterations == sweeps * levels })
        #expect(ends.count >= 3 && ends.count < sweeps && reports.count == ends.count * levels)
        #expect(ends[1] < ends[0] && ends[ends.count - 1] == ends[ends.count - 2])
        #expect(zip(ends, ends.dropFirst()).allSatisfy { $1 <= $0 })
    }
}
