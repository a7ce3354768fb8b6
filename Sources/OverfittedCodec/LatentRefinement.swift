import NeuralKernels

/// Rate-distortion optimised rounding of the trained latents: after training and network
/// quantisation, each latent whose trained (continuous) value lies near the midpoint between two
/// integers is tried at the other one, and kept there when the loss of the decoded model
/// (`MSE + lambda * latent bits / pixels`, the float ARM's rate, the quantised networks) falls.
///
/// Rounding each latent to its nearest integer ignores what the neighbouring choices and the rate
/// do; this is the latent-space counterpart of the rate-distortion optimised quantisation of
/// classical encoders. The changes are tested exactly and many at once: a pass flips a set of
/// candidates of one grid far enough apart that the pixels and latent rates each one changes are
/// disjoint (``separation``), up-samples that grid once, and takes each candidate's own change of
/// squared error (over its pixel box, the synthesis run on just that box and its surround) and of
/// bits (over the latents that read it); every candidate whose change lowers the loss is kept. A
/// sweep tries each candidate once; a further sweep tries them again (a kept change back at its
/// nearest integer), as their neighbours' changes may have moved their balance.
struct LatentRefinement {
    let evaluator: ModelEvaluator
    /// The quantised networks (dequantised), as the decoder will use them.
    let networks: NetworkParameters

    /// Candidates: latents whose trained value is at least this far from the integer it rounds to
    /// (below 0.5).
    let threshold: Float
    /// Sweeps over all the grids; the refinement stops early after a sweep that kept nothing (the
    /// next one would measure the same).
    let sweeps: Int

    /// Result of ``refine(latents:trained:progress:)``.
    struct Outcome {
        var latents: [Float]
        /// Candidates measured, over all sweeps.
        var tried: Int
        /// Changes kept (a latent moved and later moved back counts twice).
        var changed: Int
        /// The sum of the kept changes' measured loss changes (negative).
        var lossChange: Double
        /// The sum of the kept changes' measured changes of the latent bits.
        var bitChange: Double
    }

    /// `latents` (integers, every grid) with the candidates that lower the loss moved to their other
    /// neighbouring integer; `trained` holds the values they were rounded from (same layout). Each
    /// sweep refines the synthesis grids coarsest first; `progress` hears after each grid (its loss,
    /// bpp and PSNR those of the model so far).
    func refine(latents: [Float], trained: [Float], progress: ((EncodeProgress) -> Void)? = nil) -> Outcome {
        var state = State(latents: latents, evaluator: evaluator, networks: networks)
        var tried = 0
        let start = progress == nil ? nil : evaluator.evaluate(latents: latents, networks: networks)
        let levels = evaluator.shape.geometry.levels
        for sweep in 0..<sweeps {
            let changedBefore = state.changed
            for level in stride(from: levels - 1, through: 0, by: -1) {
                // An uncoded grid stays zero.
                var remaining = level < evaluator.shape.entropyGrids.uncodedGrids
                    ? [] : candidates(level: level, latents: state.latents, trained: trained)
                tried += remaining.count
                while !remaining.isEmpty {
                    state.apply(pack(&remaining, level: level), level: level, refinement: self)
                }
                if let progress, let start {
                    let loss = start.loss + state.lossChange
                    let bitsPerPixel = start.bitsPerPixel + state.bitChange / Double(evaluator.pixelCount)
                    progress(EncodeProgress(phase: .rounding, iteration: sweep * levels + levels - level,
                                            totalIterations: sweeps * levels, loss: loss, bitsPerPixel: bitsPerPixel,
                                            psnr: Trainer.psnr(mse: loss - Double(evaluator.lambda) * bitsPerPixel)))
                }
            }
            if state.changed == changedBefore { break }
        }
        return Outcome(latents: state.latents, tried: tried, changed: state.changed, lossChange: state.lossChange,
                       bitChange: state.bitChange)
    }

    /// A latent to try at `value`.
    struct Candidate {
        var index: Int
        var x: Int
        var y: Int
        var value: Float
    }

    /// The candidates of grid `level` at `latents` (a latent moved by an earlier sweep is one, back
    /// at its nearest integer), the farthest from their rounding first (ties in index order).
    func candidates(level: Int, latents: [Float], trained: [Float]) -> [Candidate] {
        let geometry = evaluator.shape.geometry
        let width = geometry.gridSizes[level].width, start = geometry.offset(level: level)
        var found: [(distance: Float, candidate: Candidate)] = []
        for local in 0..<geometry.count(level: level) {
            let i = start + local
            let offset = trained[i] - latents[i]
            let value = latents[i] + (offset > 0 ? 1 : -1)
            guard abs(offset) >= threshold, Trainer.latentRange ~= value else { continue }
            found.append((abs(offset), Candidate(index: i, x: local % width, y: local / width, value: value)))
        }
        return found.sorted { $0.distance != $1.distance ? $0.distance > $1.distance : $0.candidate.index < $1.candidate.index }
            .map(\.candidate)
    }

