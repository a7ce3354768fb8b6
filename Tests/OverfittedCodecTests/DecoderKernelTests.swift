import Testing
import NeuralKernels
@testable import OverfittedCodec

/// The decoder's AVX-512 and AVX2 kernels (the ARM in 32-bit lanes, up-sampling, the synthesis' 1x1
/// part and 3x3 residual layer, and that layer's backward for training) against the portable paths they replace, at every level this CPU has.
@Suite struct DecoderKernelTests {
    /// The vector levels this CPU runs (each test checks each of them against the portable path).
    static let vectorLevels = [Acceleration.Level.avx2, .avx512].filter { $0 <= Acceleration.level }

    /// Random ARM weights `±magnitude` at step 2^-weightExponent and biases `±biasMagnitude` at 2^-biasExponent.
    static func networks(context c: Int, magnitude: Int32, weightExponent: Int, biasMagnitude: Int32, biasExponent: Int,
                         generator: inout SeededGenerator) -> QuantizedNetworks {
        let layout = ARMLayout(context: c)
        let weights = (0..<layout.layout.weightCount).map { _ in Int32.random(in: -magnitude...magnitude, using: &generator) }
        let biases = (0..<layout.layout.biasRange.count).map { _ in Int32.random(in: -biasMagnitude...biasMagnitude, using: &generator) }
        return .arm(layout: layout, weights: weights, weightExponent: weightExponent, biases: biases, biasExponent: biasExponent)
    }

    /// Batches of interior positions (the decoder's case) through the narrow kernel, against the
    /// scalar Int64 path, position by position. The cases cover both layer-2 shift directions
    /// (`sW + g` above and below 16), 16-bit pairs and 32-bit lanes (large weights, or activations
    /// too large for Int16 in some batches), and contexts with and without a specialised kernel.
    @Test(arguments: [(20, 8, 6, 8000, 4, true), (20, 8, 6, 4000, 2, true), (8, 100, 12, 2000, 12, true), (14, 30, 14, 2000, 10, true),
                      (24, 5, 6, 300, 4, true), (9, 20, 8, 100, 4, true), (40, 3, 8, 64, 6, true),
                      (20, 1 << 14, 6, 64, 4, false), (20, 100, 6, 4096, 12, false)])
    func narrowARMMatchesTheScalarPath(case: (context: Int, magnitude: Int32, weightExponent: Int,
                                             biasMagnitude: Int32, biasExponent: Int, fits: Bool)) {
        var generator = SeededGenerator(seed: UInt64(`case`.context * 100 + `case`.weightExponent))
        let networks = Self.networks(context: `case`.context, magnitude: `case`.magnitude, weightExponent: `case`.weightExponent,
                                     biasMagnitude: `case`.biasMagnitude, biasExponent: `case`.biasExponent, generator: &generator)
        Self.expectNarrowBatchesMatchTheScalarPath(networks: networks, context: `case`.context, fits: `case`.fits, generator: &generator)
    }

    /// Hidden matrices on a coarse step and output weights on a fine one, as the encoder's step search
    /// leaves them at high rates (a kodim05 file: W1 and W2 on 2^-7, Wout on 2^-10). Expressed on the
    /// output weights' step, layer 2's interval bound exceeds 2^31; on each matrix's own step it fits.
    @Test func coarseHiddenStepsKeepTheNarrowKernel() {
        var generator = SeededGenerator(seed: 5)
        let c = 20
        let coarse = Self.networks(context: c, magnitude: 120, weightExponent: 7, biasMagnitude: 60, biasExponent: 5,
                                   generator: &generator)
        let fineUnits = Set(["ARM Wout", "ARM Wlinear"])
        let tensors = zip(coarse.units, coarse.tensors).map { unit, tensor in
            fineUnits.contains(unit.name)
                ? QuantizedNetworks.Tensor(exponent: 10, values: tensor.values.map { _ in Int32.random(in: -600...600, using: &generator) })
                : tensor
        }
        let networks = QuantizedNetworks(units: coarse.units, tensors: tensors)
        Self.expectNarrowBatchesMatchTheScalarPath(networks: networks, context: c, fits: true, generator: &generator)
    }

