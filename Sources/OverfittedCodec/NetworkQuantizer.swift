/// Chooses the quantisation step of each parameter group by rate-distortion search (Cool-chic's
/// approach, Leguay et al. 2023): for each group in turn, every power-of-two step in the group's
/// range is tried with the other groups fixed, and the one minimising
/// `MSE + lambda * (latent bits + parameter bits) / pixels` is kept. Latent bits come from the
/// float ARM with the quantised ARM parameters.
struct NetworkQuantizer {
    let evaluator: ModelEvaluator

    /// Step exponents tried per group (step `2^-e`), in ``QuantizedNetworks/Group`` order.
    static let candidateExponents: [ClosedRange<Int>] = [4...12, 4...14, 4...12, 4...12, 4...14]
    /// Where the search starts: fine steps everywhere.
    static let startExponents = [10, 12, 10, 10, 12]

    /// The quantised networks with the best steps, and their cost terms.
    func quantize(_ networks: NetworkParameters, latents: [Float]) -> QuantizedNetworks {
        let shape = evaluator.shape
        var exponents = Self.startExponents
        var terms = CostTerms()
        // Synthesis and up-sampling first (distortion), then the ARM (rate).
        for group in [3, 4, 2, 0, 1] {
            var best: (exponent: Int, cost: Double)? = nil
            for exponent in Self.candidateExponents[group] {
                var trial = exponents
                trial[group] = exponent
                let cost = self.cost(QuantizedNetworks(networks: networks, exponents: trial, shape: shape), latents: latents,
                                     terms: &terms)
                if cost < (best?.cost ?? .infinity) { best = (exponent, cost) }
            }
            exponents[group] = best?.exponent ?? exponents[group]
        }
        return QuantizedNetworks(networks: networks, exponents: exponents, shape: shape)
    }

    /// The rate and the distortion of the dequantised networks tried so far: a trial that changes
    /// only the synthesis or up-sampling steps has the ARM (so the rate) of an earlier one, and one
    /// that changes only the ARM steps has its reconstruction, so each is computed once.
    struct CostTerms {
        var bits: [[Float]: Double] = [:]
        var errors: [[Float]: Double] = [:]
    }

    /// `MSE + lambda * (latent bits + parameter bits) / pixels`.
    func cost(_ quantized: QuantizedNetworks, latents: [Float], terms: inout CostTerms) -> Double {
        let parameterBits = quantized.groups.reduce(0) { $0 + ExpGolombLength.bestOrder($1.values).bits }
        let networks = quantized.dequantized
        let bits = terms.bits[networks.arm] ?? evaluator.rateBits(latents: latents, arm: networks.arm)
        let reconstructionKey = networks.upsampling + networks.synthesis
        let error = terms.errors[reconstructionKey] ?? evaluator.reconstructionError(latents: latents, networks: networks)
        terms.bits[networks.arm] = bits
        terms.errors[reconstructionKey] = error
        let evaluation = evaluator.summary(mse: error, bits: bits)
        return evaluation.loss + Double(evaluator.lambda) * Double(parameterBits) / Double(evaluator.pixelCount)
    }
}