    /// How far a latent's change reaches on its way to the pixels: the pre-concatenation filter's
    /// radius in latents of its grid, then each x2 step of the up-sampler widens a span `[a, b]` to
    /// `[2a - 4, 2b + 5]` (``Upsampler``'s taps), then each 3x3 residual layer of the synthesis by
    /// one pixel.
    private var filterReach: Int { evaluator.preFilter == nil ? 0 : PreConcatenationFilter.radius }
    private static let upsamplingReach = (below: 4, above: 5)
    private var synthesisReach: Int { evaluator.shape.architecture.residualLayers }

    /// Least Chebyshev distance, in latents of the grid, between two candidates of one pass: their
    /// pixel spans (``pixelSpan(_:level:size:)``) and the latents whose rate they change then never
    /// meet, at every level: the spans at the finest grid (no up-sampling), the spans as the
    /// up-sampler's growth per step dominates at the coarse ones, and the ARM's neighbours
    /// (``CausalNeighbourhood/reach``) on both sides.
    var separation: Int {
        let upsampling = Self.upsamplingReach.below + Self.upsamplingReach.above
        return max(2 * CausalNeighbourhood.reach + 1, 2 * filterReach + max(upsampling, 2 * synthesisReach + 1))
    }

    /// The pixels (rows or columns, clipped to `0 ..< size`) that latent `position` of grid `level`
    /// can change (the reaches above, carried to full resolution).
    func pixelSpan(_ position: Int, level: Int, size: Int) -> Range<Int> {
        let scale = 1 << level
        let low = scale * (position - filterReach) - Self.upsamplingReach.below * (scale - 1) - synthesisReach
        let high = scale * (position + filterReach) + Self.upsamplingReach.above * (scale - 1) + synthesisReach
        return max(0, low)..<min(size, high + 1)
    }

    /// Takes from `remaining` (in order) candidates at least ``separation`` apart.
    func pack(_ remaining: inout [Candidate], level: Int) -> [Candidate] {
        let size = evaluator.shape.geometry.gridSizes[level]
        let s = separation
        var blocked = [Bool](repeating: false, count: size.width * size.height)
        var chosen: [Candidate] = [], left: [Candidate] = []
        for candidate in remaining {
            guard !blocked[candidate.y * size.width + candidate.x] else { left.append(candidate); continue }
            chosen.append(candidate)
            for y in max(0, candidate.y - s + 1)..<min(size.height, candidate.y + s) {
                for x in max(0, candidate.x - s + 1)..<min(size.width, candidate.x + s) { blocked[y * size.width + x] = true }
            }
        }
        remaining = left
        return chosen
    }

    /// The latents whose rate a change of `candidate` (grid `level`) can move, as index runs: those
    /// of its own grid that read it (rows `y ... y + r`, columns `x - r ... x + r`, `r` the
    /// ``CausalNeighbourhood/reach``) and, in the finer grids with inter-grid features, the block of
    /// latents under it.
    func rateRuns(of candidate: Candidate, level: Int) -> [Range<Int>] {
        let grids = evaluator.shape.entropyGrids
        let reach = CausalNeighbourhood.reach
        var runs: [Range<Int>] = []
        func addBlock(grid: Int, rows: Range<Int>, columns: Range<Int>) {
            let size = grids.sizes[grid]
            let columns = max(0, columns.lowerBound)..<min(size.width, columns.upperBound)
            guard !columns.isEmpty else { return }
            for y in max(0, rows.lowerBound)..<min(size.height, rows.upperBound) {
                let row = grids.starts[grid] + y * size.width
                runs.append((row + columns.lowerBound)..<(row + columns.upperBound))
            }
        }
        addBlock(grid: level, rows: candidate.y..<(candidate.y + reach + 1), columns: (candidate.x - reach)..<(candidate.x + reach + 1))
        for finer in 0..<min(level, grids.featureLevels) {
            let scale = 1 << (level - finer)
            addBlock(grid: finer, rows: (candidate.y * scale)..<((candidate.y + 1) * scale),
                     columns: (candidate.x * scale)..<((candidate.x + 1) * scale))
        }
        return runs
    }

    /// A candidate's change measured alone: of the loss and of the latent bits, and the output over
    /// its pixel box (plane after plane, row after row) with it.
    struct Measurement {
        var lossChange = 0.0
        var bitChange = 0.0
        var box = Box(rows: 0..<0, columns: 0..<0)
        var output: [Float] = []
    }

