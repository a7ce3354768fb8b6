/// Least-squares cubic polynomial through (x, y), as `numpy.polyfit(x, y, 3)`: fitted on x centred and
/// scaled to unit spread (the same polynomial, better conditioned), by the normal equations.
struct CubicFit {
    private let centre: Double
    private let scale: Double
    /// Coefficients of 1, u, u^2, u^3 with u = (x - centre) / scale.
    private let coefficients: [Double]

    /// Needs at least 4 distinct x values.
    init(x: [Double], y: [Double]) {
        let mean = x.reduce(0, +) / Double(x.count)
        let spread = (x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.count)).squareRoot()
        centre = mean
        scale = spread > 0 ? spread : 1
        var normal = [[Double]](repeating: [Double](repeating: 0, count: 5), count: 4)
        for (xi, yi) in zip(x, y) {
            let u = (xi - centre) / scale
            let powers = [1, u, u * u, u * u * u]
            for row in 0..<4 {
                for column in 0..<4 { normal[row][column] += powers[row] * powers[column] }
                normal[row][4] += powers[row] * yi
            }
        }
        coefficients = Self.solve(normal)
    }

    /// Exact integral of the polynomial over [low, high].
    func integral(from low: Double, to high: Double) -> Double {
        func antiderivative(_ x: Double) -> Double {
            let u = (x - centre) / scale
            return scale * (coefficients[0] * u + coefficients[1] * u * u / 2
                + coefficients[2] * u * u * u / 3 + coefficients[3] * u * u * u * u / 4)
        }
        return antiderivative(high) - antiderivative(low)
    }

    /// Gaussian elimination with partial pivoting on an augmented 4x5 system.
    private static func solve(_ system: [[Double]]) -> [Double] {
        var m = system
        let n = m.count
        for column in 0..<n {
            let pivot = (column..<n).max { abs(m[$0][column]) < abs(m[$1][column]) } ?? column
            m.swapAt(column, pivot)
            guard m[column][column] != 0 else { continue }
            for row in (column + 1)..<n {
                let factor = m[row][column] / m[column][column]
                for k in column...n { m[row][k] -= factor * m[column][k] }
            }
        }
        var solution = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var value = m[row][n]
            for k in (row + 1)..<n { value -= m[row][k] * solution[k] }
            solution[row] = m[row][row] != 0 ? value / m[row][row] : 0
        }
        return solution
    }
}
