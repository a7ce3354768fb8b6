/// Chooses the quantisation step of each parameter unit (``QuantizedNetworks/units(shape:)``) by
/// rate-distortion search (Cool-chic's approach, Leguay et al. 2023): for each unit in turn, every
/// power-of-two step in ``candidateExponents`` is tried with the other units fixed, and the one
/// minimising `MSE + lambda * (latent bits + parameter bits) / pixels` is kept. Latent bits come
/// from the float ARM with the quantised ARM parameters; parameter bits are those of
/// ``NetworkCoding``.
struct NetworkQuantizer {
    let evaluator: ModelEvaluator

    /// Step exponents tried for every unit (step `2^-e`).
    static let candidateExponents = 3...14
    /// Where the search starts: fine steps everywhere, so that each unit is first judged with the
    /// others nearly exact.
    static let startExponent = 12

    /// The quantised networks with the best steps, each unit in turn over every candidate. On 16
    /// trained Kodak models, starting at 2^-12 rather than near the usual result (2^-7 for the ARM,
    /// 2^-10 for the rest) lowered the loss by 0.05%; a second pass over each unit's neighbouring
    /// steps (the units of one network interact) by only 0.02% more, not worth its time.
    func quantize(_ networks: NetworkParameters, latents: [Float]) -> QuantizedNetworks {
        let units = QuantizedNetworks.units(shape: evaluator.shape)
        var exponents = [Int](repeating: Self.startExponent, count: units.count)
        var terms = CostTerms()
        // Synthesis and up-sampling first (distortion), then the ARM and its inter-grid features (rate).
        let order = units.indices.filter { !units[$0].network.shapesRate } + units.indices.filter { units[$0].network.shapesRate }
        for unit in order {
            exponents[unit] = bestExponent(of: unit, exponents: exponents, units: units, networks: networks, latents: latents,
                                           terms: &terms)
        }
        return QuantizedNetworks(networks: networks, exponents: exponents, units: units)
    }

    /// The candidate exponent of `unit` with the lowest cost, the other units' as in `exponents`.
    private func bestExponent(of unit: Int, exponents: [Int], units: [QuantizedNetworks.Unit],
                              networks: NetworkParameters, latents: [Float], terms: inout CostTerms) -> Int {
        var best = (exponent: exponents[unit], cost: Double.infinity)
        for exponent in Self.candidateExponents {
            var trial = exponents
            trial[unit] = exponent
            let cost = self.cost(QuantizedNetworks(networks: networks, exponents: trial, units: units), latents: latents, terms: &terms)
            if cost < best.cost { best = (exponent, cost) }
        }
        return best.exponent
    }

    /// The terms of the trials so far: a trial that changes only a synthesis or up-sampling step
    /// has the ARM (so the rate) of an earlier one, one that changes only an ARM step has its
    /// reconstruction, and a unit's bits depend only on its own step, so each is computed once.
    struct CostTerms {
        var bits: [[Float]: Double] = [:]
        var errors: [[Float]: Double] = [:]
        var parameterBits: [QuantizedNetworks.Tensor: Double] = [:]
    }

    /// `MSE + lambda * (latent bits + parameter bits) / pixels`.
    func cost(_ quantized: QuantizedNetworks, latents: [Float], terms: inout CostTerms) -> Double {
        var parameterBits = 0.0
        for tensor in quantized.tensors {
            let bits = terms.parameterBits[tensor] ?? NetworkCoding.bestScale(tensor.values).bits
            terms.parameterBits[tensor] = bits
            parameterBits += bits
        }
        let networks = quantized.dequantized
        let rateKey = networks.arm + networks.interGrid
        let bits = terms.bits[rateKey] ?? evaluator.rateBits(latents: latents, networks: networks)
        let reconstructionKey = networks.upsampling + networks.synthesis
        let error = terms.errors[reconstructionKey] ?? evaluator.reconstructionError(latents: latents, networks: networks)
        terms.bits[rateKey] = bits
        terms.errors[reconstructionKey] = error
        let evaluation = evaluator.summary(mse: error, bits: bits)
        return evaluation.loss + Double(evaluator.lambda) * parameterBits / Double(evaluator.pixelCount)
    }
}
