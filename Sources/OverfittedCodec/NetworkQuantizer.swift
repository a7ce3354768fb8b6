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
        // Synthesis and up-sampling first (distortion), then the ARM (rate).
        for group in [3, 4, 2, 0, 1] {
            var best: (exponent: Int, cost: Double)? = nil
            for exponent in Self.candidateExponents[group] {
                var trial = exponents
                trial[group] = exponent
                let cost = self.cost(QuantizedNetworks(networks: networks, exponents: trial, shape: shape), latents: latents)
                if cost < (best?.cost ?? .infinity) { best = (exponent, cost) }
            }
            exponents[group] = best?.exponent ?? exponents[group]
        }
        return QuantizedNetworks(networks: networks, exponents: exponents, shape: shape)
    }

    /// `MSE + lambda * (latent bits + parameter bits) / pixels`.
    func cost(_ quantized: QuantizedNetworks, latents: [Float]) -> Double {
        let parameterBits = quantized.groups.reduce(0) { $0 + ExpGolombLength.bestOrder($1.values).bits }
        let evaluation = evaluator.evaluate(latents: latents, networks: quantized.dequantized)
        return evaluation.loss + Double(evaluator.lambda) * Double(parameterBits) / Double(evaluator.pixelCount)
    }
}
