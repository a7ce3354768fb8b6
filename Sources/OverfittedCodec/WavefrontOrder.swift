/// The order in which the latents of one grid are coded: latent `(y, x)` belongs to step
/// `x + slope * y` (see ``CausalNeighbourhood/wavefrontSlope(contextSize:)``); steps go in
/// increasing order and, inside a step, rows go top to bottom.
///
/// Every causal neighbour of a latent is coded at an earlier step, so the ARM can evaluate all the
/// latents of one step at once (on several threads) before the entropy decoder reads them in order.
struct WavefrontOrder {
    /// Raster indices (`y * width + x`) in coding order.
    let indices: [Int32]
    /// `indices[stepStarts[s] ..< stepStarts[s + 1]]` are the latents of step `s`.
    let stepStarts: [Int]

    init(width: Int, height: Int, slope: Int) {
        var indices: [Int32] = []
        indices.reserveCapacity(width * height)
        var starts: [Int] = []
        let lastStep = (width - 1) + slope * (height - 1)
        for step in 0...lastStep {
            starts.append(indices.count)
            for y in Self.rows(ofStep: step, width: width, height: height, slope: slope) {
                indices.append(Int32(y * width + step - slope * y))
            }
        }
        starts.append(indices.count)
        self.indices = indices
        self.stepStarts = starts
    }

    var stepCount: Int { stepStarts.count - 1 }

    /// The rows `y` of step `step`: those whose `x = step - slope * y` lies in `0 ..< width` (empty
    /// for a step past the grid).
    static func rows(ofStep step: Int, width: Int, height: Int, slope: Int) -> Range<Int> {
        let firstRow = max(0, (step - (width - 1) + slope - 1) / slope)
        let lastRow = min(height - 1, step / slope)
        return firstRow..<max(firstRow, lastRow + 1)
    }
}
