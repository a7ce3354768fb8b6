/// Where each tensor of a network lives in its flat parameter vector. Weights come first, then
/// biases, so a module splits into one weight range and one bias range for quantisation.
struct NetworkLayout: Sendable, Equatable {
    /// Named ranges, in storage order.
    let tensors: [Range<Int>]
    /// `0 ..< weightCount` holds the weights, the rest the biases.
    let weightCount: Int
    let totalCount: Int

    init(weightSizes: [Int], biasSizes: [Int]) {
        var ranges: [Range<Int>] = []
        var offset = 0
        for size in weightSizes + biasSizes {
            ranges.append(offset..<(offset + size))
            offset += size
        }
        tensors = ranges
        weightCount = weightSizes.reduce(0, +)
        totalCount = offset
    }

    var weightRange: Range<Int> { 0..<weightCount }
    var biasRange: Range<Int> { weightCount..<totalCount }
}

/// The ARM: `w1 (c x c), w2 (c x c), wOut (2 x c), wLinear (2 x c) | b1 (c), b2 (c), bOut (2)`.
struct ARMLayout: Sendable {
    let context: Int
    let layout: NetworkLayout

    init(context c: Int) {
        context = c
        layout = NetworkLayout(weightSizes: [c * c, c * c, 2 * c, 2 * c], biasSizes: [c, c, 2])
    }

    var w1: Range<Int> { layout.tensors[0] }
    var w2: Range<Int> { layout.tensors[1] }
    var wOut: Range<Int> { layout.tensors[2] }
    var wLinear: Range<Int> { layout.tensors[3] }
    var b1: Range<Int> { layout.tensors[4] }
    var b2: Range<Int> { layout.tensors[5] }
    var bOut: Range<Int> { layout.tensors[6] }

    /// The MLP part as NeuralKernels' `PointwiseMLP` sees it (layer by layer, weights then bias);
    /// the linear branch `wLinear` is applied separately.
    var mlpOrder: [Range<Int>] { [w1, b1, w2, b2, wOut, bOut] }

    /// The weight matrices (output rows x input columns), for the optimiser.
    var matrices: [WeightMatrix] {
        [WeightMatrix(range: w1, rows: context), WeightMatrix(range: w2, rows: context),
         WeightMatrix(range: wOut, rows: 2), WeightMatrix(range: wLinear, rows: 2)]
    }
}

/// A weight tensor seen as a row-major matrix of `rows` rows (a 3x3 convolution's input channels and
/// taps make up its columns).
struct WeightMatrix: Sendable, Equatable {
    let range: Range<Int>
    let rows: Int
    var columns: Int { range.count / rows }
}

/// The synthesis: `a (n x levels), b (k x n), residual r (k x k x 3 x 3) ..., linear branch s (k x levels)
/// | a bias (n), b bias (k), residual r bias (k) ...`.
struct SynthesisLayout: Sendable {
    let inputs: Int
    let width: Int
    let outputs: Int
    let residualLayers: Int
    let layout: NetworkLayout

    init(inputs: Int, width: Int, outputs: Int, residualLayers: Int) {
        self.inputs = inputs
        self.width = width
        self.outputs = outputs
        self.residualLayers = residualLayers
        let conv = outputs * outputs * 9
        layout = NetworkLayout(
            weightSizes: [width * inputs, outputs * width] + Array(repeating: conv, count: residualLayers) + [outputs * inputs],
            biasSizes: [width, outputs] + Array(repeating: outputs, count: residualLayers))
    }

    var a: Range<Int> { layout.tensors[0] }
    var b: Range<Int> { layout.tensors[1] }
    func residualWeights(_ layer: Int) -> Range<Int> { layout.tensors[2 + layer] }
    /// The linear branch from the latent planes straight to the outputs, added to the 1x1 part.
    var linear: Range<Int> { layout.tensors[2 + residualLayers] }
    var aBias: Range<Int> { layout.tensors[3 + residualLayers] }
    var bBias: Range<Int> { layout.tensors[4 + residualLayers] }
    func residualBias(_ layer: Int) -> Range<Int> { layout.tensors[5 + residualLayers + layer] }

    /// The 1x1 part as NeuralKernels' `PointwiseMLP` sees it (layer by layer, weights then bias).
    var pointwiseMLPOrder: [Range<Int>] { [a, aBias, b, bBias] }

    /// The weight matrices (output rows x input columns), for the optimiser.
    var matrices: [WeightMatrix] {
        [WeightMatrix(range: a, rows: width), WeightMatrix(range: b, rows: outputs)]
            + (0..<residualLayers).map { WeightMatrix(range: residualWeights($0), rows: outputs) }
            + [WeightMatrix(range: linear, rows: outputs)]
    }
}

extension Array where Element == Float {
    /// The elements of `ranges`, concatenated (to hand a network to `PointwiseMLP`).
    func gathered(_ ranges: [Range<Int>]) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(ranges.reduce(0) { $0 + $1.count })
        for range in ranges { out.append(contentsOf: self[range]) }
        return out
    }

    /// Adds the concatenated `values` back into `ranges` of this array (inverse of ``gathered(_:)``).
    mutating func scatterAdd(_ values: [Float], _ ranges: [Range<Int>]) {
        var position = 0
        for range in ranges {
            for i in range { self[i] += values[position]; position += 1 }
        }
    }
}

/// The up-sampler: per x2 step (coarse to fine) 4 kernel values, then, with the pre-concatenation
/// filter, 4 values per filtered grid (coarse to fine: ``PreConcatenationFilter``); all weights.
struct UpsamplerLayout: Sendable {
    let steps: Int
    let layout: NetworkLayout

    init(levels: Int, preFilter: Bool) {
        steps = max(0, levels - 1)
        layout = NetworkLayout(weightSizes: [4 * steps] + (preFilter ? [PreConcatenationFilter.valuesPerGrid * steps] : []),
                               biasSizes: [])
    }

    /// The up-sampling kernels' values.
    var kernels: Range<Int> { layout.tensors[0] }
    /// The pre-concatenation filter's values (empty without it).
    var preFilter: Range<Int> { layout.tensors.count > 1 ? layout.tensors[1] : layout.totalCount..<layout.totalCount }

    /// Bicubic (Keys, a = -0.75) values at distances 0.25, 0.75, 1.25, 1.75 from the output position.
    static let bicubic: [Float] = [0.87890625, 0.26171875, -0.10546875, -0.03515625]
}
