import EntropyCoding
import NeuralKernels

/// Writes and reads the latent stream: one range-coded stream for all grids, coarsest grid first,
/// each grid in ``WavefrontOrder``; every latent coded with the entropy layer's quantized Laplace
/// (16-bit tables) under the mean and log-scale the ``FixedPointARM`` computes from its already
/// coded neighbours.
struct LatentCoding {
    let geometry: LatentGeometry
    let arm: FixedPointARM
    let parallel: ParallelChunks

    /// ARM multiply-accumulates a wavefront step must hold to be split over threads. Below it the
    /// threads' wake-up and the barrier at the end of each step cost more than they save: a Kodak
    /// step (at most 256 latents, a few thousand steps per image) is 9 to 20 microseconds of work
    /// on one core, and with 2 threads it measured no faster than 1.
    static let defaultParallelStepWork = 400_000
    /// This coder's threshold (``defaultParallelStepWork``; tests lower it to reach the parallel path).
    var parallelStepWork = Self.defaultParallelStepWork
    static let family = QuantizedFamily.laplace16
    /// Bounds of a coded latent.
    static let latentRange: ClosedRange<Int32> = -64...63
    /// Bytes the decoder may read past the end of the stream: the encoder drops trailing zero bytes,
    /// so a valid stream reads a few; a damaged one that keeps going is stopped after each grid.
    static let maximumPaddingBytes = 256

    /// Codes `latents` (all grids, finest first, integers in ``latentRange``).
    func encode(_ latents: [Int32]) -> [UInt8] {
        var encoder = RangeEncoder(capacity: geometry.totalLatents / 2)
        for level in stride(from: geometry.levels - 1, through: 0, by: -1) {
            let size = geometry.gridSizes[level]
            let offset = geometry.offset(level: level)
            let grid = Array(latents[offset..<(offset + size.width * size.height)])
            let parameters = allParameters(grid: grid, width: size.width, height: size.height)
            let order = WavefrontOrder(width: size.width, height: size.height,
                                       slope: CausalNeighbourhood.wavefrontSlope(contextSize: arm.context))
            for index in order.indices {
                let i = Int(index)
                encoder.encode(grid[i], mean: parameters.means[i], logScale: parameters.logScales[i], using: Self.family)
            }
        }
        return encoder.finish()
    }

    /// Reads the latents back (all grids, finest first); adds the time spent in the ARM to `armSeconds`.
    func decode(_ bytes: [UInt8], armSeconds: inout Double) throws(OverfittedDecodeError) -> [Int32] {
        var decoder = RangeDecoder(bytes: bytes)
        var latents = [Int32](repeating: 0, count: geometry.totalLatents)
        for level in stride(from: geometry.levels - 1, through: 0, by: -1) {
            let size = geometry.gridSizes[level]
            try decodeGrid(width: size.width, height: size.height, decoder: &decoder, into: &latents,
                           at: geometry.offset(level: level), armSeconds: &armSeconds)
            guard decoder.paddingBytesRead <= Self.maximumPaddingBytes else {
                throw .corruptStream("latent stream ends \(decoder.paddingBytesRead) bytes early")
            }
        }
        return latents
    }

    /// Decodes one `width x height` grid into `latents[offset...]` (row-major), one wavefront step
    /// (see ``WavefrontOrder``) after the other.
    private func decodeGrid(width: Int, height: Int, decoder: inout RangeDecoder, into latents: inout [Int32], at offset: Int,
                            armSeconds: inout Double) throws(OverfittedDecodeError) {
        let slope = CausalNeighbourhood.wavefrontSlope(contextSize: arm.context)
        var window = StepWindow(height: height, slope: slope)
        let neighbourOffsets = arm.offsets.map { Int32(truncatingIfNeeded: window.offset(dy: $0.dy, dx: $0.dx)) }
        // Per latent of a step: ARM mean, ARM log-scale, decoded value.
        let scratch = UnsafeMutablePointer<Int32>.allocate(capacity: 3 * (height + 1))
        defer { scratch.deallocate() }
        let means = scratch, logScales = scratch + height + 1, values = scratch + 2 * (height + 1)
        // ARM working memory per chunk of a step (a step has at most `parallel.threads` chunks).
        let batches = (0..<parallel.threads).map { _ in FixedPointARM.Batch(arm: arm) }
        for step in 0..<((width - 1) + slope * (height - 1) + 1) {
            if step >= window.columns {  // the column's previous step: its rows back to zero
                let old = WavefrontOrder.rows(ofStep: step - window.columns, width: width, height: height, slope: slope)
                window.clear(step: step, firstRow: old.lowerBound, count: old.count)
            }
            let rows = WavefrontOrder.rows(ofStep: step, width: width, height: height, slope: slope)
            guard !rows.isEmpty else { continue }
            let first = window.cell(step: step, row: rows.lowerBound)
            var clock = ContinuousClock.now
            stepParameters(cells: window.cells, first: first, neighbourOffsets: neighbourOffsets, count: rows.count,
                           batches: batches, means: means, logScales: logScales)
            armSeconds += DecodePhases.lap(&clock)
            try decodeStep(count: rows.count, means: means, logScales: logScales, decoder: &decoder, into: values)
            window.store(values, count: rows.count, cell: first)
            // Latent (y, step - slope * y) of the grid, for y from rows.lowerBound.
            let firstLatent = offset + rows.lowerBound * width + step - slope * rows.lowerBound
            latents.withUnsafeMutableBufferPointer { grid in
                guard let base = grid.baseAddress else { return }
                for k in 0..<rows.count { base[firstLatent + k * (width - slope)] = values[k] }
            }
        }
    }

