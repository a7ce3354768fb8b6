import EntropyCoding
import NeuralKernels

/// Writes and reads the latent stream: one range-coded stream for all grids (``EntropyGrids``, in
/// its ``EntropyGrids/codingOrder``), each grid in ``WavefrontOrder``; every latent coded with the
/// entropy layer's quantized Laplace (16-bit tables) under the mean and log-scale the
/// ``FixedPointARM`` computes from its already coded neighbours and, for the finest grids, the
/// inter-grid features of the grids coded before them (``InterGridFeatureSource``). Encoder and
/// decoder walk the same wavefront through the same step window, so they compute the same
/// parameters.
struct LatentCoding {
    let grids: EntropyGrids
    let arm: FixedPointARM
    /// The features of the grids that have them; nil for a model without.
    let features: InterGridFeatureSource?
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

    init(grids: EntropyGrids, arm: FixedPointARM, features: InterGridFeatureSource? = nil, parallel: ParallelChunks) {
        self.grids = grids
        self.arm = arm
        self.features = features
        self.parallel = parallel
    }

    /// The coder of a model's latents under its quantised networks.
    init(shape: ModelShape, networks: QuantizedNetworks, parallel: ParallelChunks) {
        self.init(grids: shape.entropyGrids,
                  arm: FixedPointARM(networks: networks, layout: shape.arm, spatialContext: shape.architecture.spatialContext),
                  features: InterGridFeatureSource(context: shape.interGrid, networks: networks), parallel: parallel)
    }

    /// Codes `latents` (all grids, in buffer order, integers in ``latentRange``).
    func encode(_ latents: [Int32]) -> [UInt8] {
        var encoder = RangeEncoder(capacity: grids.totalLatents / 2)
        var known = latents
        var armSeconds = 0.0
        for grid in grids.codingOrder {
            walk(grid: grid, latents: &known, readingValues: true, armSeconds: &armSeconds) { count, means, logScales, values in
                for k in 0..<count { encoder.encode(values[k], mean: means[k], logScale: logScales[k], using: Self.family) }
            }
        }
        return encoder.finish()
    }

    /// Reads the latents back (all grids, in buffer order); adds the time spent in the ARM to `armSeconds`.
    func decode(_ bytes: [UInt8], armSeconds: inout Double) throws(OverfittedDecodeError) -> [Int32] {
        var decoder = RangeDecoder(bytes: bytes)
        var latents = [Int32](repeating: 0, count: grids.totalLatents)
        for grid in grids.codingOrder {
            try walk(grid: grid, latents: &latents, readingValues: false, armSeconds: &armSeconds) { (count, means, logScales, values) throws(OverfittedDecodeError) in
                try decodeStep(count: count, means: means, logScales: logScales, decoder: &decoder, into: values)
            }
            guard decoder.paddingBytesRead <= Self.maximumPaddingBytes else {
                throw .corruptStream("latent stream ends \(decoder.paddingBytesRead) bytes early")
            }
        }
        return latents
    }

