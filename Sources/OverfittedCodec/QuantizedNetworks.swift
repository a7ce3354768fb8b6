/// The networks as the bitstream holds them: a list of parameter units (``units(shape:)``), each a
/// power-of-two step `2^-exponent` and one integer per parameter.
struct QuantizedNetworks: Sendable, Equatable {
    /// Which network of ``NetworkParameters`` a unit belongs to.
    enum Network: Sendable, Equatable {
        case arm, interGrid, upsampling, synthesis

        /// Whether the network decides the latents' rate rather than the reconstruction.
        var shapesRate: Bool { self == .arm || self == .interGrid }
    }

    /// Parameters that share one quantisation step: a range of one network's parameter vector.
    struct Unit: Sendable, Equatable {
        var network: Network
        var range: Range<Int>
        /// What `ncodec info` calls it.
        var name: String
    }

    /// Largest step exponent (finest step 2^-16); the fixed-point ARM works in Q16.
    static let maximumExponent = 16

    struct Tensor: Sendable, Hashable {
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

    /// Where each tensor's integers go, in bitstream order.
    let units: [Unit]
    /// One per unit.
    var tensors: [Tensor]

    /// The units of a model, in bitstream order: each ARM weight matrix (`W1, W2, Wout, Wlinear`),
    /// the ARM's biases, the inter-grid features' weights and biases (when the model has them), the
    /// up-sampling kernels, the pre-concatenation filters (when the model has them), each synthesis weight tensor (`A, B`, the residual
    /// kernels, `S`), the synthesis's biases. One step per weight tensor lets each find its own
    /// precision (Cool-chic quantises per module too); the biases, a few dozen values, share one.
    static func units(shape: ModelShape) -> [Unit] {
        let synthesis = shape.synthesis
        let residual = (0..<synthesis.residualLayers).map { Unit(network: .synthesis, range: synthesis.residualWeights($0), name: "synthesis 3x3 \($0 + 1)") }
        let interGrid = shape.interGrid
        let interGridUnits = interGrid.parameterCount == 0 ? [] : [
            Unit(network: .interGrid, range: 0..<interGrid.weightCount, name: "ARM inter-grid W"),
            Unit(network: .interGrid, range: interGrid.weightCount..<interGrid.parameterCount, name: "ARM inter-grid biases"),
        ]
        return units(arm: shape.arm) + interGridUnits
            + [Unit(network: .upsampling, range: shape.upsampler.kernels, name: "up-sampling")]
            + (shape.upsampler.preFilter.isEmpty ? [] : [Unit(network: .upsampling, range: shape.upsampler.preFilter, name: "pre-filter")])
            + [Unit(network: .synthesis, range: synthesis.a, name: "synthesis A"),
               Unit(network: .synthesis, range: synthesis.b, name: "synthesis B")]
            + residual
            + [Unit(network: .synthesis, range: synthesis.linear, name: "synthesis S"),
               Unit(network: .synthesis, range: synthesis.layout.biasRange, name: "synthesis biases")]
    }

    /// The ARM's units: its four weight matrices, then its biases.
    static func units(arm: ARMLayout) -> [Unit] {
        [(arm.w1, "ARM W1"), (arm.w2, "ARM W2"), (arm.wOut, "ARM Wout"), (arm.wLinear, "ARM Wlinear"),
         (arm.layout.biasRange, "ARM biases")].map { Unit(network: .arm, range: $0.0, name: $0.1) }
    }

    /// Quantises float networks with one exponent per unit.
    init(networks: NetworkParameters, exponents: [Int], units: [Unit]) {
        self.units = units
        tensors = zip(units, exponents).map { unit, exponent in
            Tensor(quantizing: networks[unit.network][unit.range], exponent: exponent)
        }
    }

    init(units: [Unit], tensors: [Tensor]) {
        self.units = units
        self.tensors = tensors
    }

    /// The float networks the decoder uses.
    var dequantized: NetworkParameters {
        var networks = NetworkParameters(arm: [], upsampling: [], synthesis: [])
        // A network's units follow each other in the order of its parameter vector, without gaps.
        for (unit, tensor) in zip(units, tensors) { networks[unit.network] += tensor.dequantized }
        return networks
    }

    /// The ARM's parameters as integers on two steps: the weights on the finest step of the weight
    /// units, the biases on the bias unit's. These are the exact values, as the fixed-point ARM
    /// needs them; indexed like `layout`'s weight and bias ranges.
    func armIntegers(layout: ARMLayout) -> (weights: [Int64], weightExponent: Int, biases: [Int64], biasExponent: Int) {
        let arm = zip(units, tensors).filter { $0.0.network == .arm }
        let weightCount = layout.layout.weightCount
        let weightUnits = arm.filter { $0.0.range.upperBound <= weightCount }
        let biasUnit = arm.first { $0.0.range.lowerBound >= weightCount }
        let weightExponent = weightUnits.map(\.1.exponent).max() ?? 0
        var weights = [Int64](repeating: 0, count: weightCount)
        for (unit, tensor) in weightUnits {
            let shift = Int64(weightExponent - tensor.exponent)
            for (offset, value) in tensor.values.enumerated() { weights[unit.range.lowerBound + offset] = Int64(value) << shift }
        }
        return (weights, weightExponent, biasUnit?.1.values.map(Int64.init) ?? [], biasUnit?.1.exponent ?? 0)
    }
}

extension QuantizedNetworks {
    /// The inter-grid features' weights and biases as integers with their steps' exponents (empty
    /// without them), as ``InterGridContext/integerFeatures(latents:weights:weightExponent:biases:biasExponent:)`` takes them.
    func interGridIntegers() -> (weights: [Int64], weightExponent: Int, biases: [Int64], biasExponent: Int) {
        let units = zip(self.units, tensors).filter { $0.0.network == .interGrid }
        guard units.count == 2 else { return ([], 0, [], 0) }
        return (units[0].1.values.map(Int64.init), units[0].1.exponent, units[1].1.values.map(Int64.init), units[1].1.exponent)
    }
}

extension NetworkParameters {
    /// One network's parameter vector.
    subscript(network: QuantizedNetworks.Network) -> [Float] {
        get {
            switch network {
            case .arm: arm
            case .interGrid: interGrid
            case .upsampling: upsampling
            case .synthesis: synthesis
            }
        }
        set {
            switch network {
            case .arm: arm = newValue
            case .interGrid: interGrid = newValue
            case .upsampling: upsampling = newValue
            case .synthesis: synthesis = newValue
            }
        }
    }
}
