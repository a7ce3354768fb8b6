import Foundation

/// A differentiable estimate of the bits ``NetworkCoding`` spends on the networks, so that training
/// can weigh them against the latents' bits and the error (the networks' bits are part of every
/// file, a third of it at lambda 2e-2).
///
/// A unit's `n` values `θ` are coded under a zero-mean Laplace on integer multiples of its step `Δ`.
/// With the Laplace's maximum-likelihood scale `b = mean |θ|` and `Δ` small against `b`, that costs
/// about the differential entropy of the fit less `log2 Δ` per value:
/// `bits = n / ln 2 + n log2(2 b / Δ)`. Its gradient, `sign(θ_i) / (b ln 2)`, does not depend on the
/// step, which the encoder chooses only after training (``NetworkQuantizer``).
struct NetworkRateEstimate: Sendable {
    let units: [QuantizedNetworks.Unit]

    init(shape: ModelShape) { units = QuantizedNetworks.units(shape: shape) }

    /// The estimated bits of one unit's values at step `step`; 0 for a unit of zeros.
    static func bits(of values: ArraySlice<Float>, step: Float) -> Double {
        let n = Double(values.count)
        let scale = values.reduce(0.0) { $0 + Double(abs($1)) } / max(1, n)
        guard scale > 0 else { return 0 }
        return n / M_LN2 + n * Foundation.log2(2 * scale / Double(step))
    }

    /// Adds `bitWeight` times the gradient of every unit's estimated bits w.r.t. `networks` to
    /// `gradients` (the same layout).
    func addGradient(of networks: NetworkParameters, bitWeight: Float, to gradients: inout NetworkParameters) {
        for unit in units {
            let values = networks[unit.network]
            let scale = unit.range.reduce(Float(0)) { $0 + abs(values[$1]) } / Float(max(1, unit.range.count))
            guard scale > 0 else { continue }
            let magnitude = bitWeight / (scale * Float(M_LN2))
            var gradient = gradients[unit.network]
            for i in unit.range where values[i] != 0 { gradient[i] += values[i] > 0 ? magnitude : -magnitude }
            gradients[unit.network] = gradient
        }
    }
}
