/// SOAP (Vyas et al. 2024, "SOAP: Improving and Stabilizing Shampoo using Adam"): Adam run in the
/// eigenbasis of Shampoo's two-sided gradient covariances, for weight matrices. Cool-chic 5.0 trains
/// its networks with it.
///
/// For a weight matrix `W` (`m x n`) with gradient `G`, it keeps `L = EMA(G G^T)` and `R = EMA(G^T G)`
/// and their eigenvector bases `Q_L`, `Q_R`. A step rotates the gradient into that basis
/// (`G' = Q_L^T G Q_R`), keeps Adam's second moment of `G'`, divides the rotated first moment by it
/// and rotates the result back. The bases are found by a full eigendecomposition from the first
/// gradient and then refreshed every `preconditionFrequency` steps by one step of subspace iteration
/// (`Q <- orth(L Q)`), reordering the second moment to follow the eigenvalue order, as in the paper.
/// Unlike the paper's reference code, the first step already updates the parameters.
public struct SOAP: Sendable, Equatable {
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    /// Decoupled weight decay: after the update, `W -= learningRate * weightDecay * W`.
    public var weightDecay: Float

    public init(beta1: Float = 0.95, beta2: Float = 0.95, epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// The Adam that SOAP reduces to for vectors (biases), with the same settings.
    public var adam: Adam { Adam(beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay) }
}

/// The state of ``SOAP`` for one `rows x columns` weight matrix (row-major).
public struct SOAPState: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// Updates done so far.
    public private(set) var step = 0
    private var firstMoment: [Double]
    /// Second moment of the rotated gradient.
    private var secondMoment: [Double]
    private var left: [Double]
    private var right: [Double]
    private var leftBasis: [Double]
    private var rightBasis: [Double]

    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        firstMoment = [Double](repeating: 0, count: rows * columns)
        secondMoment = firstMoment
        left = [Double](repeating: 0, count: rows * rows)
        right = [Double](repeating: 0, count: columns * columns)
        leftBasis = SymmetricEigen.identity(rows)
        rightBasis = SymmetricEigen.identity(columns)
    }

    /// One update of the `rows x columns` matrix at `parameters` with `gradients`; the bases are
    /// refreshed after every `preconditionFrequency`-th step.
    public mutating func update(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
                                learningRate: Float, preconditionFrequency: Int, optimizer: SOAP) {
        let m = rows, n = columns
        let g = (0..<(m * n)).map { Double(gradients[$0]) }
        if step == 0 {
            accumulateCovariances(g, beta: Double(optimizer.beta2))
            leftBasis = SymmetricEigen.eigenvectors(left, n: m)
            rightBasis = SymmetricEigen.eigenvectors(right, n: n)
        }
        step += 1
        let beta1 = Double(optimizer.beta1), beta2 = Double(optimizer.beta2)
        let rotated = project(g)
        for i in 0..<(m * n) {
            firstMoment[i] = beta1 * firstMoment[i] + (1 - beta1) * g[i]
            secondMoment[i] = beta2 * secondMoment[i] + (1 - beta2) * rotated[i] * rotated[i]
        }
        var direction = project(firstMoment)
        for i in 0..<(m * n) { direction[i] /= secondMoment[i].squareRoot() + Double(optimizer.epsilon) }
        direction = projectBack(direction)
        let t = Double(step)
        let stepSize = Double(learningRate) * (1 - Self.power(beta2, t)).squareRoot() / (1 - Self.power(beta1, t))
        let decay = 1 - Double(learningRate) * Double(optimizer.weightDecay)
        for i in 0..<(m * n) {
            parameters[i] = Float((Double(parameters[i]) - stepSize * direction[i]) * decay)
        }
        if step > 1 { accumulateCovariances(g, beta: beta2) }
        if step % max(1, preconditionFrequency) == 0 { refreshBases() }
    }

    /// `L = beta L + (1 - beta) G G^T`, `R = beta R + (1 - beta) G^T G`.
    private mutating func accumulateCovariances(_ g: [Double], beta: Double) {
        let outer = Self.product(g, g, rows: rows, inner: columns, columns: rows, transposeB: true)
        let inner = Self.product(g, g, rows: columns, inner: rows, columns: columns, transposeA: true)
        for i in left.indices { left[i] = beta * left[i] + (1 - beta) * outer[i] }
        for i in right.indices { right[i] = beta * right[i] + (1 - beta) * inner[i] }
    }

    /// `Q_L^T X Q_R`.
    private func project(_ x: [Double]) -> [Double] {
        let rotatedRows = Self.product(leftBasis, x, rows: rows, inner: rows, columns: columns, transposeA: true)
        return Self.product(rotatedRows, rightBasis, rows: rows, inner: columns, columns: columns)
    }

    /// `Q_L X Q_R^T`.
    private func projectBack(_ x: [Double]) -> [Double] {
        let rotatedRows = Self.product(leftBasis, x, rows: rows, inner: rows, columns: columns)
        return Self.product(rotatedRows, rightBasis, rows: rows, inner: columns, columns: columns, transposeB: true)
    }

    /// `op(A) op(B)` for row-major matrices (`op` transposes where asked): `op(A)` is `rows x inner`,
    /// `op(B)` is `inner x columns`; each entry is summed over the inner index in order.
    private static func product(_ a: [Double], _ b: [Double], rows: Int, inner: Int, columns: Int,
                                transposeA: Bool = false, transposeB: Bool = false) -> [Double] {
        var out = [Double](repeating: 0, count: rows * columns)
        for i in 0..<rows {
            for j in 0..<columns {
                var sum = 0.0
                for k in 0..<inner {
                    sum += (transposeA ? a[k * rows + i] : a[i * inner + k]) * (transposeB ? b[j * inner + k] : b[k * columns + j])
                }
                out[i * columns + j] = sum
            }
        }
        return out
    }

    /// Reorders each basis by its estimated eigenvalues (`diag(Q^T P Q)`, largest first), the second
    /// moment's rows or columns with it, then does one subspace-iteration step `Q <- orth(P Q)`.
    private mutating func refreshBases() {
        let leftOrder = Self.eigenvalueOrder(basis: leftBasis, covariance: left, n: rows)
        let rightOrder = Self.eigenvalueOrder(basis: rightBasis, covariance: right, n: columns)
        let previous = secondMoment
        for i in 0..<rows {
            for j in 0..<columns { secondMoment[i * columns + j] = previous[leftOrder[i] * columns + rightOrder[j]] }
        }
        leftBasis = Self.iterated(basis: SymmetricEigen.permutingColumns(leftBasis, n: rows, order: leftOrder),
                                  covariance: left, n: rows)
        rightBasis = Self.iterated(basis: SymmetricEigen.permutingColumns(rightBasis, n: columns, order: rightOrder),
                                   covariance: right, n: columns)
    }

    private static func eigenvalueOrder(basis q: [Double], covariance p: [Double], n: Int) -> [Int] {
        let estimates = (0..<n).map { k in
            var sum = 0.0
            for i in 0..<n {
                var row = 0.0
                for j in 0..<n { row += p[i * n + j] * q[j * n + k] }
                sum += q[i * n + k] * row
            }
            return sum
        }
        return (0..<n).sorted { estimates[$0] > estimates[$1] || (estimates[$0] == estimates[$1] && $0 < $1) }
    }

    private static func iterated(basis q: [Double], covariance p: [Double], n: Int) -> [Double] {
        SymmetricEigen.orthonormalColumns(product(p, q, rows: n, inner: n, columns: n), n: n, fallback: q)
    }

    /// `base^exponent` by repeated squaring (no libm).
    private static func power(_ base: Double, _ exponent: Double) -> Double {
        var result = 1.0, factor = base, k = Int(exponent)
        while k > 0 {
            if k & 1 == 1 { result *= factor }
            factor *= factor
            k >>= 1
        }
        return result
    }
}
