import Foundation

/// Adam (Kingma & Ba, 2015) over one flat parameter vector.
struct AdamOptimizer {
    private var m: [Float]
    private var v: [Float]
    private var step = 0
    let beta1: Float = 0.9
    let beta2: Float = 0.999
    let epsilon: Float = 1e-8

    init(count: Int) {
        m = [Float](repeating: 0, count: count)
        v = m
    }

    /// One update of `parameters` along `gradient` with learning rate `rate`.
    mutating func update(_ parameters: inout [Float], gradient: [Float], rate: Float) {
        step += 1
        let correction1 = 1 - Foundation.pow(beta1, Float(step))
        let correction2 = 1 - Foundation.pow(beta2, Float(step))
        let stepSize = rate / correction1
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        for i in 0..<parameters.count {
            let g = gradient[i]
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            parameters[i] -= stepSize * m[i] / ((v[i] / correction2).squareRoot() + eps)
        }
    }
}
