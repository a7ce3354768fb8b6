import NeuralKernels

/// The optimiser state of one flat network vector (ARM, up-sampler or synthesis): ``SOAP`` for each
/// of its weight matrices, Adam with the same betas and weight decay for the rest (biases, the
/// up-sampling kernels), as Cool-chic 5.0 trains its networks.
struct NetworkOptimizerState {
    private let matrices: [WeightMatrix]
    private var matrixStates: [SOAPState]
    /// Entries outside the matrices, updated by Adam.
    private let vectorRanges: [Range<Int>]
    private var vectors: AdamState

    init(count: Int, matrices: [WeightMatrix]) {
        self.matrices = matrices
        matrixStates = matrices.map { SOAPState(rows: $0.rows, columns: $0.columns) }
        var covered = [Bool](repeating: false, count: count)
        for matrix in matrices { for i in matrix.range { covered[i] = true } }
        var ranges: [Range<Int>] = []
        var start: Int?
        for i in 0...count {
            let free = i < count && !covered[i]
            if free, start == nil { start = i }
            if !free, let first = start {
                ranges.append(first..<i)
                start = nil
            }
        }
        vectorRanges = ranges
        vectors = AdamState(count: count)
    }

    /// One update of `parameters` with `gradients` (same count as the state); the SOAP bases are
    /// refreshed every `preconditionFrequency` steps.
    mutating func update(_ parameters: inout [Float], gradients: [Float], learningRate: Float,
                         preconditionFrequency: Int, optimizer: SOAP) {
        vectors.update(&parameters, gradients: gradients, ranges: vectorRanges, learningRate: learningRate,
                       optimizer: optimizer.adam)
        parameters.withUnsafeMutableBufferPointer { p in
            gradients.withUnsafeBufferPointer { g in
                guard let p = p.baseAddress, let g = g.baseAddress else { return }
                for index in matrices.indices {
                    let start = matrices[index].range.lowerBound
                    matrixStates[index].update(parameters: p + start, gradients: g + start, learningRate: learningRate,
                                               preconditionFrequency: preconditionFrequency, optimizer: optimizer)
                }
            }
        }
    }
}
