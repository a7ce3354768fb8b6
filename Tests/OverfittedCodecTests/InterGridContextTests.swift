import Testing
import NeuralKernels
@testable import OverfittedCodec

/// The inter-grid features against a direct reading of their definition.
@Suite struct InterGridContextTests {
    static func context(width: Int, height: Int, features: Int) -> InterGridContext {
        InterGridContext(grids: EntropyGrids(geometry: LatentGeometry(width: width, height: height), interGrid: true),
                         featureCount: features)
    }

    /// Feature `j` of latent `(y, x)` of feature grid `level` before rounding, straight from the
    /// definition: `b_j + sum_m W_jm v_m` over the grids after `level`, each read at the position
    /// covering `(y >> 1, x >> 1)` of grid `level + 1`.
    static func definition(_ c: InterGridContext, latents: [Float], parameters: [Float], level: Int, y: Int, x: Int, j: Int) -> Float {
        let grids = c.grids, sources = Array(grids.sources(of: level))
        var sum = parameters[c.biasStarts[level] + j]
        for (m, grid) in sources.enumerated() {
            let scale = 1 << (grids.resolutions[grid] - level)  // this grid's latent covers scale x scale of grid `level`
            let v = latents[grids.starts[grid] + (y / scale) * grids.sizes[grid].width + x / scale]
            sum += parameters[c.weightStarts[level] + j * sources.count + m] * v
        }
        return sum
    }

    /// Feature `j` of latent `(y, x)` of grid `level` in training features laid out as ``TrainingFeatures/values``.
    static func feature(_ c: InterGridContext, _ values: [Float], level: Int, y: Int, x: Int, j: Int) -> Float {
        let parent = c.grids.sizes[level + 1]
        return values[c.parentStarts[level] + j * parent.width * parent.height + (y >> 1) * parent.width + (x >> 1)]
    }

    /// Grids, hyper grids and parameter counts of a Kodak-sized image and of small ones.
    @Test func gridsAndParameterCounts() {
        let kodak = Self.context(width: 768, height: 512, features: 6)
        #expect(kodak.grids.count == 10 && kodak.grids.hyperGrids == 3 && kodak.grids.featureLevels == 3)
        #expect(kodak.grids.resolutions == [0, 1, 2, 3, 4, 5, 6, 4, 5, 6])
        #expect(kodak.grids.codingOrder == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
        #expect(kodak.parameterCount == 6 * (9 + 8 + 7) + 3 * 6)
        let tiny = Self.context(width: 2, height: 1, features: 2)  // grids 2x1 and 1x1
        #expect(tiny.grids.count == 3 && tiny.grids.featureLevels == 1 && tiny.grids.sources(of: 0) == 1..<3)
        let single = Self.context(width: 1, height: 1, features: 2)
        #expect(single.grids.count == 1 && single.parameterCount == 0)
    }

