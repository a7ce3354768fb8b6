@testable import OverfittedCodec

extension FixedPointARM {
    /// Means and log-scales of the `count` latents at `(x + k * stepX, y + k * stepY)` of a
    /// `width x height` grid, through the batched path on a zero-bordered copy of the grid (the
    /// layout the decoder gives it), for comparing with the one-latent definition.
    func batchParameters(grid: [Int32], width: Int, height: Int, x: Int, y: Int, stepX: Int, stepY: Int, count: Int,
                         batch: Batch) -> (means: [Int32], logScales: [Int32]) {
        let border = CausalNeighbourhood.reach
        let paddedWidth = width + 2 * border
        var cells = [Int32](repeating: 0, count: paddedWidth * (height + border))
        for row in 0..<height {
            for column in 0..<width { cells[(row + border) * paddedWidth + column + border] = grid[row * width + column] }
        }
        let neighbourOffsets = offsets.map { Int32($0.dy * paddedWidth + $0.dx) }
        var means = [Int32](repeating: 0, count: count), logScales = means
        cells.withUnsafeBufferPointer { c in
            means.withUnsafeMutableBufferPointer { m in
                logScales.withUnsafeMutableBufferPointer { s in
                    parameters(cells: c.baseAddress! + ((y + border) * paddedWidth + x + border), neighbourOffsets: neighbourOffsets,
                               stride: stepY * paddedWidth + stepX, count: count, means: m.baseAddress!, logScales: s.baseAddress!,
                               batch: batch)
                }
            }
        }
        return (means, logScales)
    }
}