    /// Chunks the candidates of a pass are measured in (fixed, so the bits' batches, and so every
    /// sum, do not depend on the thread count).
    static let measurementChunks = 16

    /// Measures each of `chosen` (grid `level`, all flipped in `trial`, whose up-sampled plane is
    /// `plane` and ARM features `trialFeatures`) against `state`: its bits over its rate runs, and
    /// its squared error over its pixel box from the synthesis run on that box and the 3x3 layers'
    /// reach around it (``tileSynthesis``), with `plane` for the grid's up-sampled plane.
    func measure(_ chosen: [Candidate], level: Int, trial: [Float], plane: [Float], trialFeatures: TrainingFeatures?,
                 state: State) -> [Measurement] {
        var measurements = [Measurement](repeating: Measurement(), count: chosen.count)
        measurements.withUnsafeMutableBufferPointer { buffer in
            let results = UnsafeSendableBox(buffer)
            evaluator.parallel.run(chunks: Self.measurementChunks, over: chosen.count) { _, range in
                guard !range.isEmpty else { return }
                let part = Array(chosen[range])
                let runs = part.map { rateRuns(of: $0, level: level) }
                let flat = Array(runs.joined())
                let arm = evaluator.armTraining
                let before = arm.bits(of: flat, latents: state.latents, parameters: networks.arm, features: state.features)
                let after = arm.bits(of: flat, latents: trial, parameters: networks.arm, features: trialFeatures)
                var run = 0
                for (k, candidate) in part.enumerated() {
                    var measurement = tileSynthesis(candidate, level: level, plane: plane, state: state)
                    for _ in runs[k] { measurement.bitChange += after[run] - before[run]; run += 1 }
                    measurement.lossChange += measurement.bitChange * Double(evaluator.lambda) / Double(evaluator.pixelCount)
                    results.value[range.lowerBound + k] = measurement
                }
            }
        }
        return measurements
    }

    /// The output over `candidate`'s pixel box with grid `level`'s up-sampled plane replaced by
    /// `plane`, and the change of the mean squared error (output clamped to [0, 1]) there: the
    /// synthesis runs on the box widened by the reach of its 3x3 layers (clipped to the image, whose
    /// edges then pad as the whole image's do), so the box's values are those of the whole image.
    func tileSynthesis(_ candidate: Candidate, level: Int, plane: [Float], state: State) -> Measurement {
        let geometry = evaluator.shape.geometry
        let (width, height) = (geometry.width, geometry.height), pixels = width * height
        let box = Box(rows: pixelSpan(candidate.y, level: level, size: height),
                      columns: pixelSpan(candidate.x, level: level, size: width))
        let reach = synthesisReach
        let tile = Box(rows: max(0, box.rows.lowerBound - reach)..<min(height, box.rows.upperBound + reach),
                       columns: max(0, box.columns.lowerBound - reach)..<min(width, box.columns.upperBound + reach))
        let (tileWidth, tileHeight) = (tile.columns.count, tile.rows.count), area = tileWidth * tileHeight
        let levels = geometry.levels, replaced = levels - 1 - level
        let features = [Float](unsafeUninitializedCapacity: levels * area) { buffer, count in
            count = levels * area
            guard let to = buffer.baseAddress else { return }
            plane.withUnsafeBufferPointer { replacement in
                state.planes.withUnsafeBufferPointer { planes in
                    for channel in 0..<levels {
                        let source = channel == replaced ? replacement.baseAddress! : planes.baseAddress! + channel * pixels
                        for (row, y) in tile.rows.enumerated() {
                            (to + channel * area + row * tileWidth).update(from: source + y * width + tile.columns.lowerBound,
                                                                           count: tileWidth)
                        }
                    }
                }
            }
        }
        let output = evaluator.synthesis.resized(width: tileWidth, height: tileHeight)
            .output(features: features, parameters: networks.synthesis, parallel: ParallelChunks(threads: 1))
        let planes = output.count / area, boxWidth = box.columns.count
        var measurement = Measurement(box: box)
        var error = 0.0
        measurement.output = [Float](unsafeUninitializedCapacity: planes * box.rows.count * boxWidth) { buffer, count in
            count = planes * box.rows.count * boxWidth
            output.withUnsafeBufferPointer { tileOutput in
                state.output.withUnsafeBufferPointer { old in
                    evaluator.target.withUnsafeBufferPointer { target in
                        var next = buffer.baseAddress!
                        for channel in 0..<planes {
                            for y in box.rows {
                                let image = channel * pixels + y * width + box.columns.lowerBound
                                let row = tileOutput.baseAddress! + channel * area + (y - tile.rows.lowerBound) * tileWidth
                                    + box.columns.lowerBound - tile.columns.lowerBound
                                error += Self.squaredErrorChange(new: row, old: old.baseAddress! + image,
                                                                 target: target.baseAddress! + image, count: boxWidth)
                                next.update(from: row, count: boxWidth)
                                next += boxWidth
                            }
                        }
                    }
                }
            }
        }
        measurement.lossChange = error / Double(evaluator.target.count)
        return measurement
    }

