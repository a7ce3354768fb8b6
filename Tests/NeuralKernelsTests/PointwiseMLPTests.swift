import Testing
import NeuralKernels

@Suite struct PointwiseMLPTests {
    let mlp = try! PointwiseMLP(layers: [
        .init(inFeatures: 5, outFeatures: 5, relu: true, residual: true),
        .init(inFeatures: 5, outFeatures: 9, relu: true),
        .init(inFeatures: 9, outFeatures: 9, relu: false, residual: true),
        .init(inFeatures: 9, outFeatures: 2),
    ])

    /// The documented layer formulas in Double.
    func reference(_ parameters: [Float], _ input: [Float], count: Int) -> [Float] {
        referenceDouble(parameters, input, count: count).map { Float($0) }
    }

    /// The loss sum_k output_k * g_k, kept in Double so finite differences are not lost in rounding.
    func referenceLoss(_ parameters: [Float], _ input: [Float], count: Int, _ g: [Float]) -> Double {
        zip(referenceDouble(parameters, input, count: count), g).reduce(0) { $0 + $1.0 * Double($1.1) }
    }

    func referenceDouble(_ parameters: [Float], _ input: [Float], count: Int) -> [Double] {
        var h = input.map(Double.init)
        for (layer, offsets) in zip(mlp.layers, mlp.parameterOffsets) {
            var next = [Double](repeating: 0, count: layer.outFeatures * count)
            for o in 0..<layer.outFeatures {
                for p in 0..<count {
                    var z = Double(parameters[offsets.biases + o])
                    for i in 0..<layer.inFeatures {
                        z += Double(parameters[offsets.weights + o * layer.inFeatures + i]) * h[i * count + p]
                    }
                    let s = layer.residual ? h[o * count + p] + z : z
                    next[o * count + p] = layer.relu ? max(0, s) : s
                }
            }
            h = next
        }
        return h
    }

    @Test func forwardMatchesReference() {
        var random = TestRandom(seed: 110)
        let count = 700
        let parameters = random.array(mlp.parameterCount, scale: 0.5), input = random.array(5 * count)
        var output = [Float](repeating: 0, count: 2 * count)
        mlp.forward(parameters: parameters, input: input, count: count, output: &output)
        #expect(maxRelativeError(output, reference(parameters, input, count: count)) < 1e-5)
    }

    @Test func backwardMatchesFiniteDifferences() {
        var random = TestRandom(seed: 111)
        let count = 64
        let parameters = random.array(mlp.parameterCount, scale: 0.5), input = random.array(5 * count)
        let g = random.array(2 * count)
        var gp = [Float](repeating: 0, count: parameters.count), gx = [Float](repeating: 0, count: input.count)
        mlp.backward(parameters: parameters, input: input, count: count, gradOutput: g, gradInput: &gx, gradParameters: &gp)
        // A power-of-two step is exact in Float; small enough that no ReLU changes side, where the
        // loss is linear in each value.
        let np = numericGradient(parameters, step: 1.0 / 16384) { referenceLoss($0, input, count: count, g) }
        let nx = numericGradient(input, step: 1.0 / 16384) { referenceLoss(parameters, $0, count: count, g) }
        #expect(maxRelativeError(gp, np) < 1e-3)
        #expect(maxRelativeError(gx, nx) < 1e-3)
    }

