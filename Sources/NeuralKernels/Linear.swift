/// A fully connected layer applied independently to `count` positions (equivalently a 1x1
/// convolution over planes), multi-core.
///
/// Layout (feature-major / planar): feature `i` of position `p` is at `input[i * count + p]`, and
/// output feature `o` of position `p` at `output[o * count + p]`. The weight matrix is row-major
/// `outFeatures x inFeatures`: `weight[o * inFeatures + i]`.
///
/// `output[o, p] = bias[o] + sum_i weight[o, i] * input[i, p]`, summed in increasing `i` with a
/// fused multiply-add per term, so results are bit-identical on every platform, kernel level and
/// thread count.
public enum Linear {
    /// Positions per parallel chunk (fixed, so reductions do not depend on the thread count).
    static let chunk = 4096

    /// Forward pass. `output` must not alias `input`.
    /// - Parameters:
    ///   - accumulate: add the result to `output` instead of overwriting it (residual connections).
    ///   - relu: apply max(0, .) to the product plus bias, before it is added to `output`: with
    ///     both flags, `output = output + relu(W x + b)`.
    public static func forward(input: UnsafePointer<Float>, inFeatures: Int, count: Int,
                               weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               outFeatures: Int, output: UnsafeMutablePointer<Float>,
                               accumulate: Bool = false, relu: Bool = false) {
        guard count > 0, outFeatures > 0 else { return }
        let gemm = PlanarGEMM(rows: outFeatures, depth: inFeatures) { weight[$0 * inFeatures + $1] }
        product(gemm, input: input, count: count, output: output, bias: bias,
                accumulate: accumulate, relu: relu)
    }

    /// Backward pass.
    /// - Parameters:
    ///   - gradOutput: dL/doutput, `outFeatures x count`.
    ///   - gradInput: if not nil, receives dL/dinput (`inFeatures x count`); overwritten, or
    ///     added to when `accumulateInput` is true.
    ///   - gradWeight: dL/dweight is ADDED here (`outFeatures x inFeatures`).
    ///   - gradBias: if not nil, dL/dbias is ADDED here.
    public static func backward(input: UnsafePointer<Float>, inFeatures: Int, count: Int,
                                weight: UnsafePointer<Float>, outFeatures: Int,
                                gradOutput: UnsafePointer<Float>,
                                gradInput: UnsafeMutablePointer<Float>?, accumulateInput: Bool = false,
                                gradWeight: UnsafeMutablePointer<Float>,
                                gradBias: UnsafeMutablePointer<Float>?) {
        guard count > 0, outFeatures > 0 else { return }
        if let gradInput, inFeatures > 0 {
            let transposed = PlanarGEMM(rows: inFeatures, depth: outFeatures) { weight[$1 * inFeatures + $0] }
            product(transposed, input: gradOutput, count: count, output: gradInput, bias: nil,
                    accumulate: accumulateInput, relu: false)
        }
        PlaneCorrelation.accumulate(left: gradOutput, leftPlanes: outFeatures, right: input,
                                    rightPlanes: inFeatures, count: count, chunk: chunk,
                                    into: gradWeight, leftSums: gradBias)
    }

    /// Multiplies every position by the packed matrix, in parallel over chunks of positions.
    static func product(_ gemm: PlanarGEMM, input: UnsafePointer<Float>, count: Int,
                        output: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?,
                        accumulate: Bool, relu: Bool) {
        let offsets = (0..<max(1, gemm.depth)).map { $0 * count }
        offsets.withUnsafeBufferPointer { offsetBuffer in
            guard let offsetBase = offsetBuffer.baseAddress else { return }
            Parallel.forRanges(count: count, grain: chunk) { range in
                gemm.runAllRows(offsets: offsetBase, b: input, columnStride: 1, c: output, ldc: count, bias: bias,
                                columns: range, accumulate: accumulate, relu: relu)
            }
        }
    }
}
