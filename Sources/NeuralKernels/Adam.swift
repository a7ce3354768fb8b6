/// Adam (Kingma & Ba 2015) with bias correction, on flat parameter buffers, optionally with
/// decoupled weight decay (AdamW, Loshchilov & Hutter 2019).
public struct Adam: Sendable, Equatable {
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    /// Decoupled weight decay: each step also does `p -= learningRate * weightDecay * p`.
    public var weightDecay: Float

    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// One update of `count` parameters at 1-based `step`:
    /// `m = beta1 m + (1 - beta1) g`, `v = beta2 v + (1 - beta2) g^2`,
    /// `p = p * (1 - learningRate * weightDecay) - learningRate * (m / (1 - beta1^step)) / (sqrt(v / (1 - beta2^step)) + epsilon)`.
    /// `firstMoment` and `secondMoment` start at zero and persist between steps.
    public func update(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
                       firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>,
                       count: Int, learningRate: Float, step: Int) {
        let t = Float(max(1, step))
        let correction1 = 1 - pow(beta1, t), correction2 = 1 - pow(beta2, t)
        let stepSize = learningRate / correction1, inverseCorrection2 = 1 / correction2
        let beta1 = beta1, beta2 = beta2, epsilon = epsilon, decay = 1 - learningRate * weightDecay
        Parallel.forRanges(count: count, grain: 1 << 15) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                let g = load8(gradients + i)
                let m = load8(firstMoment + i) * beta1 + g * (1 - beta1)
                let v = load8(secondMoment + i) * beta2 + g * g * (1 - beta2)
                store8(m, firstMoment + i)
                store8(v, secondMoment + i)
                let denominator = (v * inverseCorrection2).squareRoot() + epsilon
                store8(load8(parameters + i) * decay - stepSize * m / denominator, parameters + i)
                i += 8
            }
            while i < range.upperBound {
                let g = gradients[i]
                let m = firstMoment[i] * beta1 + g * (1 - beta1)
                let v = secondMoment[i] * beta2 + g * g * (1 - beta2)
                firstMoment[i] = m
                secondMoment[i] = v
                parameters[i] = parameters[i] * decay - stepSize * m / ((v * inverseCorrection2).squareRoot() + epsilon)
                i += 1
            }
        }
    }

    /// Repeated multiplication instead of libm's pow: exact to float rounding, same everywhere.
    private func pow(_ base: Float, _ exponent: Float) -> Float {
        var result: Float = 1, factor = base, n = Int(exponent)
        while n > 0 {
            if n & 1 == 1 { result *= factor }
            factor *= factor
            n >>= 1
        }
        return result
    }
}

/// The two moment buffers of ``Adam`` for one flat parameter vector, plus the step counter.
public struct AdamState: Sendable, Equatable {
    public var firstMoment: [Float]
    public var secondMoment: [Float]
    /// Updates done so far.
    public var step: Int

    public init(count: Int) {
        firstMoment = [Float](repeating: 0, count: count)
        secondMoment = [Float](repeating: 0, count: count)
        step = 0
    }

    /// Applies one ``Adam`` update to `parameters` (same count as the state; extra elements of
    /// the longer array are ignored).
    public mutating func update(_ parameters: inout [Float], gradients: [Float], learningRate: Float,
                                optimizer: Adam = Adam()) {
        update(&parameters, gradients: gradients, ranges: [0..<parameters.count], learningRate: learningRate,
               optimizer: optimizer)
    }

    /// Applies one ``Adam`` update (one step) to the entries of `parameters` in `ranges` only; the
    /// others and their moments are left alone. Ranges are clipped to the shortest of the parameters,
    /// the gradients and the state.
    public mutating func update(_ parameters: inout [Float], gradients: [Float], ranges: [Range<Int>],
                                learningRate: Float, optimizer: Adam = Adam()) {
        step += 1
        let valid = 0..<min(parameters.count, gradients.count, firstMoment.count)
        let step = step
        parameters.withUnsafeMutableBufferPointer { p in
            gradients.withUnsafeBufferPointer { g in
                firstMoment.withUnsafeMutableBufferPointer { m in
                    secondMoment.withUnsafeMutableBufferPointer { v in
                        guard let p = p.baseAddress, let g = g.baseAddress, let m = m.baseAddress,
                              let v = v.baseAddress else { return }
                        for range in ranges.map({ $0.clamped(to: valid) }) where !range.isEmpty {
                            let i = range.lowerBound
                            optimizer.update(parameters: p + i, gradients: g + i, firstMoment: m + i, secondMoment: v + i,
                                             count: range.count, learningRate: learningRate, step: step)
                        }
                    }
                }
            }
        }
    }
}

/// Gradient clipping by global norm (Pascanu et al. 2013): if the Euclidean norm of all `gradients`
/// together exceeds `maxNorm`, every element is scaled by `maxNorm / norm`. Returns the norm before
/// clipping. The sum runs in a fixed order (one thread), so the result is reproducible.
public enum GradientClipping {
    @discardableResult
    public static func clipGlobalNorm(_ gradients: inout [[Float]], maxNorm: Float) -> Float {
        var sumOfSquares: Double = 0
        for block in gradients {
            for g in block { sumOfSquares += Double(g * g) }
        }
        let norm = Float(sumOfSquares.squareRoot())
        guard norm > maxNorm, norm.isFinite, maxNorm > 0 else { return norm }
        let factor = maxNorm / norm
        for b in gradients.indices {
            gradients[b].withUnsafeMutableBufferPointer { block in
                for i in block.indices { block[i] *= factor }
            }
        }
        return norm
    }
}