    @Test func fusedTrainingMatchesSeparatePassesAndThreadCounts() {
        var random = TestRandom(seed: 112)
        let count = 9000
        let parameters = random.array(mlp.parameterCount, scale: 0.5), input = random.array(5 * count)
        let target = random.array(2 * count)
        func run() -> (Double, [Float], [Float]) {
            var gp = [Float](repeating: 0, count: parameters.count), gx = [Float](repeating: 0, count: input.count)
            let loss = mlp.train(parameters: parameters, input: input, count: count, gradParameters: &gp,
                                 gradInput: &gx) { range, outputs, gradients in
                var sum = 0.0
                for o in 0..<2 {
                    for j in 0..<range.count {
                        let d = outputs[o * 256 + j] - target[o * count + range.lowerBound + j]
                        sum += Double(d * d)
                        gradients[o * 256 + j] = 2 * d
                    }
                }
                return sum
            }
            return (loss, gp, gx)
        }
        let (loss, gp, gx) = run()
        var output = [Float](repeating: 0, count: 2 * count)
        mlp.forward(parameters: parameters, input: input, count: count, output: &output)
        let expectedLoss = zip(output, target).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
        #expect(abs(loss - expectedLoss) < 1e-6 * expectedLoss)
        var gp2 = [Float](repeating: 0, count: parameters.count), gx2 = [Float](repeating: 0, count: input.count)
        let g = zip(output, target).map { 2 * ($0 - $1) }
        mlp.backward(parameters: parameters, input: input, count: count, gradOutput: g, gradInput: &gx2, gradParameters: &gp2)
        #expect(gp == gp2 && gx == gx2)
        Parallel.setMaxThreads(1)
        let single = run()
        Parallel.setMaxThreads(0)
        #expect(single.1 == gp && single.2 == gx && single.0 == loss)
    }

    /// A sampled weight gradient is the stride times the sum over the chunks it takes: the same as
    /// the full gradient of a loss whose output gradients are zero on the other chunks, doubled
    /// (exact in Float); the input gradient and the loss are those of every chunk.
    @Test(arguments: [(2, 1, [1, 3, 5]), (3, 0, [0, 3]), (1, 0, [0, 1, 2, 3, 4, 5]), (4, -1, [1, 5])])
    func sampledWeightGradientsTakeOneChunkInStride(sampling: (Int, Int, [Int])) {
        var random = TestRandom(seed: 113)
        let count = 5 * PointwiseMLP.chunk + 77
        let parameters = random.array(mlp.parameterCount, scale: 0.5), input = random.array(5 * count)
        let target = random.array(2 * count)
        let chunks = ChunkSampling(stride: sampling.0, phase: sampling.1)
        func run(_ weightGradients: ChunkSampling, zeroOutside: Bool) -> (Double, [Float], [Float]) {
            var gp = [Float](repeating: 0, count: parameters.count), gx = [Float](repeating: 0, count: input.count)
            let loss = mlp.train(parameters: parameters, input: input, count: count, gradParameters: &gp, gradInput: &gx,
                                 weightGradients: weightGradients) { range, outputs, gradients in
                let taken = !zeroOutside || chunks.includes(chunk: range.lowerBound / PointwiseMLP.chunk)
                var sum = 0.0
                for o in 0..<2 {
                    for j in 0..<range.count {
                        let d = outputs[o * 256 + j] - target[o * count + range.lowerBound + j]
                        sum += Double(d * d)
                        gradients[o * 256 + j] = taken ? 2 * d : 0
                    }
                }
                return sum
            }
            return (loss, gp, gx)
        }
        let sampled = run(chunks, zeroOutside: false)
        let full = run(.all, zeroOutside: false)
        let masked = run(.all, zeroOutside: true)
        #expect(sampled.0 == full.0)
        #expect(sampled.2 == full.2)
        #expect(chunks.stride != 2 || sampled.1 == masked.1.map { 2 * $0 })
        #expect(chunks.stride != 1 || sampled.1 == full.1)
        #expect(chunks.stride == 1 || sampled.1 != full.1)
        #expect((0..<6).filter { chunks.includes(chunk: $0) } == sampling.2)
    }

    @Test func invalidChainsThrow() {
        #expect(throws: KernelError.self) { try PointwiseMLP(layers: []) }
        #expect(throws: KernelError.self) { try PointwiseMLP(layers: [.init(inFeatures: 3, outFeatures: 4, residual: true)]) }
        #expect(throws: KernelError.self) {
            try PointwiseMLP(layers: [.init(inFeatures: 3, outFeatures: 4), .init(inFeatures: 5, outFeatures: 1)])
        }
    }
}