    /// Linear-branch weights beyond Int16 (so not in 16-bit pairs, unlike the layers' here) keep the
    /// narrow kernel, on 32-bit products for that branch.
    @Test func wideLinearWeightsKeepTheNarrowKernel() {
        var generator = SeededGenerator(seed: 6)
        let c = 8
        let small = Self.networks(context: c, magnitude: 40, weightExponent: 8, biasMagnitude: 200, biasExponent: 8,
                                  generator: &generator)
        let tensors = zip(small.units, small.tensors).map { unit, tensor in
            unit.name == "ARM Wlinear"
                ? QuantizedNetworks.Tensor(exponent: 16, values: tensor.values.map { _ in
                    Int32.random(in: 33_000...40_000, using: &generator) * (Bool.random(using: &generator) ? 1 : -1) | 1
                })
                : tensor
        }
        let networks = QuantizedNetworks(units: small.units, tensors: tensors)
        Self.expectNarrowBatchesMatchTheScalarPath(networks: networks, context: c, fits: true, generator: &generator)
    }

    /// The narrow kernel is in use exactly when `fits`, and its batches (and Int64 sums) equal the
    /// scalar path's at every vector level, on a grid of mostly small latents with some at the ends
    /// of the range.
    static func expectNarrowBatchesMatchTheScalarPath(networks: QuantizedNetworks, context: Int, fits: Bool,
                                                      generator: inout SeededGenerator) {
        let layout = ARMLayout(context: context)
        let scalar = FixedPointARM(networks: networks, layout: layout, level: .portable)
        let width = 40, height = 30
        // Mostly small latents, as decoded ones are, with some at the ends of the range.
        let grid = (0..<(width * height)).map { _ in
            Int32.random(in: 0..<10, using: &generator) == 0 ? Int32.random(in: -64...63, using: &generator)
                                                             : Int32.random(in: -3...3, using: &generator)
        }
        let scratch = scalar.makeScratch()
        defer { scratch.deallocate() }
        for level in Self.vectorLevels {
            let fast = FixedPointARM(networks: networks, layout: layout, level: level)
            #expect(fast.usesNarrowKernel == fits, "\(level)")
            let batch = FixedPointARM.Batch(arm: fast)
            grid.withUnsafeBufferPointer { g in
                // Wavefront-like diagonals and rows, 1 to 25 positions (across the 8- and 16-lane boundaries).
                for (x0, y0, stepX, stepY, count) in [(35, 4, -1, 1, 25), (30, 5, -2, 1, 12), (4, 10, 1, 0, 31), (20, 29, 1, 0, 1),
                                                      (8, 6, 0, 1, 17), (35, 4, -4, 1, 8)] {
                    let (means, logScales) = fast.batchParameters(grid: grid, width: width, height: height, x: x0, y: y0,
                                                                  stepX: stepX, stepY: stepY, count: count, batch: batch)
                    for k in 0..<count {
                        let q = scalar.parameters(grid: g, width: width, height: height, x: x0 + k * stepX, y: y0 + k * stepY,
                                                  scratch: scratch)
                        #expect(means[k] == q.mean && logScales[k] == q.logScale, "\(level): batch from (\(x0), \(y0)), latent \(k)")
                    }
                    // The kernel's Int64 sums themselves (finer than the rounded outputs).
                    guard let narrow = fast.narrow, let base = g.baseAddress else { continue }
                    var sums = [Int64](repeating: 0, count: 2 * count)
                    let flat = fast.offsets.map { Int32($0.dy * width + $0.dx) }
                    #expect(narrow.sums(cells: base + (y0 * width + x0), offsets: flat, stride: stepY * width + stepX,
                                        count: count, into: &sums))
                    for k in 0..<count {
                        let q = scalar.outputSums(grid: g, width: width, height: height, x: x0 + k * stepX, y: y0 + k * stepY,
                                                  scratch: scratch)
                        #expect(sums[2 * k] == q.0 && sums[2 * k + 1] == q.1, "\(level): sums from (\(x0), \(y0)), latent \(k)")
                    }
                }
            }
        }
    }

    /// A latent outside -64...64 in a batch: the kernel refuses it and the batch still matches.
    @Test func largeLatentsFallBackToTheWidePath() {
        var generator = SeededGenerator(seed: 11)
        let networks = Self.networks(context: 20, magnitude: 8, weightExponent: 6, biasMagnitude: 300, biasExponent: 4,
                                     generator: &generator)
        let layout = ARMLayout(context: 20)
        let scalar = FixedPointARM(networks: networks, layout: layout, level: .portable)
        let width = 24, height = 24
        var grid = (0..<(width * height)).map { _ in Int32.random(in: -5...5, using: &generator) }
        grid[10 * width + 12] = 500
        let scratch = scalar.makeScratch()
        defer { scratch.deallocate() }
        for level in Self.vectorLevels {
            let fast = FixedPointARM(networks: networks, layout: layout, level: level)
            #expect(fast.usesNarrowKernel)
            let batch = FixedPointARM.Batch(arm: fast)
            grid.withUnsafeBufferPointer { g in
                let (means, logScales) = fast.batchParameters(grid: grid, width: width, height: height, x: 4, y: 11,
                                                              stepX: 1, stepY: 0, count: 16, batch: batch)
                for k in 0..<16 {
                    let q = scalar.parameters(grid: g, width: width, height: height, x: 4 + k, y: 11, scratch: scratch)
                    #expect(means[k] == q.mean && logScales[k] == q.logScale, "\(level): latent \(k)")
                }
            }
        }
    }

    /// A synthesis with one 3x3 residual layer on `channels` planes of `width x height`, random
    /// parameters and input, and the generator for further random values.
    struct ResidualFixture {
        var generator: SeededGenerator
        let synthesis: Synthesis
        let parameters: [Float]
        let input: [Float]

        init?(width: Int, height: Int, channels: Int) {
            var generator = SeededGenerator(seed: UInt64(width * 10 + height))
            let architecture = Architecture(contextSize: 4, synthesisWidth: 4, residualLayers: 1, outputChannels: channels)
            guard let shape = ModelShape(architecture: architecture, width: width, height: height) else { return nil }
            synthesis = Synthesis(shape: shape)
            parameters = (0..<shape.synthesis.layout.totalCount).map { _ in generator.uniform(0.7) }
            input = (0..<(channels * width * height)).map { _ in generator.uniform(2) }
            self.generator = generator
        }
    }

    /// The 3x3 residual layer, vector kernel against the Swift loops, bit for bit, on sizes with
    /// borders, masked tails and one-pixel images.
    @Test(arguments: [(37, 9, 3), (16, 5, 1), (1, 4, 3), (2, 1, 3), (18, 18, 3)])
    func residualKernelMatchesTheSwiftLoops(case: (width: Int, height: Int, channels: Int)) {
        guard let fixture = ResidualFixture(width: `case`.width, height: `case`.height, channels: `case`.channels) else {
            Issue.record("no shape")
            return
        }
        let (synthesis, parameters, input) = (fixture.synthesis, fixture.parameters, fixture.input)
        var loops = [Float](repeating: .nan, count: input.count)
        input.withUnsafeBufferPointer { x in
            loops.withUnsafeMutableBufferPointer { out in
                synthesis.residual(x, into: out, layer: 0, parameters: parameters, parallel: ParallelChunks(threads: 1),
                                   level: .portable)
            }
        }
        for level in Self.vectorLevels {
                var wide = [Float](repeating: .nan, count: input.count)
                input.withUnsafeBufferPointer { x in
                    wide.withUnsafeMutableBufferPointer { out in
                        synthesis.residual(x, into: out, layer: 0, parameters: parameters, parallel: ParallelChunks(threads: 2),
                                           level: level)
                    }
                }
                #expect(wide.map(\.bitPattern) == loops.map(\.bitPattern), "\(level)")
        }
    }

    /// The 3x3 residual layer's backward (training), vector kernels against the Swift loops, bit for
    /// bit: widths on both sides of the 32-sample blocks, 8-sample steps and tails, one-pixel rows and
    /// columns, 1 and 3 channels, 1 and 2 threads, every row or one row in three taken for the
    /// weight gradients.
    @Test(arguments: [(37, 9, 3), (16, 5, 1), (1, 4, 3), (2, 1, 3), (32, 3, 3), (33, 4, 1), (65, 6, 3), (100, 7, 3)],
          [ChunkSampling.all, ChunkSampling(stride: 3, phase: 2)])
    func residualBackwardKernelMatchesTheSwiftLoops(case: (width: Int, height: Int, channels: Int), rows: ChunkSampling) {
        guard var fixture = ResidualFixture(width: `case`.width, height: `case`.height, channels: `case`.channels) else {
            Issue.record("no shape")
            return
        }
        let (synthesis, parameters, input) = (fixture.synthesis, fixture.parameters, fixture.input)
        let grad = (0..<input.count).map { _ in fixture.generator.uniform(1) }
        var loopGradients = [Float](repeating: 0.25, count: parameters.count)
        let loops = synthesis.residualBackward(grad, input: input, layer: 0, parameters: parameters,
                                               parallel: ParallelChunks(threads: 1), gradParameters: &loopGradients,
                                               weightGradients: rows, level: .portable)
        for level in Self.vectorLevels {
            for threads in [1, 2] {
                var wideGradients = [Float](repeating: 0.25, count: parameters.count)
                let wide = synthesis.residualBackward(grad, input: input, layer: 0, parameters: parameters,
                                                      parallel: ParallelChunks(threads: threads),
                                                      gradParameters: &wideGradients, weightGradients: rows, level: level)
                #expect(wide.map(\.bitPattern) == loops.map(\.bitPattern), "\(level)")
                #expect(wideGradients.map(\.bitPattern) == loopGradients.map(\.bitPattern), "\(level), \(threads) threads")
            }
        }
    }

    /// The fused 1x1 synthesis kernel against the MLP plus the linear branch, bit for bit: image
    /// sizes with 1 to 7 latent levels and partial vectors, 1 and 3 outputs, several hidden widths;
    /// a quarter of the features are exactly zero and the biases are large enough that many hidden
    /// units are clipped by the ReLU.
    @Test(arguments: [(130, 70, 48, 3), (37, 23, 48, 3), (768, 2, 16, 1), (9, 5, 5, 3), (1, 1, 1, 1), (3, 17, 40, 1)])
    func pointwiseKernelMatchesTheMLP(case: (width: Int, height: Int, hidden: Int, channels: Int)) {
        var generator = SeededGenerator(seed: UInt64(`case`.width * 100 + `case`.height))
        let architecture = Architecture(contextSize: 4, synthesisWidth: `case`.hidden, residualLayers: 2,
                                        outputChannels: `case`.channels)
        guard let shape = ModelShape(architecture: architecture, width: `case`.width, height: `case`.height) else {
            Issue.record("no shape")
            return
        }
        let synthesis = Synthesis(shape: shape)
        let parameters = (0..<shape.synthesis.layout.totalCount).map { _ in generator.uniform(0.9) }
        let features = (0..<(shape.synthesis.inputs * synthesis.pixelCount)).map { k in
            k % 4 == 1 ? 0 : generator.uniform(3)
        }
        let mlp = synthesis.pointwise(features: features, parameters: parameters, parallel: ParallelChunks(threads: 1),
                                      level: .portable)
        for level in Self.vectorLevels {
            let fused = synthesis.pointwise(features: features, parameters: parameters,
                                            parallel: ParallelChunks(threads: 2), level: level)
            #expect(fused.map(\.bitPattern) == mlp.map(\.bitPattern), "\(level), \(shape.synthesis.inputs) inputs")
        }
    }

    /// A synthesis of `case`'s size, hidden width and channels (two residual layers), with random
    /// parameters, features and output gradients.
    static func backwardFixture(_ case: (width: Int, height: Int, hidden: Int, channels: Int), seed: Int) throws
        -> (synthesis: Synthesis, parameters: [Float], features: [Float], grad: [Float]) {
        var generator = SeededGenerator(seed: UInt64(`case`.width * 100 + `case`.height + seed))
        let architecture = Architecture(contextSize: 4, synthesisWidth: `case`.hidden, residualLayers: 2,
                                        outputChannels: `case`.channels)
        let shape = try #require(ModelShape(architecture: architecture, width: `case`.width, height: `case`.height))
        let synthesis = Synthesis(shape: shape)
        let parameters = (0..<shape.synthesis.layout.totalCount).map { _ in generator.uniform(0.9) }
        let features = (0..<(shape.synthesis.inputs * synthesis.pixelCount)).map { _ in generator.uniform(3) }
        let grad = (0..<(`case`.channels * synthesis.pixelCount)).map { _ in generator.uniform(1) }
        return (synthesis, parameters, features, grad)
    }

    /// The 1x1 part's backward (training; its linear branch runs in a vector kernel) against the
    /// Swift loops, bit for bit: feature and parameter gradients, partial vectors, 1 and 3 outputs.
    @Test(arguments: [(130, 70, 8, 3), (37, 23, 16, 3), (9, 5, 5, 1), (1, 1, 1, 3), (3, 17, 40, 1)])
    func pointwiseBackwardKernelMatchesTheSwiftLoops(case: (width: Int, height: Int, hidden: Int, channels: Int)) throws {
        let (synthesis, parameters, features, grad) = try Self.backwardFixture(`case`, seed: 1)
        var loopGradients = [Float](repeating: 0.5, count: parameters.count)
        let loops = synthesis.pointwiseBackward(grad, features: features, parameters: parameters,
                                                parallel: ParallelChunks(threads: 1), gradParameters: &loopGradients,
                                                level: .portable)
        for level in Self.vectorLevels {
            var wideGradients = [Float](repeating: 0.5, count: parameters.count)
            let wide = synthesis.pointwiseBackward(grad, features: features, parameters: parameters,
                                                   parallel: ParallelChunks(threads: 2), gradParameters: &wideGradients,
                                                   level: level)
            #expect(wide.map(\.bitPattern) == loops.map(\.bitPattern), "\(level)")
            #expect(wideGradients.map(\.bitPattern) == loopGradients.map(\.bitPattern), "\(level)")
        }
    }

    /// The training forward's kept hidden-unit signs spare the backward its recomputation on the
    /// chunks whose weight gradients are not taken, with the same results bit for bit: several
    /// chunks and work items, pixel counts that end in a partial byte of signs, full and sampled
    /// weight gradients. Every vector level keeps the same signs.
    @Test(arguments: [(130, 70, 48, 3), (37, 23, 16, 3), (9, 5, 5, 1), (21, 1, 7, 3)])
    func keptSignsGiveTheRecomputedBackward(case: (width: Int, height: Int, hidden: Int, channels: Int)) throws {
        let (synthesis, parameters, features, grad) = try Self.backwardFixture(`case`, seed: 2)
        let parallel = ParallelChunks(threads: 2)
        let (output, signs) = synthesis.pointwiseKeepingSigns(features: features, parameters: parameters, parallel: parallel)
        let plain = synthesis.pointwise(features: features, parameters: parameters, parallel: parallel)
        #expect(output.map(\.bitPattern) == plain.map(\.bitPattern))
        #expect(signs.isEmpty == (Acceleration.level < .avx2))
        for level in Self.vectorLevels {
            let (levelOutput, levelSigns) = synthesis.pointwiseKeepingSigns(features: features, parameters: parameters,
                                                                            parallel: parallel, level: level)
            #expect(levelOutput.map(\.bitPattern) == plain.map(\.bitPattern), "\(level)")
            #expect(levelSigns == signs, "\(level)")
        }
        for sampling in [ChunkSampling.all, ChunkSampling(stride: 4, phase: 1)] {
            var recomputedGradients = [Float](repeating: 0.5, count: parameters.count)
            let recomputed = synthesis.pointwiseBackward(grad, features: features, parameters: parameters, parallel: parallel,
                                                         gradParameters: &recomputedGradients, weightGradients: sampling)
            var keptGradients = [Float](repeating: 0.5, count: parameters.count)
            let kept = synthesis.pointwiseBackward(grad, features: features, parameters: parameters, parallel: parallel,
                                                   gradParameters: &keptGradients, weightGradients: sampling,
                                                   hiddenSigns: signs)
            #expect(kept.map(\.bitPattern) == recomputed.map(\.bitPattern), "\(sampling)")
            #expect(keptGradients.map(\.bitPattern) == recomputedGradients.map(\.bitPattern), "\(sampling)")
        }
    }

    /// The x2 up-sampling passes, vector kernels against the Swift loops, bit for bit, for widths
    /// with and without interior samples, even and odd targets, and full and partial vectors.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 19, 20, 37])
    func upsamplingKernelsMatchTheSwiftLoops(size: Int) {
        var generator = SeededGenerator(seed: UInt64(size))
        let kernel = (0..<4).map { _ in generator.uniform(1) }
        let plane = (0..<(size * 3)).map { _ in generator.uniform(4) }
        for target in Set([max(1, 2 * size - 1), 2 * size]) {
            let loops = Upsampler.filterRows(plane, width: size, height: 3, targetWidth: target, kernel: kernel, level: .portable)
            // Columns: the plane read as `3 x size` (3 columns, `size` rows), and as `size x 3` for full vectors.
            var loopColumns = [Float](repeating: .nan, count: 3 * target), loopWide = [Float](repeating: .nan, count: size * 6)
            loopColumns.withUnsafeMutableBufferPointer { out in
                Upsampler.filterColumns(plane, width: 3, height: size, targetHeight: target, kernel: kernel,
                                        into: out.baseAddress!, level: .portable)
            }
            loopWide.withUnsafeMutableBufferPointer { out in
                Upsampler.filterColumns(plane, width: size, height: 3, targetHeight: 6, kernel: kernel,
                                        into: out.baseAddress!, level: .portable)
            }
            for level in Self.vectorLevels {
                let wide = Upsampler.filterRows(plane, width: size, height: 3, targetWidth: target, kernel: kernel, level: level)
                #expect(wide.map(\.bitPattern) == loops.map(\.bitPattern), "\(level): rows, width \(size) to \(target)")
                var wideColumns = [Float](repeating: .nan, count: 3 * target), wideWide = [Float](repeating: .nan, count: size * 6)
                wideColumns.withUnsafeMutableBufferPointer { out in
                    Upsampler.filterColumns(plane, width: 3, height: size, targetHeight: target, kernel: kernel,
                                            into: out.baseAddress!, level: level)
                }
                wideWide.withUnsafeMutableBufferPointer { out in
                    Upsampler.filterColumns(plane, width: size, height: 3, targetHeight: 6, kernel: kernel,
                                            into: out.baseAddress!, level: level)
                }
                #expect(wideColumns.map(\.bitPattern) == loopColumns.map(\.bitPattern), "\(level): columns, height \(size) to \(target)")
                #expect(wideWide.map(\.bitPattern) == loopWide.map(\.bitPattern), "\(level): columns, width \(size)")
            }
        }
    }
}
