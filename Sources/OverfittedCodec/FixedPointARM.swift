/// The ARM in integer arithmetic, used by the decoder and by the encoder when it writes the latents,
/// so both sides compute the same Laplace parameters on every machine (Cool-chic does the same with
/// int64 fixed point; Leguay et al. 2023).
///
/// Activations and weights are Int64 in Q16 (`value * 2^16`); a layer computes
/// `roundShift(sum_i w_i * a_i, 16) + bias` and ReLU; residual additions are exact. The outputs leave
/// as Q8 (`roundShift(o, 8)`): the mean, and the log-scale clamped to the training range. Arithmetic
/// wraps on overflow (only a corrupt or hostile file could get there): never a trap, same result on
/// every platform.
struct FixedPointARM: Sendable {
    let context: Int
    private let w1, w2, wOut, wLinear, b1, b2, bOut: [Int64]
    let offsets: [(dy: Int, dx: Int)]

    /// Log-scale bounds in Q8 (``ARMOutput.logScaleRange`` times 256).
    static let logScaleRangeQ8: ClosedRange<Int32> =
        Int32(ARMOutput.logScaleRange.lowerBound * 256)...Int32(ARMOutput.logScaleRange.upperBound * 256)
    /// Activation bound: keeps sums far from Int64 overflow for any sane network.
    private static let activationBound: Int64 = 1 << 40

    init(networks: QuantizedNetworks, layout: ARMLayout) {
        context = layout.context
        offsets = CausalNeighbourhood.offsets(count: layout.context)
        let weights = networks.groups[QuantizedNetworks.Group.armWeights.rawValue]
        let biases = networks.groups[QuantizedNetworks.Group.armBiases.rawValue]
        let weightShift = Int64(QuantizedNetworks.maximumExponent - weights.exponent)
        let biasShift = Int64(QuantizedNetworks.maximumExponent - biases.exponent)
        let w = weights.values.map { Int64($0) << weightShift }
        let b = biases.values.map { Int64($0) << biasShift }
        // Offsets of each tensor inside its group (the layout's ranges, relative to the group start).
        let biasStart = layout.layout.weightCount
        func slice(_ values: [Int64], _ range: Range<Int>, start: Int) -> [Int64] {
            Array(values[(range.lowerBound - start)..<(range.upperBound - start)])
        }
        w1 = slice(w, layout.w1, start: 0)
        w2 = slice(w, layout.w2, start: 0)
        wOut = slice(w, layout.wOut, start: 0)
        wLinear = slice(w, layout.wLinear, start: 0)
        b1 = slice(b, layout.b1, start: biasStart)
        b2 = slice(b, layout.b2, start: biasStart)
        bOut = slice(b, layout.bOut, start: biasStart)
    }

    @inline(__always)
    private static func roundShift(_ value: Int64, _ shift: Int64) -> Int64 {
        (value &+ (1 << (shift - 1))) >> shift
    }

    @inline(__always)
    private static func bounded(_ value: Int64) -> Int64 {
        min(max(value, -activationBound), activationBound)
    }

    /// Mean and log-scale (Q8) of the latent at `(x, y)` of a `width x height` grid whose decoded
    /// values are in `grid` (row-major; only causal positions are read).
    func parameters(grid: UnsafeBufferPointer<Int32>, width: Int, height: Int, x: Int, y: Int,
                    scratch: UnsafeMutablePointer<Int64>) -> (mean: Int32, logScale: Int32) {
        let c = context
        let input = scratch, h1 = scratch + c, h2 = scratch + 2 * c
        for k in 0..<c {
            let yy = y + offsets[k].dy, xx = x + offsets[k].dx
            let inside = yy >= 0 && xx >= 0 && xx < width && yy < height
            input[k] = inside ? Int64(grid[yy * width + xx]) << 16 : 0
        }
        layer(weights: w1, bias: b1, input: input, output: h1)
        layer(weights: w2, bias: b2, input: h1, output: h2)
        var outputs: (Int64, Int64) = (0, 0)
        for j in 0..<2 {
            var sum: Int64 = 0
            for i in 0..<c {
                sum = sum &+ wOut[j * c + i] &* h2[i]
                sum = sum &+ wLinear[j * c + i] &* input[i]
            }
            let value = Self.roundShift(sum, 16) &+ bOut[j]
            if j == 0 { outputs.0 = value } else { outputs.1 = value }
        }
        let mean = Int32(clamping: Self.roundShift(Self.bounded(outputs.0), 8))
        let range = Self.logScaleRangeQ8
        let logScale = min(max(Int32(clamping: Self.roundShift(Self.bounded(outputs.1), 8)), range.lowerBound), range.upperBound)
        return (min(max(mean, -(1 << 20)), 1 << 20), logScale)
    }

    /// `output = input + relu(roundShift(W input, 16) + b)`.
    @inline(__always)
    private func layer(weights: [Int64], bias: [Int64], input: UnsafeMutablePointer<Int64>, output: UnsafeMutablePointer<Int64>) {
        let c = context
        for o in 0..<c {
            var sum: Int64 = 0
            for i in 0..<c { sum = sum &+ weights[o * c + i] &* input[i] }
            let z = Self.roundShift(sum, 16) &+ bias[o]
            output[o] = Self.bounded(input[o] &+ max(z, 0))
        }
    }
}