    /// The training features are the rounded, clamped definition; their backward is the adjoint of
    /// the definition's linear map (rounding passed straight through): for random output gradients
    /// `g`, `<g, dF/dp . d> = <backward(g), d>` for directions `d` in the parameters and in the latents.
    @Test(arguments: [(37, 21, 3), (64, 48, 6), (5, 9, 2)])
    func featuresAndBackwardFollowTheDefinition(size: (width: Int, height: Int, features: Int)) {
        let c = Self.context(width: size.width, height: size.height, features: size.features)
        var generator = SeededGenerator(seed: UInt64(size.width))
        let latents = (0..<c.total).map { _ in Float(Int.random(in: -20...20, using: &generator)) }
        let parameters = (0..<c.parameterCount).map { _ in generator.uniform(0.7) }
        let features = latents.withUnsafeBufferPointer { l in
            parameters.withUnsafeBufferPointer { p in c.trainingFeatures(latents: l.baseAddress!, parameters: p.baseAddress!, parallel: ParallelChunks(threads: 2)) }
        }
        var gradient = [Float](repeating: 0, count: c.featureCount * c.total)
        var expectedDot = [Double](repeating: 0, count: 2)  // along the parameter and the latent directions
        let parameterDirection = parameters.map { _ in generator.uniform(1) }
        let latentDirection = latents.map { _ in generator.uniform(1) }
        for level in 0..<c.grids.featureLevels {
            let size = c.grids.sizes[level]
            for j in 0..<c.featureCount {
                for y in 0..<size.height {
                    for x in 0..<size.width {
                        let index = j * c.total + c.grids.starts[level] + y * size.width + x
                        let value = Self.definition(c, latents: latents, parameters: parameters, level: level, y: y, x: x, j: j)
                        #expect(Self.feature(c, features.values, level: level, y: y, x: x, j: j) == min(max(value.rounded(), -64), 63))
                        guard abs(value) < 63 else { continue }  // clamped: no gradient
                        gradient[index] = generator.uniform(1)
                        // The definition is linear in the parameters and in the latents separately.
                        let alongParameters = Self.definition(c, latents: latents, parameters: parameterDirection, level: level, y: y, x: x, j: j)
                        let alongLatents = Self.definition(c, latents: latentDirection, parameters: parameters, level: level, y: y, x: x, j: j)
                            - parameters[c.biasStarts[level] + j]
                        expectedDot[0] += Double(gradient[index]) * Double(alongParameters)
                        expectedDot[1] += Double(gradient[index]) * Double(alongLatents)
                    }
                }
            }
        }
        var gradLatents = [Float](repeating: 0, count: c.total)
        let gradParameters = latents.withUnsafeBufferPointer { l in
            parameters.withUnsafeBufferPointer { p in
                gradient.withUnsafeBufferPointer { g in
                    gradLatents.withUnsafeMutableBufferPointer { gl in
                        c.backward(latents: l.baseAddress!, parameters: p.baseAddress!, features: features,
                                   gradFeatures: g.baseAddress!, gradLatents: gl.baseAddress!, parallel: ParallelChunks(threads: 2))
                    }
                }
            }
        }
        let dots = [zip(gradParameters, parameterDirection).reduce(0.0) { $0 + Double($1.0) * Double($1.1) },
                    zip(gradLatents, latentDirection).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }]
        for k in 0..<2 {
            #expect(abs(dots[k] - expectedDot[k]) <= 1e-3 * max(1, abs(expectedDot[k])), "\(k): \(dots[k]) vs \(expectedDot[k])")
        }
    }

    /// The coder's integer features equal the training features of the same quantised parameters
    /// (weights on 2^-7, biases on 2^-5: every sum is exact in float), ties included; at 3x2 the
    /// feature grid's parent is the coarsest resolution (two sources there, none coarser).
    @Test(arguments: [(45, 30), (3, 2), (9, 5)])
    func integerFeaturesEqualTheTrainingFeatures(width: Int, height: Int) throws {
        let c = Self.context(width: width, height: height, features: 4)
        var generator = SeededGenerator(seed: 4)
        let weights = (0..<c.weightCount).map { _ in Int32.random(in: -200...200, using: &generator) }
        let biases = (0..<(c.parameterCount - c.weightCount)).map { _ in Int32.random(in: -300...300, using: &generator) }
        let units = [QuantizedNetworks.Unit(network: .interGrid, range: 0..<c.weightCount, name: "W"),
                     QuantizedNetworks.Unit(network: .interGrid, range: c.weightCount..<c.parameterCount, name: "b")]
        let networks = QuantizedNetworks(units: units, tensors: [.init(exponent: 7, values: weights), .init(exponent: 5, values: biases)])
        let source = try #require(InterGridFeatureSource(context: c, networks: networks))
        let latents = (0..<c.total).map { _ in Int32.random(in: -64...63, using: &generator) }
        let float = latents.map(Float.init).withUnsafeBufferPointer { l in
            networks.dequantized.interGrid.withUnsafeBufferPointer { p in c.trainingFeatures(latents: l.baseAddress!, parameters: p.baseAddress!, parallel: ParallelChunks(threads: 2)) }
        }.values
        latents.withUnsafeBufferPointer { l in
            for level in 0..<c.grids.featureLevels {
                let parent = source.parentFeatures(grid: level, latents: l.baseAddress!)!
                let size = c.grids.sizes[level], f = c.featureCount
                for j in 0..<c.featureCount {
                    for y in 0..<size.height {
                        for x in 0..<size.width {
                            let value = parent.values[((y >> 1) * parent.width + (x >> 1)) * f + j]
                            #expect(Float(value) == Self.feature(c, float, level: level, y: y, x: x, j: j),
                                    "level \(level), feature \(j) at (\(x), \(y))")
                        }
                    }
                }
            }
            #expect(source.parentFeatures(grid: c.grids.featureLevels, latents: l.baseAddress!) == nil)
        }
        #expect(InterGridContext.roundedFeature(-3 << 6, exponent: 7) == -2)  // -1.5 rounds away from zero
        #expect(InterGridContext.roundedFeature(1 << 20, exponent: 7) == 63)
    }
}
