/// Generalized divisive normalization (Ballé, Laparra & Simoncelli 2016) and its inverse, over
/// planar `channels x count` buffers.
///
/// With `s_i = beta_i + sum_j gamma[i, j] x_j^2` at each position: GDN gives `y_i = x_i / sqrt(s_i)`,
/// inverse GDN gives `y_i = x_i * sqrt(s_i)`. `gamma` is row-major `channels x channels`; the caller
/// keeps `beta > 0` and `gamma >= 0` (e.g. by reparametrisation) so `s_i > 0`.
public struct GDN: Sendable, Equatable {
    public let channels: Int
    /// True for the inverse (multiplying) form.
    public let inverse: Bool

    public init(channels: Int, inverse: Bool = false) {
        self.channels = max(0, channels)
        self.inverse = inverse
    }

    /// Forward pass; `output` must not alias `input`.
    public func forward(input: UnsafePointer<Float>, count: Int, beta: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                        output: UnsafeMutablePointer<Float>) {
        withNorms(input: input, count: count, beta: beta, gamma: gamma) { norms in
            let total = channels * count, inverse = inverse
            Parallel.forRanges(count: total, grain: 1 << 15) { range in
                for k in range {
                    let root = norms[k].squareRoot()
                    output[k] = inverse ? input[k] * root : input[k] / root
                }
            }
        }
    }

    /// Backward pass: `gradInput` is overwritten; `gradBeta` and `gradGamma` are ADDED to.
    public func backward(input: UnsafePointer<Float>, count: Int, beta: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>,
                         gradBeta: UnsafeMutablePointer<Float>, gradGamma: UnsafeMutablePointer<Float>) {
        let total = channels * count
        var squares = [Float](repeating: 0, count: total), normGrad = [Float](repeating: 0, count: total)
        var squareGrad = [Float](repeating: 0, count: total)
        withNorms(input: input, count: count, beta: beta, gamma: gamma) { norms in
            // dL/ds_i = g_i x_i (e / 2) s_i^(e/2 - 1), e = +1 (inverse) or -1.
            let inverse = inverse
            normGrad.withUnsafeMutableBufferPointer { q in
                squares.withUnsafeMutableBufferPointer { sq in
                    squareGrad.withUnsafeMutableBufferPointer { gsq in
                        guard let q = q.baseAddress, let sq = sq.baseAddress, let gsq = gsq.baseAddress else { return }
                        for k in 0..<total {
                            let s = norms[k], root = s.squareRoot(), x = input[k]
                            sq[k] = x * x
                            q[k] = inverse ? gradOutput[k] * x * 0.5 / root : -gradOutput[k] * x * 0.5 / (s * root)
                            gradInput[k] = inverse ? gradOutput[k] * root : gradOutput[k] / root
                        }
                        // s = gamma x^2 + beta is a linear layer on the squares.
                        Linear.backward(input: sq, inFeatures: channels, count: count, weight: gamma, outFeatures: channels,
                                        gradOutput: q, gradInput: gsq, gradWeight: gradGamma, gradBias: gradBeta)
                        for k in 0..<total { gradInput[k] += 2 * input[k] * gsq[k] }
                    }
                }
            }
        }
    }

    /// Runs `body` with `s = beta + gamma x^2` for every channel and position.
    private func withNorms(input: UnsafePointer<Float>, count: Int, beta: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                           _ body: (UnsafePointer<Float>) -> Void) {
        guard channels > 0, count > 0 else { return }
        let total = channels * count
        var squares = [Float](repeating: 0, count: total), norms = [Float](repeating: 0, count: total)
        squares.withUnsafeMutableBufferPointer { sq in
            norms.withUnsafeMutableBufferPointer { s in
                guard let sq = sq.baseAddress, let s = s.baseAddress else { return }
                for k in 0..<total { sq[k] = input[k] * input[k] }
                Linear.forward(input: sq, inFeatures: channels, count: count, weight: gamma, bias: beta,
                               outFeatures: channels, output: s)
                body(s)
            }
        }
    }
}