    /// `sum (clamp(new) - t)^2 - (clamp(old) - t)^2` over `count` values (clamped to [0, 1]),
    /// eight lanes summed in Float, returned in Double.
    static func squaredErrorChange(new: UnsafePointer<Float>, old: UnsafePointer<Float>, target: UnsafePointer<Float>,
                                   count: Int) -> Double {
        // The inlined clamp (not SIMD's `clamped`, called out of line here) put the refinement at
        // threshold 0.4 in 0.76 of the time (BENCHMARKS.md, thirty-ninth session).
        @inline(__always) func change(_ new: SIMD8<Float>, _ old: SIMD8<Float>, _ target: SIMD8<Float>) -> SIMD8<Float> {
            let n = VectorLanes.clampedToUnit(new) - target
            let o = VectorLanes.clampedToUnit(old) - target
            return n * n - o * o
        }
        var sums = SIMD8<Float>.zero, i = 0
        while i + 8 <= count {
            sums += change(VectorLanes.load(new + i, count: 8), VectorLanes.load(old + i, count: 8),
                           VectorLanes.load(target + i, count: 8))
            i += 8
        }
        if i < count {
            let n = count - i
            sums += change(VectorLanes.load(new + i, count: n), VectorLanes.load(old + i, count: n),
                           VectorLanes.load(target + i, count: n))
        }
        return Double(sums.sum())
    }

    /// The current latents with their synthesis input, reconstruction and ARM features.
    struct State {
        var latents: [Float]
        /// The synthesis input: one up-sampled plane per grid, coarsest first.
        var planes: [Float]
        var output: [Float]
        var features: TrainingFeatures?
        /// How many changes were kept, and their summed changes of the loss and of the latent bits.
        var changed = 0
        var lossChange = 0.0
        var bitChange = 0.0

        init(latents: [Float], evaluator: ModelEvaluator, networks: NetworkParameters) {
            self.latents = latents
            let (output, trace) = evaluator.reconstruct(latents: latents, networks: networks)
            self.output = output
            planes = trace.features
            features = evaluator.armTraining.features(of: latents, parameters: networks.interGrid, parallel: evaluator.parallel)
        }

        /// Tries `chosen` together and keeps each one that lowers the loss.
        mutating func apply(_ chosen: [Candidate], level: Int, refinement: LatentRefinement) {
            let evaluator = refinement.evaluator, networks = refinement.networks
            var trial = latents
            for candidate in chosen { trial[candidate.index] = candidate.value }
            let plane = evaluator.upsampledPlane(level: level, latents: trial, networks: networks)
            // Only the grids finer than a feature source read the inter-grid features.
            let changesFeatures = min(level, evaluator.shape.entropyGrids.featureLevels) > 0
            let trialFeatures = changesFeatures
                ? evaluator.armTraining.features(of: trial, parameters: networks.interGrid, parallel: evaluator.parallel) : features
            let measurements = refinement.measure(chosen, level: level, trial: trial, plane: plane, trialFeatures: trialFeatures,
                                                  state: self)
            let geometry = evaluator.shape.geometry, pixels = geometry.width * geometry.height
            let channel = geometry.levels - 1 - level
            var kept = 0
            for (candidate, measurement) in zip(chosen, measurements) where measurement.lossChange < 0 {
                kept += 1
                changed += 1
                lossChange += measurement.lossChange
                bitChange += measurement.bitChange
                latents[candidate.index] = candidate.value
                let box = measurement.box, boxArea = box.rows.count * box.columns.count
                for (row, y) in box.rows.enumerated() {
                    let start = y * geometry.width + box.columns.lowerBound
                    planes.replaceSubrange((channel * pixels + start)..<(channel * pixels + start + box.columns.count),
                                           with: plane[start..<(start + box.columns.count)])
                    for outputPlane in 0..<(output.count / pixels) {
                        let from = outputPlane * boxArea + row * box.columns.count
                        output.replaceSubrange((outputPlane * pixels + start)..<(outputPlane * pixels + start + box.columns.count),
                                               with: measurement.output[from..<(from + box.columns.count)])
                    }
                }
            }
            if kept > 0 && changesFeatures {
                features = evaluator.armTraining.features(of: latents, parameters: networks.interGrid, parallel: evaluator.parallel)
            }
        }
    }

    /// Pixels `rows x columns` of an image.
    struct Box {
        var rows: Range<Int>
        var columns: Range<Int>
    }
}
