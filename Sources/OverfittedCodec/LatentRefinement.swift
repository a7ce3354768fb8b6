/// Rate-distortion optimised rounding of the trained latents: after training and network
/// quantisation, each latent whose trained (continuous) value lies near the midpoint between two
/// integers is tried at the other one, and kept there when the loss of the decoded model
/// (`MSE + lambda * latent bits / pixels`, the float ARM's rate, the quantised networks) falls.
///
/// Rounding each latent to its nearest integer ignores what the neighbouring choices and the rate
/// do; this is the latent-space counterpart of the rate-distortion optimised quantisation of
/// classical encoders. The changes are tested exactly and many at once: a pass flips a set of
/// candidates of one grid far enough apart that the pixels and latent rates each one changes are
/// disjoint (``separation``), reconstructs the image once, and takes each candidate's own change of
/// squared error (over its pixel box) and of bits (over the latents that read it); every candidate
/// whose change lowers the loss is kept. Each candidate is tried once.
struct LatentRefinement {
    let evaluator: ModelEvaluator
    /// The quantised networks (dequantised), as the decoder will use them.
    let networks: NetworkParameters

    /// Candidates: latents whose trained value is at least this far from the integer it rounds to.
    static let threshold: Float = 0.4

    /// Result of ``refine(latents:trained:progress:)``.
    struct Outcome {
        var latents: [Float]
        var tried: Int
        var changed: Int
        /// The sum of the kept changes' measured loss changes (negative).
        var lossChange: Double
        /// The sum of the kept changes' measured changes of the latent bits.
        var bitChange: Double
    }

    /// `latents` (integers, every grid) with the candidates that lower the loss moved to their other
    /// neighbouring integer; `trained` holds the values they were rounded from (same layout). The
    /// synthesis grids are refined coarsest first; `progress` hears after each one (its loss, bpp
    /// and PSNR those of the model so far).
    func refine(latents: [Float], trained: [Float], progress: ((EncodeProgress) -> Void)? = nil) -> Outcome {
        var state = State(latents: latents, evaluator: evaluator, networks: networks)
        var tried = 0
        let start = progress == nil ? nil : evaluator.evaluate(latents: latents, networks: networks)
        let levels = evaluator.shape.geometry.levels
        for level in stride(from: levels - 1, through: 0, by: -1) {
            var remaining = candidates(level: level, latents: latents, trained: trained)
            tried += remaining.count
            while !remaining.isEmpty {
                state.apply(pack(&remaining, level: level), level: level, refinement: self)
            }
            if let progress, let start {
                let loss = start.loss + state.lossChange
                let bitsPerPixel = start.bitsPerPixel + state.bitChange / Double(evaluator.pixelCount)
                progress(EncodeProgress(phase: .rounding, iteration: levels - level, totalIterations: levels, loss: loss,
                                        bitsPerPixel: bitsPerPixel,
                                        psnr: Trainer.psnr(mse: loss - Double(evaluator.lambda) * bitsPerPixel)))
            }
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

    /// The candidates of grid `level`, the farthest from their rounding first (ties in index order).
    func candidates(level: Int, latents: [Float], trained: [Float]) -> [Candidate] {
        let geometry = evaluator.shape.geometry
        let width = geometry.gridSizes[level].width, start = geometry.offset(level: level)
        var found: [(distance: Float, candidate: Candidate)] = []
        for local in 0..<geometry.count(level: level) {
            let i = start + local
            let offset = trained[i] - latents[i]
            let value = latents[i] + (offset > 0 ? 1 : -1)
            guard abs(offset) >= Self.threshold, Trainer.latentRange ~= value else { continue }
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

    /// The current latents with their reconstruction and features.
    struct State {
        var latents: [Float]
        var output: [Float]
        var features: TrainingFeatures?
        /// How many changes were kept, and their summed changes of the loss and of the latent bits.
        var changed = 0
        var lossChange = 0.0
        var bitChange = 0.0

        init(latents: [Float], evaluator: ModelEvaluator, networks: NetworkParameters) {
            self.latents = latents
            output = evaluator.reconstruct(latents: latents, networks: networks).output
            features = evaluator.armTraining.features(of: latents, parameters: networks.interGrid, parallel: evaluator.parallel)
        }

        /// Tries `chosen` together and keeps each one that lowers the loss.
        mutating func apply(_ chosen: [Candidate], level: Int, refinement: LatentRefinement) {
            let evaluator = refinement.evaluator, networks = refinement.networks
            var trial = latents
            for candidate in chosen { trial[candidate.index] = candidate.value }
            let trialOutput = evaluator.reconstruct(latents: trial, networks: networks).output
            let trialFeatures = evaluator.armTraining.features(of: trial, parameters: networks.interGrid, parallel: evaluator.parallel)
            let runs = chosen.map { refinement.rateRuns(of: $0, level: level) }
            let flat = Array(runs.joined())
            let before = evaluator.armTraining.bits(of: flat, latents: latents, parameters: networks.arm, features: features)
            let after = evaluator.armTraining.bits(of: flat, latents: trial, parameters: networks.arm, features: trialFeatures)
            let geometry = evaluator.shape.geometry
            let errorWeight = 1 / Double(evaluator.target.count)
            let bitWeight = Double(evaluator.lambda) / Double(geometry.width * geometry.height)
            var run = 0, kept = 0
            for (candidate, candidateRuns) in zip(chosen, runs) {
                var bits = 0.0
                for _ in candidateRuns { bits += after[run] - before[run]; run += 1 }
                let box = Box(rows: refinement.pixelSpan(candidate.y, level: level, size: geometry.height),
                              columns: refinement.pixelSpan(candidate.x, level: level, size: geometry.width))
                let change = squaredErrorChange(in: box, trialOutput: trialOutput, evaluator: evaluator) * errorWeight + bits * bitWeight
                guard change < 0 else { continue }
                kept += 1
                changed += 1
                lossChange += change
                bitChange += bits
                latents[candidate.index] = candidate.value
                box.forEachSample(width: geometry.width, height: geometry.height, samples: output.count) { output[$0] = trialOutput[$0] }
            }
            if kept > 0 {
                features = evaluator.armTraining.features(of: latents, parameters: networks.interGrid, parallel: evaluator.parallel)
            }
        }

        /// The change of the summed squared error (output clamped to [0, 1]) over `box` from
        /// ``output`` to `trialOutput`.
        func squaredErrorChange(in box: Box, trialOutput: [Float], evaluator: ModelEvaluator) -> Double {
            let geometry = evaluator.shape.geometry
            var error = 0.0
            box.forEachSample(width: geometry.width, height: geometry.height, samples: output.count) { i in
                let t = evaluator.target[i]
                let new = Double(min(max(trialOutput[i], 0), 1) - t), old = Double(min(max(output[i], 0), 1) - t)
                error += new * new - old * old
            }
            return error
        }
    }

    /// Pixels `rows x columns` of every plane of an image.
    struct Box {
        var rows: Range<Int>
        var columns: Range<Int>

        /// Calls `body` with the index of each of the box's samples in `samples` values that are
        /// planes of `width x height`, plane after plane.
        func forEachSample(width: Int, height: Int, samples: Int, _ body: (Int) -> Void) {
            let pixels = width * height
            for plane in stride(from: 0, to: samples, by: max(1, pixels)) {
                for y in rows {
                    let row = plane + y * width
                    for x in columns { body(row + x) }
                }
            }
        }
    }
}
