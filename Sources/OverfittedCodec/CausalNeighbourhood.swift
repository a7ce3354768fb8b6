/// The causal neighbours the ARM reads, and the wavefront order in which a grid is coded.
///
/// Neighbours come from the 9x9 window centred on the current latent, restricted to values already
/// decoded in raster order (rows above, or the same row to the left), taken in a fixed priority
/// order: by Euclidean distance, ties broken by the row above first, then left before right. The
/// first six are left, up, up-left, up-right, two-left and two-up, as in Cool-chic (Leguay et al.,
/// "Low-complexity overfitted neural image codec", 2023). An ARM with context size `c` reads the first
/// `c` entries. Positions outside the grid read as zero.
public enum CausalNeighbourhood {
    /// `(dy, dx)` offsets in priority order; `dy <= 0`, and `dx < 0` when `dy == 0`.
    public static let priorityOrder: [(dy: Int, dx: Int)] = {
        var offsets: [(dy: Int, dx: Int)] = []
        for dy in -4...0 {
            for dx in -4...4 where dy < 0 || dx < 0 {
                offsets.append((dy, dx))
            }
        }
        return offsets.sorted { a, b in
            let da = a.dy * a.dy + a.dx * a.dx
            let db = b.dy * b.dy + b.dx * b.dx
            if da != db { return da < db }
            // Same distance: the same row first (left), then rows further up; left before right.
            if a.dy != b.dy { return a.dy > b.dy }
            return a.dx < b.dx
        }
    }()

    /// Largest `|dy|` or `|dx|` of a neighbour (the 9x9 window).
    public static let reach = 4

    /// The first `count` offsets.
    public static func offsets(count: Int) -> [(dy: Int, dx: Int)] {
        Array(priorityOrder.prefix(count))
    }

    /// The wavefront slope `k` for a context: latent `(y, x)` is coded at step `x + k * y`, and every
    /// neighbour `(y + dy, x + dx)` with `dy < 0` must come at an earlier step, so `k > dx / -dy`.
    public static func wavefrontSlope(contextSize: Int) -> Int {
        var slope = 1
        for offset in offsets(count: contextSize) where offset.dy < 0 {
            // Smallest k with dx < k * (-dy).
            slope = max(slope, offset.dx / -offset.dy + 1)
        }
        return slope
    }
}