    /// Walks grid `grid` one wavefront step (see ``WavefrontOrder``) after the other: the ARM gives
    /// the means and log-scales of the step's latents (from the step window and the grid's features),
    /// then `code(count, means, logScales, values)` codes them: it finds their values in `values`
    /// (taken from `latents` when `readingValues`, the encoder) or writes them there (the decoder);
    /// they are then stored in the window and in `latents`.
    private func walk<Failure: Error>(grid: Int, latents: inout [Int32], readingValues: Bool, armSeconds: inout Double,
                                      code: (Int, UnsafePointer<Int32>, UnsafePointer<Int32>, UnsafeMutablePointer<Int32>) throws(Failure) -> Void)
        throws(Failure) {
        let width = grids.sizes[grid].width, height = grids.sizes[grid].height, offset = grids.starts[grid]
        let parentFeatures = latents.withUnsafeBufferPointer { features?.parentFeatures(grid: grid, latents: $0.baseAddress!) }
        let featureCount = arm.context - arm.offsets.count
        let slope = CausalNeighbourhood.wavefrontSlope(contextSize: arm.offsets.count)
        // Feature windows for every feature input, left at zero for a grid without features.
        var window = StepWindow(height: height, slope: slope, featureWindows: featureCount)
        let neighbourOffsets = arm.offsets.map { Int32(truncatingIfNeeded: window.offset(dy: $0.dy, dx: $0.dx)) }
            + (0..<featureCount).map { Int32(truncatingIfNeeded: window.featureOffset($0)) }
        // Per latent of a step: ARM mean, ARM log-scale, value.
        let scratch = UnsafeMutablePointer<Int32>.allocate(capacity: 3 * (height + 1))
        defer { scratch.deallocate() }
        let means = scratch, logScales = scratch + height + 1, values = scratch + 2 * (height + 1)
        // ARM working memory per chunk of a step (a step has at most `parallel.threads` chunks).
        let batches = (0..<parallel.threads).map { _ in FixedPointARM.Batch(arm: arm) }
        for step in 0..<((width - 1) + slope * (height - 1) + 1) {
            let rows = WavefrontOrder.rows(ofStep: step, width: width, height: height, slope: slope)
            if step >= window.columns {  // the column's previous step: its rows this one does not overwrite back to zero
                let old = WavefrontOrder.rows(ofStep: step - window.columns, width: width, height: height, slope: slope)
                window.clear(step: step, fromRow: old.lowerBound, toRow: min(old.upperBound, rows.lowerBound))
                window.clear(step: step, fromRow: max(old.lowerBound, rows.upperBound), toRow: old.upperBound)
            }
            guard !rows.isEmpty else { continue }
            let first = window.cell(step: step, row: rows.lowerBound)
            // Latent (y, step - slope * y) of the grid, for y from rows.lowerBound.
            let firstLatent = rows.lowerBound * width + step - slope * rows.lowerBound
            if let parentFeatures {
                window.storeFeatures(parentFeatures.values, parentWidth: parentFeatures.width, step: step, firstRow: rows.lowerBound,
                                     count: rows.count, cell: first)
            }
            var clock = ContinuousClock.now
            stepParameters(cells: window.cells, first: first, neighbourOffsets: neighbourOffsets, count: rows.count,
                           batches: batches, means: means, logScales: logScales)
            armSeconds += DecodePhases.lap(&clock)
            if readingValues {
                latents.withUnsafeBufferPointer { grid in
                    for k in 0..<rows.count { values[k] = grid[offset + firstLatent + k * (width - slope)] }
                }
            }
            try code(rows.count, means, logScales, values)
            window.store(values, count: rows.count, cell: first)
            latents.withUnsafeMutableBufferPointer { grid in
                guard let first = grid.baseAddress.map({ $0 + offset + firstLatent }) else { return }
                let stride = width - slope
                for k in 0..<rows.count { first[k &* stride] = values[k] }
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
        /// Cells of the latents' window; the feature windows follow it, each as large.
        let windowSize: Int
        private(set) var cells: [Int32]
        private static let reach = CausalNeighbourhood.reach

        /// A window with `featureWindows` feature windows after it: feature `j` of the latent of a
        /// cell sits ``featureOffset(_:)`` after that cell (and reads 0 where none is stored).
        init(height: Int, slope: Int, featureWindows: Int) {
            self.slope = slope
            columnLength = height + Self.reach
            columns = Self.reach + slope * Self.reach + 1
            windowSize = 2 * columns * columnLength
            cells = [Int32](repeating: 0, count: (1 + featureWindows) * windowSize)
        }

        /// Offset of neighbour `(dy, dx)` from a latent's cell.
        func offset(dy: Int, dx: Int) -> Int { (dx + slope * dy) * columnLength + dy }

        /// Offset of a latent's feature `j` from its cell.
        func featureOffset(_ j: Int) -> Int { (j + 1) * windowSize }

        /// Writes the features of the `count` latents of step `step` from row `firstRow` (cells from
        /// `cell` on): latent `(y, x)` takes position `(y >> 1, x >> 1)` of the parent-resolution
        /// features (`parentWidth` wide, the features of a position adjacent, one per feature window).
        /// (The positions are found once per latent, then each window is filled in one tight loop.)
        mutating func storeFeatures(_ features: [Int32], parentWidth: Int, step: Int, firstRow: Int, count: Int, cell: Int) {
            let windows = cells.count / windowSize - 1, windowSize = windowSize, slope = slope
            withUnsafeTemporaryAllocation(of: Int.self, capacity: count) { positions in
                guard let positions = positions.baseAddress else { return }
                for k in 0..<count {
                    let y = firstRow &+ k, x = step &- slope &* y
                    positions[k] = ((y &>> 1) &* parentWidth &+ (x &>> 1)) &* windows
                }
                cells.withUnsafeMutableBufferPointer { c in
                    features.withUnsafeBufferPointer { f in
                        guard let cells = c.baseAddress, let features = f.baseAddress else { return }
                        for j in 0..<windows {
                            let target = cells + (cell &+ (j &+ 1) &* windowSize), source = features + j
                            for k in 0..<count { target[k] = source[positions[k]] }
                        }
                    }
                }
            }
        }

        /// Index in `cells` of row `row` of step `step` (the copy the ARM reads from).
        func cell(step: Int, row: Int) -> Int { (step % columns + columns) * columnLength + Self.reach + row }

        /// Writes `count` decoded latents to both copies of the cells from `cell` on.
        mutating func store(_ values: UnsafePointer<Int32>, count: Int, cell: Int) {
            let copyDistance = columns * columnLength
            cells.withUnsafeMutableBufferPointer { c in
                guard let upper = c.baseAddress.map({ $0 + cell }) else { return }
                let lower = upper - copyDistance
                for k in 0..<count {
                    upper[k] = values[k]
                    lower[k] = values[k]
                }
            }
        }

        /// Zeroes rows `fromRow ..< toRow` (none if `toRow <= fromRow`) of the column `step` reuses, in
        /// both copies. (Rows that the step then writes need no clearing: a column is zero outside its
        /// step's rows.)
        mutating func clear(step: Int, fromRow: Int, toRow: Int) {
            guard toRow > fromRow else { return }
            let first = cell(step: step, row: fromRow), copyDistance = columns * columnLength
            cells.withUnsafeMutableBufferPointer { c in
                guard let upper = c.baseAddress.map({ $0 + first }) else { return }
                (upper - copyDistance).update(repeating: 0, count: toRow - fromRow)
                upper.update(repeating: 0, count: toRow - fromRow)
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
}
