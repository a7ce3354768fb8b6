/// The networks as the bitstream holds them: five parameter groups (ARM weights, ARM biases,
/// up-sampling weights, synthesis weights, synthesis biases), each a power-of-two step `2^-exponent`
/// and one integer per parameter.
struct QuantizedNetworks: Sendable, Equatable {
    /// The groups, in bitstream order.
    enum Group: Int, CaseIterable, Sendable {
        case armWeights, armBiases, upsamplingWeights, synthesisWeights, synthesisBiases
    }

    /// Largest step exponent (finest step 2^-16); the fixed-point ARM works in Q16.
    static let maximumExponent = 16

    struct Tensor: Sendable, Equatable {
        var exponent: Int
        var values: [Int32]

        /// `values[i] * 2^-exponent`.
        var dequantized: [Float] {
            let step = Float(sign: .plus, exponent: -exponent, significand: 1)
            return values.map { Float($0) * step }
        }

        /// Rounds `parameters` to multiples of `2^-exponent`.
        init(quantizing parameters: ArraySlice<Float>, exponent: Int) {
            self.exponent = exponent
            let scale = Float(sign: .plus, exponent: exponent, significand: 1)
            values = parameters.map { Int32(clamping: Int64(max(min(($0 * scale).rounded(), 1e9), -1e9))) }
        }

        init(exponent: Int, values: [Int32]) {
            self.exponent = exponent
            self.values = values
        }
    }

    /// Indexed by ``Group/rawValue``.
    var groups: [Tensor]

    /// Number of parameters in each group for a model shape.
    static func counts(shape: ModelShape) -> [Int] {
        [shape.arm.layout.weightCount, shape.arm.layout.biasRange.count, shape.upsampler.layout.totalCount,
         shape.synthesis.layout.weightCount, shape.synthesis.layout.biasRange.count]
    }

    /// Quantises float networks with one exponent per group.
    init(networks: NetworkParameters, exponents: [Int], shape: ModelShape) {
        let arm = shape.arm.layout, synthesis = shape.synthesis.layout
        groups = [
            Tensor(quantizing: networks.arm[arm.weightRange], exponent: exponents[0]),
            Tensor(quantizing: networks.arm[arm.biasRange], exponent: exponents[1]),
            Tensor(quantizing: networks.upsampling[...], exponent: exponents[2]),
            Tensor(quantizing: networks.synthesis[synthesis.weightRange], exponent: exponents[3]),
            Tensor(quantizing: networks.synthesis[synthesis.biasRange], exponent: exponents[4]),
        ]
    }

    init(groups: [Tensor]) { self.groups = groups }

    /// The float networks the decoder uses.
    var dequantized: NetworkParameters {
        NetworkParameters(arm: groups[0].dequantized + groups[1].dequantized, upsampling: groups[2].dequantized,
                          synthesis: groups[3].dequantized + groups[4].dequantized)
    }
}
