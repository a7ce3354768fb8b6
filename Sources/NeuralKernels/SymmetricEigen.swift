/// Small dense symmetric-matrix routines for preconditioners (``SOAP``): eigenvectors by the cyclic
/// Jacobi method and orthonormalisation by modified Gram-Schmidt, in Float64 on row-major `n x n`
/// buffers. Meant for `n` up to a few hundred; every loop runs in a fixed order, so results are the
/// same on every run.
public enum SymmetricEigen {
    /// Eigenvectors of the symmetric `n x n` matrix `a` as the columns of an orthonormal matrix
    /// (row-major), ordered by decreasing eigenvalue. Cyclic Jacobi rotations (Golub & Van Loan,
    /// "Matrix Computations", section 8.5) until the off-diagonal part is negligible.
    public static func eigenvectors(_ a: [Double], n: Int) -> [Double] {
        var m = a
        var v = identity(n)
        let scale = m.reduce(0) { $0 + $1 * $1 }
        for _ in 0..<60 {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<max(p + 1, n) { off += m[p * n + q] * m[p * n + q] } }
            if off <= 1e-26 * scale || off == 0 { break }
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) { rotate(&m, &v, n: n, p: p, q: q) }
            }
        }
        let order = (0..<n).sorted { m[$0 * n + $0] > m[$1 * n + $1] || (m[$0 * n + $0] == m[$1 * n + $1] && $0 < $1) }
        return permutingColumns(v, n: n, order: order)
    }

    /// The `n x n` row-major matrix `q` with column `order[j]` moved to column `j`.
    public static func permutingColumns(_ q: [Double], n: Int, order: [Int]) -> [Double] {
        var out = q
        for (column, source) in order.enumerated() {
            for row in 0..<n { out[row * n + column] = q[row * n + source] }
        }
        return out
    }

    /// One Jacobi rotation zeroing `m[p][q]` (and `m[q][p]`), accumulated into the columns of `v`.
    private static func rotate(_ m: inout [Double], _ v: inout [Double], n: Int, p: Int, q: Int) {
        let apq = m[p * n + q]
        guard apq != 0 else { return }
        let theta = (m[q * n + q] - m[p * n + p]) / (2 * apq)
        let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
        let c = 1 / (t * t + 1).squareRoot(), s = t * c
        for k in 0..<n {  // columns p and q
            let mkp = m[k * n + p], mkq = m[k * n + q]
            m[k * n + p] = c * mkp - s * mkq
            m[k * n + q] = s * mkp + c * mkq
        }
        for k in 0..<n {  // rows p and q
            let mpk = m[p * n + k], mqk = m[q * n + k]
            m[p * n + k] = c * mpk - s * mqk
            m[q * n + k] = s * mpk + c * mqk
        }
        for k in 0..<n {
            let vkp = v[k * n + p], vkq = v[k * n + q]
            v[k * n + p] = c * vkp - s * vkq
            v[k * n + q] = s * vkp + c * vkq
        }
    }

    /// The columns of `a` (`n x n`, row-major) made orthonormal in order by modified Gram-Schmidt, as
    /// the Q of a QR decomposition. A column that is (nearly) a combination of the earlier ones is
    /// replaced by column `j` of `fallback` (then by unit vectors), orthonormalised the same way, so
    /// the result is always an orthonormal basis even when `a` is rank-deficient.
    public static func orthonormalColumns(_ a: [Double], n: Int, fallback: [Double]) -> [Double] {
        var q = [Double](repeating: 0, count: n * n)
        let scale = a.reduce(0) { max($0, abs($1)) }
        func candidate(_ index: Int, column j: Int) -> [Double] {
            switch index {
            case 0: (0..<n).map { a[$0 * n + j] }
            case 1: (0..<n).map { fallback[$0 * n + j] }
            default: (0..<n).map { $0 == index - 2 ? 1.0 : 0.0 }
            }
        }
        for j in 0..<n {
            for index in 0..<(n + 2) {
                var column = candidate(index, column: j)
                for k in 0..<j {
                    var dot = 0.0
                    for i in 0..<n { dot += q[i * n + k] * column[i] }
                    for i in 0..<n { column[i] -= dot * q[i * n + k] }
                }
                let norm = column.reduce(0) { $0 + $1 * $1 }.squareRoot()
                let reference = index == 0 ? scale : 1
                if norm > 1e-9 * reference && norm > 0 {
                    for i in 0..<n { q[i * n + j] = column[i] / norm }
                    break
                }
            }
        }
        return q
    }

    /// The `n x n` identity, row-major.
    public static func identity(_ n: Int) -> [Double] {
        var m = [Double](repeating: 0, count: n * n)
        for i in 0..<n { m[i * n + i] = 1 }
        return m
    }
}