    /// Range-decodes the `count` latents of one step under their ARM outputs into `values`.
    private func decodeStep(count: Int, means: UnsafePointer<Int32>, logScales: UnsafePointer<Int32>,
                            decoder: inout RangeDecoder, into values: UnsafeMutablePointer<Int32>) throws(OverfittedDecodeError) {
        let decoded: Int
        do {
            decoded = try decoder.decode(count: count, means: means, logScales: logScales, using: Self.family,
                                         valid: Self.latentRange, into: values)
        } catch {
            throw .corruptStream("latents: \(error)")
        }
        guard decoded == count else { throw .corruptStream("latent \(values[decoded - 1]) outside \(Self.latentRange)") }
    }

    /// The decoder's view of the latents the ARM may still read, laid out so that one wavefront step
    /// is contiguous: step `s` (latents `(x, y)` with `x + slope * y = s`) is a column of `height + reach`
    /// cells, row `y` at `reach + y` (the `reach` cells above the grid stay zero). A neighbour
    /// `(dy, dx)` is `dx + slope * dy` steps back, so it sits at the constant offset
    /// `(dx + slope * dy) * columnLength + dy`, and the latents of a step are adjacent: the ARM reads them
    /// with plain vector loads. Only the last `columns` steps are kept, twice (columns `j` and
    /// `j + columns`), so every neighbour of step `s`, read from column `s mod columns + columns`,
    /// lies in the buffer. A cell whose `x` is outside the grid is never written, so it reads 0, as a
    /// neighbour outside the grid must.
    private struct StepWindow {
        let slope: Int
        let columnLength: Int
        /// Steps kept: one more than the largest step distance of a neighbour (`reach + slope * reach`).
        let columns: Int
        private(set) var cells: [Int32]
        private static let reach = CausalNeighbourhood.reach

        init(height: Int, slope: Int) {
            self.slope = slope
            columnLength = height + Self.reach
            columns = Self.reach + slope * Self.reach + 1
            cells = [Int32](repeating: 0, count: 2 * columns * columnLength)
        }

        /// Offset of neighbour `(dy, dx)` from a latent's cell.
        func offset(dy: Int, dx: Int) -> Int { (dx + slope * dy) * columnLength + dy }

        /// Index in `cells` of row `row` of step `step` (the copy the ARM reads from).
        func cell(step: Int, row: Int) -> Int { (step % columns + columns) * columnLength + Self.reach + row }

        /// Writes `count` decoded latents to both copies of the cells from `cell` on.
        mutating func store(_ values: UnsafePointer<Int32>, count: Int, cell: Int) {
            let lower = cell - columns * columnLength
            cells.withUnsafeMutableBufferPointer { c in
                for k in 0..<count {
                    c[cell + k] = values[k]
                    c[lower + k] = values[k]
                }
            }
        }

        /// Zeroes `count` rows from `firstRow` of the column `step` reuses, in both copies.
        mutating func clear(step: Int, firstRow: Int, count: Int) {
            let upper = cell(step: step, row: firstRow), lower = upper - columns * columnLength
            cells.withUnsafeMutableBufferPointer { c in
                for k in 0..<count {
                    c[upper + k] = 0
                    c[lower + k] = 0
                }
            }
        }
    }

    /// ARM outputs for the `count` latents of one wavefront step (they only read earlier steps),
    /// adjacent in `cells` from `first`.
    private func stepParameters(cells: [Int32], first: Int, neighbourOffsets: [Int32], count: Int,
                                batches: [FixedPointARM.Batch], means: UnsafeMutablePointer<Int32>,
                                logScales: UnsafeMutablePointer<Int32>) {
        let chunks = count * arm.macsPerLatent >= parallelStepWork ? parallel.threads : 1
        cells.withUnsafeBufferPointer { c in
            neighbourOffsets.withUnsafeBufferPointer { o in
                let out = UnsafeSendableBox((means, logScales))
                parallel.run(chunks: chunks, over: count) { chunk, range in
                    guard let start = range.first, let cellBase = c.baseAddress, let offsets = o.baseAddress else { return }
                    arm.parameters(cells: cellBase + first + start, neighbourOffsets: offsets, stride: 1,
                                   count: range.count, means: out.value.0 + start, logScales: out.value.1 + start,
                                   batch: batches[chunk])
                }
            }
        }
    }

    /// ARM outputs for every latent of a fully known grid (encoder side).
    private func allParameters(grid: [Int32], width: Int, height: Int) -> (means: [Int32], logScales: [Int32]) {
        var means = [Int32](repeating: 0, count: grid.count)
        var logScales = means
        let chunks = 16
        grid.withUnsafeBufferPointer { g in
            means.withUnsafeMutableBufferPointer { mBuffer in
                logScales.withUnsafeMutableBufferPointer { sBuffer in
                    let out = UnsafeSendableBox((mBuffer, sBuffer))
                    parallel.run(chunks: chunks, over: height) { _, range in
                        let batch = FixedPointARM.Batch(arm: arm)
                        guard let m = out.value.0.baseAddress, let s = out.value.1.baseAddress else { return }
                        for y in range {
                            arm.parameters(grid: g, width: width, height: height, x: 0, y: y, stepX: 1, stepY: 0,
                                           count: width, means: m + y * width, logScales: s + y * width, batch: batch)
                        }
                    }
                }
            }
        }
        return (means, logScales)
    }
}
