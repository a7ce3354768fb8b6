import Testing
import NeuralKernels

@Suite struct SOAPTests {
    /// `Q^T A Q` for row-major `n x n` matrices.
    private func rotated(_ a: [Double], by q: [Double], n: Int) -> [Double] {
        var out = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                var sum = 0.0
                for k in 0..<n { for l in 0..<n { sum += q[k * n + i] * a[k * n + l] * q[l * n + j] } }
                out[i * n + j] = sum
            }
        }
        return out
    }

    @Test func jacobiEigenvectorsOfATwoByTwo() {
        // [[2, 1], [1, 2]]: eigenvalue 3 along (1, 1) / sqrt 2, eigenvalue 1 along (1, -1) / sqrt 2.
        let q = SymmetricEigen.eigenvectors([2, 1, 1, 2], n: 2)
        let half = 0.5.squareRoot()
        #expect(abs(abs(q[0]) - half) < 1e-12 && abs(q[0] - q[2]) < 1e-12)
        #expect(abs(abs(q[1]) - half) < 1e-12 && abs(q[1] + q[3]) < 1e-12)
    }

    @Test func jacobiDiagonalisesInDecreasingOrder() {
        let n = 6
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0...i { a[i * n + j] = Double((i * 7 + j * 3) % 11) - 5; a[j * n + i] = a[i * n + j] } }
        let q = SymmetricEigen.eigenvectors(a, n: n)
        let d = rotated(a, by: q, n: n)
        let identity = rotated(SymmetricEigen.identity(n), by: q, n: n)
        for i in 0..<n {
            for j in 0..<n where i != j {
                #expect(abs(d[i * n + j]) < 1e-9)
                #expect(abs(identity[i * n + j]) < 1e-12)
            }
            #expect(abs(identity[i * n + i] - 1) < 1e-12)
            if i > 0 { #expect(d[(i - 1) * n + i - 1] >= d[i * n + i]) }
        }
        // The trace is kept.
        let trace = (0..<n).reduce(0.0) { $0 + a[$1 * n + $1] }, rotatedTrace = (0..<n).reduce(0.0) { $0 + d[$1 * n + $1] }
        #expect(abs(trace - rotatedTrace) < 1e-9)
    }

    @Test func gramSchmidtCompletesARankDeficientBasis() {
        // Rank 1: the first column keeps its direction, the others are completed orthonormally.
        let a: [Double] = [1, 2, 3, 1, 2, 3, 0, 0, 0]
        let q = SymmetricEigen.orthonormalColumns(a, n: 3, fallback: SymmetricEigen.identity(3))
        #expect(abs(q[0] - 0.5.squareRoot()) < 1e-12 && abs(q[3] - 0.5.squareRoot()) < 1e-12 && q[6] == 0)
        let gram = rotated(SymmetricEigen.identity(3), by: q, n: 3)
        for i in 0..<3 { for j in 0..<3 { #expect(abs(gram[i * 3 + j] - (i == j ? 1 : 0)) < 1e-12) } }
    }

    @Test func firstStepMovesAlongTheGradientsPolarFactor() {
        // With the bases from the first gradient, Adam's first bias-corrected step in the rotated space is
        // the sign of each singular value, so W moves by -lr * U V^T. For G = [[1, 2], [2, 1]]
        // (singular values 3 and 1, eigenvalue -1 on (1, -1)) that factor is [[0, 1], [1, 0]].
        var state = SOAPState(rows: 2, columns: 2)
        var parameters: [Float] = [1, 1, 1, 1]
        let gradients: [Float] = [1, 2, 2, 1]
        parameters.withUnsafeMutableBufferPointer { p in
            gradients.withUnsafeBufferPointer { g in
                state.update(parameters: p.baseAddress!, gradients: g.baseAddress!, learningRate: 0.1,
                             preconditionFrequency: 10, optimizer: SOAP())
            }
        }
        let expected: [Float] = [1, 0.9, 0.9, 1]
        for i in 0..<4 { #expect(abs(parameters[i] - expected[i]) < 1e-6) }
        #expect(state.step == 1)
    }

    @Test func soapFitsALinearMap() {
        // Least squares W X = Y for a 3 x 4 W, ill-conditioned inputs; SOAP with basis refreshes.
        let rows = 3, columns = 4, samples = 8
        let x: [Float] = (0..<(columns * samples)).map { i in Float((i * 5) % 7 - 3) * (i % columns == 0 ? 4 : 0.5) }
        let truth: [Float] = (0..<(rows * columns)).map { Float(($0 * 3) % 5) - 2 }
        func product(_ w: [Float]) -> [Float] {
            (0..<(rows * samples)).map { index in
                let r = index / samples, s = index % samples
                return (0..<columns).reduce(0) { $0 + w[r * columns + $1] * x[$1 * samples + s] }
            }
        }
        let y = product(truth)
        func loss(_ w: [Float]) -> Float { zip(product(w), y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
        var w = [Float](repeating: 0, count: rows * columns)
        let initialLoss = loss(w)
        var state = SOAPState(rows: rows, columns: columns)
        for step in 0..<600 {
            let residual = zip(product(w), y).map { $0 - $1 }
            let gradients: [Float] = (0..<(rows * columns)).map { index in
                let r = index / columns, c = index % columns
                return (0..<samples).reduce(0) { $0 + 2 * residual[r * samples + $1] * x[c * samples + $1] }
            }
            let rate = Float(0.05) * (1 - Float(step) / 600) + 1e-4
            w.withUnsafeMutableBufferPointer { p in
                gradients.withUnsafeBufferPointer { g in
                    state.update(parameters: p.baseAddress!, gradients: g.baseAddress!, learningRate: rate,
                                 preconditionFrequency: 5, optimizer: SOAP(beta1: 0.9, beta2: 0.95))
                }
            }
        }
        #expect(loss(w) < 1e-4 * initialLoss)
    }
}
