import CNeuralKernels
import NeuralKernels

/// The ARM's inter-grid features (Cool-chic 5.0's inter-feature context, written from its
/// description): for each of the finest ``EntropyGrids/featureLevels`` grids `l`, `f` integer
/// features per latent. At the resolution of grid `l + 1`, feature `j` is
/// `clamp(round(b_j + sum_m W_jm v_m), -64, 63)` over the co-located values `v_m` of the grids
/// ``EntropyGrids/sources(of:)`` (nearest: the value at `(y >> s, x >> s)` of a grid `s` levels
/// coarser); each feature is then repeated over the 2x2 latents of grid `l` it covers. The ARM reads
/// the features as its last `f` inputs (zero for the other grids).
///
/// Parameters, in ``ARMLayout``'s inter-grid ranges: the weights `W_l (f x sources)` of each
/// feature level, finest first, then the biases `b_l (f)` in the same order.
struct InterGridContext: Sendable {
    let grids: EntropyGrids
    let featureCount: Int

    /// Offsets of each feature level's weights and biases in the parameter vector.
    let weightStarts: [Int]
    let biasStarts: [Int]
    let parameterCount: Int
    var weightCount: Int { biasStarts.first ?? parameterCount }
    /// Offsets of each feature level's `f` planes (at the resolution of the grid above it) in
    /// ``TrainingFeatures``; the last entry is the total.
    let parentStarts: [Int]
    /// Values in the largest set of `f` planes of one resolution the training passes need.
    let scratchCount: Int
    var featureValueCount: Int { parentStarts[parentStarts.count - 1] }

    init(grids: EntropyGrids, featureCount: Int) {
        self.grids = grids
        self.featureCount = featureCount
        var weightStarts: [Int] = [], offset = 0
        for level in 0..<grids.featureLevels {
            weightStarts.append(offset)
            offset += featureCount * grids.sources(of: level).count
        }
        let biasStarts = (0..<grids.featureLevels).map { offset + $0 * featureCount }
        self.weightStarts = weightStarts
        self.biasStarts = biasStarts
        parameterCount = offset + grids.featureLevels * featureCount
        var parentStarts = [0]
        for level in 0..<grids.featureLevels {
            let parent = grids.sizes[level + 1]
            parentStarts.append(parentStarts[level] + featureCount * parent.width * parent.height)
        }
        self.parentStarts = parentStarts
        scratchCount = grids.featureLevels > 0 ? featureCount * grids.sizes[1].width * grids.sizes[1].height : 0
    }

    /// The context of the coded grids alone (``EntropyGrids/codedGrids``), whose parameters are
    /// those of this context's coded feature levels (``codedParameters(_:)``).
    var coded: InterGridContext { InterGridContext(grids: grids.codedGrids, featureCount: featureCount) }

    /// The ranges of this context's parameter vector that ``coded``'s holds, in its order: the
    /// weights of the coded feature levels, then their biases (empty ranges without such levels).
    private var codedParameterRanges: [Range<Int>] {
        let first = min(grids.uncodedGrids, grids.featureLevels)
        guard first > 0 else { return [0..<parameterCount] }
        return [(first < grids.featureLevels ? weightStarts[first] : weightCount)..<weightCount,
                (first < grids.featureLevels ? biasStarts[first] : parameterCount)..<parameterCount]
    }

    /// The parameters of ``coded`` taken from `parameters` (this context's).
    func codedParameters(_ parameters: [Float]) -> [Float] {
        guard parameters.count == parameterCount else { return parameters }
        return codedParameterRanges.flatMap { parameters[$0] }
    }

    /// `codedValues` (laid out as ``coded``'s parameters) in this context's layout, zeros for the
    /// uncoded feature levels.
    func fromCoded(_ codedValues: [Float]) -> [Float] {
        var result = [Float](repeating: 0, count: parameterCount)
        var position = 0
        for range in codedParameterRanges where position + range.count <= codedValues.count {
            result[range] = codedValues[position..<(position + range.count)]
            position += range.count
        }
        return result
    }

    /// The weight matrices (features x sources of each level), for the optimiser.
    var matrices: [WeightMatrix] {
        (0..<grids.featureLevels).map { level in
            WeightMatrix(range: weightStarts[level]..<(weightStarts[level] + featureCount * grids.sources(of: level).count),
                         rows: featureCount)
        }
    }

    /// Latents of every grid: the length of each plane of the features' gradient in training.
    var total: Int { grids.totalLatents }
}

/// The inter-grid features of the training step: for each feature level `l`, `f` planes at the
/// resolution of grid `l + 1` (``InterGridContext/parentStarts``), rounded and clamped as the
/// decoder does, and a mask of the same layout: 1 where the rounding passes the gradient straight
/// through, 0 where the clamp cut.
struct TrainingFeatures {
    var values: [Float]
    var passes: [Float]
}

extension InterGridContext {
    /// The features of `latents` (every grid, in buffer order) under the float `parameters`, a
    /// feature per chunk of `parallel`.
    ///
    /// The sum over the sources is built from the coarsest resolution down: at each resolution `r`,
    /// the partial sum of the resolution below is read at `(y >> 1, x >> 1)` and the sources of
    /// resolution `r` added (in grid order), so each source is read at its own resolution, once.
    func trainingFeatures(latents: UnsafePointer<Float>, parameters: UnsafePointer<Float>,
                          parallel: ParallelChunks) -> TrainingFeatures {
        let f = featureCount
        // Every value is written below: the levels' and features' planes tile `parentStarts`.
        let count = featureValueCount
        var features = TrainingFeatures(values: [Float](unsafeUninitializedCapacity: count) { _, n in n = count },
                                        passes: [Float](unsafeUninitializedCapacity: count) { _, n in n = count })
        guard featureValueCount > 0 else { return features }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * scratchCount)
        defer { scratch.deallocate() }
        features.values.withUnsafeMutableBufferPointer { values in
            features.passes.withUnsafeMutableBufferPointer { passes in
                let shared = UnsafeSendableBox((values.baseAddress!, passes.baseAddress!))
                for level in 0..<grids.featureLevels {
                    let parent = grids.sizes[level + 1], n = parent.width * parent.height
                    parallel.run(chunks: n >= Self.parallelSize ? f : 1, over: f) { _, features in
                        for j in features {
                            // Feature j's two planes of partial sums (the resolution in hand and the coarser one).
                            let planes = (scratch + 2 * j * (scratchCount / f), scratch + (2 * j + 1) * (scratchCount / f))
                            let sums = partialSums(latents: latents, parameters: parameters, level: level, feature: j, planes: planes)
                            let start = parentStarts[level] + j * n
                            nk_round_clamp(sums, parameters[biasStarts[level] + j], n, Self.featureRange.lowerBound,
                                           Self.featureRange.upperBound, shared.value.0 + start, shared.value.1 + start)
                        }
                    }
                }
            }
        }
        return features
    }

    /// Feature `j` of feature level `level` before its bias and rounding, `sum_m W_jm v_m` at the
    /// parent resolution, built in the two `planes` (each as large as that resolution); returns the
    /// one that holds it.
    private func partialSums(latents: UnsafePointer<Float>, parameters: UnsafePointer<Float>, level: Int, feature j: Int,
                             planes: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)) -> UnsafeMutablePointer<Float> {
        let sources = grids.sources(of: level), parentResolution = level + 1
        let w = parameters + weightStarts[level] + j * sources.count
        let coarsest = sources.map { grids.resolutions[$0] }.max() ?? parentResolution
        var (sums, coarser) = planes
        for resolution in stride(from: coarsest, through: parentResolution, by: -1) {
            swap(&sums, &coarser)
            let size = grids.sizes[resolution], n = size.width * size.height
            if resolution == coarsest {
                sums.update(repeating: 0, count: n)
            } else {
                Self.spread(coarser, belowWidth: grids.sizes[resolution + 1].width, into: sums, width: size.width, height: size.height)
            }
            for (m, grid) in sources.enumerated() where grids.resolutions[grid] == resolution {
                VectorOps.axpy(w[m], latents + grids.starts[grid], sums, count: n)
            }
        }
        return sums
    }

    /// Planes at least this large are split over threads.
    private static let parallelSize = 4_096

    /// The backward of ``trainingFeatures(latents:parameters:parallel:)`` (rounding passed straight
    /// through): adds the gradients through the features (`gradFeatures`: `f` planes of ``total``,
    /// latent `i` of feature `j` at `j * total + i`) to `gradLatents` and returns the parameters'
    /// gradient. The adjoint of the forward's structure: the gradient is summed over each 2x2 block
    /// on its way to each coarser resolution. A feature per chunk, except the latents' gradients,
    /// split by position; every sum runs in an order that does not depend on the threads.
    func backward(latents: UnsafePointer<Float>, parameters: UnsafePointer<Float>, features: TrainingFeatures,
                  gradFeatures: UnsafePointer<Float>, gradLatents: UnsafeMutablePointer<Float>, parallel: ParallelChunks) -> [Float] {
        let f = featureCount, planeSize = scratchCount / max(1, f)
        var grad = [Float](repeating: 0, count: parameterCount)
        guard featureValueCount > 0, parameterCount > 0 else { return grad }
        // Feature j's gradient at the resolution in hand, and at the next coarser one.
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * scratchCount)
        defer { scratch.deallocate() }
        var (current, coarser) = (scratch, scratch + scratchCount)
        grad.withUnsafeMutableBufferPointer { gradBuffer in
            features.passes.withUnsafeBufferPointer { passes in
                let grad = UnsafeSendableBox(gradBuffer.baseAddress!), passes = passes.baseAddress!
                for level in 0..<grids.featureLevels {
                    let sources = grids.sources(of: level), parentResolution = level + 1
                    let w = parameters + weightStarts[level]
                    let coarsest = sources.map { grids.resolutions[$0] }.max() ?? parentResolution
                    let size = grids.sizes[level], parent = grids.sizes[parentResolution], n = parent.width * parent.height
                    let g = current
                    parallel.run(chunks: n >= Self.parallelSize ? f : 1, over: f) { _, features in
                        for j in features {
                            Self.pool(gradFeatures + j * total + grids.starts[level], width: size.width, height: size.height,
                                      into: g + j * planeSize, coarserWidth: parent.width)
                            Self.multiply(g + j * planeSize, by: passes + parentStarts[level] + j * n, count: n)
                            grad.value[biasStarts[level] + j] = VectorOps.sum(g + j * planeSize, count: n)
                        }
                    }
                    for resolution in parentResolution...coarsest {
                        let size = grids.sizes[resolution], n = size.width * size.height, next = grids.sizes[min(resolution + 1, coarsest)]
                        let resolutionSources = sources.enumerated().filter { grids.resolutions[$0.element] == resolution }
                        let (g, below) = (current, coarser)
                        // The weights' gradients and the gradient one resolution coarser, a feature per chunk.
                        parallel.run(chunks: n >= Self.parallelSize ? f : 1, over: f) { _, features in
                            for j in features {
                                for (m, grid) in resolutionSources {
                                    grad.value[weightStarts[level] + j * sources.count + m] = VectorOps.dot(g + j * planeSize, latents + grids.starts[grid], count: n)
                                }
                                if resolution < coarsest {
                                    Self.pool(g + j * planeSize, width: size.width, height: size.height, into: below + j * planeSize,
                                              coarserWidth: next.width)
                                }
                            }
                        }
                        // The sources' gradients, `sum_j W_jm g_j` (j in order) at each position.
                        parallel.run(chunks: n >= Self.parallelSize ? parallel.threads : 1, over: n) { _, positions in
                            for (m, grid) in resolutionSources {
                                let target = gradLatents + grids.starts[grid] + positions.lowerBound
                                for j in 0..<f {
                                    VectorOps.axpy(w[j * sources.count + m], g + j * planeSize + positions.lowerBound, target,
                                                   count: positions.count)
                                }
                            }
                        }
                        swap(&current, &coarser)
                    }
                }
            }
        }
        return grad
    }

    /// Nearest 2x up-sampling: `out[y][x] = below[y >> 1][x >> 1]` for a `width x height` plane.
    private static func spread(_ below: UnsafePointer<Float>, belowWidth: Int, into out: UnsafeMutablePointer<Float>,
                               width: Int, height: Int) {
        for y in 0..<height { spreadRow(below + (y >> 1) * belowWidth, into: out + y * width, from: 0, to: width) }
    }

    /// `target[x] = source[x >> 1]` for `x` in `x0 ..< x1`, eight at a time.
    @inline(__always)
    static func spreadRow(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, from x0: Int, to x1: Int) {
        var x = x0
        if x & 1 == 1, x < x1 {
            target[x] = source[x >> 1]
            x += 1
        }
        while x + 8 <= x1 {
            let half = UnsafeRawPointer(source + (x >> 1)).loadUnaligned(as: SIMD4<Float>.self)
            var pairs = SIMD8<Float>()
            pairs.evenHalf = half
            pairs.oddHalf = half
            UnsafeMutableRawPointer(target + x).storeBytes(of: pairs, as: SIMD8<Float>.self)
            x += 8
        }
        while x < x1 {
            target[x] = source[x >> 1]
            x += 1
        }
    }

    /// The adjoint of ``spread(_:belowWidth:into:width:height:)``: each value of the coarser plane
    /// (`coarserWidth` wide) is the sum of the up to 2x2 values it covers, `(a00 + a01) + (a10 + a11)`.
    private static func pool(_ plane: UnsafePointer<Float>, width: Int, height: Int, into out: UnsafeMutablePointer<Float>,
                             coarserWidth: Int) {
        for y in stride(from: 0, to: height, by: 2) {
            let top = plane + y * width, target = out + (y >> 1) * coarserWidth
            pairSums(top, width: width, into: target, accumulate: false)
            if y + 1 < height { pairSums(top + width, width: width, into: target, accumulate: true) }
        }
    }

    /// `target[x] (+)= row[2x] + row[2x + 1]` (the second term absent past the row's end), four at a time.
    @inline(__always)
    private static func pairSums(_ row: UnsafePointer<Float>, width: Int, into target: UnsafeMutablePointer<Float>, accumulate: Bool) {
        var x = 0
        while 2 * x + 8 <= width {
            let v = UnsafeRawPointer(row + 2 * x).loadUnaligned(as: SIMD8<Float>.self)
            var sums = v.evenHalf + v.oddHalf
            if accumulate { sums = UnsafeRawPointer(target + x).loadUnaligned(as: SIMD4<Float>.self) + sums }
            UnsafeMutableRawPointer(target + x).storeBytes(of: sums, as: SIMD4<Float>.self)
            x += 4
        }
        while 2 * x < width {
            let sum = 2 * x + 1 < width ? row[2 * x] + row[2 * x + 1] : row[2 * x]
            target[x] = accumulate ? target[x] + sum : sum
            x += 1
        }
    }

    /// `a[i] *= b[i]`, eight at a time.
    @inline(__always)
    private static func multiply(_ a: UnsafeMutablePointer<Float>, by b: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let product = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(a + i).storeBytes(of: product, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            a[i] *= b[i]
            i += 1
        }
    }

    /// Bounds of a feature (those of a latent, so the ARM's integer kernels take it as one).
    static let featureRange: ClosedRange<Float> = -64...63

    /// `clamp(round(sum / 2^exponent), -64, 63)`, halves away from zero: `(sum + 2^(e-1) - [sum < 0]) >> e`
    /// with a wrapping addition and an arithmetic shift (`sum` itself when `e = 0`); `exponent` in
    /// 0...63 (the format's are at most 16). Branch-free, so that a loop hoists everything but the
    /// per-sum arithmetic.
    @inline(__always)
    static func roundedFeature(_ sum: Int64, exponent: Int) -> Int32 {
        let e = Int64(exponent), rounding: Int64 = exponent > 0 ? 1 : 0
        let half = rounding &<< (e &- 1)
        let rounded = (sum &+ half &- ((sum &>> 63) & rounding)) &>> e
        return Int32(truncatingIfNeeded: min(max(rounded, -64), 63))
    }
}

/// The inter-grid features as the latent coder computes them: exact integer arithmetic on the
/// quantised parameters, so that encoder and decoder agree on every machine.
struct InterGridFeatureSource: Sendable {
    let context: InterGridContext
    /// Weights and biases on the finer of their two steps, `2^-exponent`.
    private let weights: [Int64]
    private let biases: [Int64]
    private let exponent: Int

    /// Nil for a model without feature grids.
    init?(context: InterGridContext, networks: QuantizedNetworks) {
        let integers = networks.interGridIntegers()
        guard context.grids.featureLevels > 0, integers.weights.count == context.weightCount,
              integers.biases.count == context.parameterCount - context.weightCount else { return nil }
        self.context = context
        let exponent = max(integers.weightExponent, integers.biasExponent)
        self.exponent = exponent
        weights = integers.weights.map { $0 << Int64(exponent - integers.weightExponent) }
        biases = integers.biases.map { $0 << Int64(exponent - integers.biasExponent) }
    }

    /// The features of grid `grid` from the coarser grids in `latents` (every grid, in buffer
    /// order) at the resolution of the grid above it, the `featureCount` features of a position
    /// adjacent (feature `j` of position `p` at `p * featureCount + j`; latent `(y, x)` of `grid`
    /// takes position `(y >> 1, x >> 1)`); nil for a grid without features. Each feature's sum is
    /// built from the coarsest resolution down, as in training (the wrapping sums are exact in any
    /// order, so this is the definition's value).
    func parentFeatures(grid level: Int, latents: UnsafePointer<Int32>) -> (values: [Int32], width: Int)? {
        let grids = context.grids, f = context.featureCount
        guard level < grids.featureLevels else { return nil }
        let parent = grids.sizes[level + 1], n = parent.width * parent.height
        let sources = grids.sources(of: level), parentResolution = level + 1
        let coarsest = sources.map { grids.resolutions[$0] }.max() ?? parentResolution
        let wStart = context.weightStarts[level], bStart = context.biasStarts[level] - context.weightCount
        // The sources at the parent's resolution: (index among the sources, latents).
        let parentSources = sources.enumerated().filter { grids.resolutions[$0.element] == parentResolution }
            .map { (m: $0.offset, values: latents + grids.starts[$0.element]) }
        var values = [Int32](unsafeUninitializedCapacity: f * n) { _, count in count = f * n }  // every value written below
        let scratch = UnsafeMutablePointer<Int64>.allocate(capacity: 2 * n)
        defer { scratch.deallocate() }
        values.withUnsafeMutableBufferPointer { out in
            guard let out = out.baseAddress else { return }
            for j in 0..<f {
                // The sums of the coarser resolutions, from the coarsest down to the one below the parent's.
                var (sums, coarser) = (scratch, scratch + n)
                for resolution in stride(from: coarsest, to: parentResolution, by: -1) {
                    swap(&sums, &coarser)
                    let size = grids.sizes[resolution], count = size.width * size.height
                    if resolution == coarsest {
                        sums.update(repeating: biases[bStart + j], count: count)
                    } else {
                        Self.nearestUpsampled(coarser, width: grids.sizes[resolution + 1].width, into: sums, size: size)
                    }
                    for (m, grid) in sources.enumerated() where grids.resolutions[grid] == resolution {
                        let weight = weights[wStart + j * sources.count + m], v = latents + grids.starts[grid]
                        for i in 0..<count { sums[i] = sums[i] &+ weight &* Int64(v[i]) }
                    }
                }
                // The parent's resolution in one pass: the coarser sums (or the bias) up-sampled, its
                // own sources added, rounded.
                // Row y's coarser sums start at (y >> 1) * rowStride, x's at x >> step: the resolution
                // below, or (with nothing coarser) one row of the bias for every row.
                let (rowStride, step) = coarsest > parentResolution ? (grids.sizes[parentResolution + 1].width, 1) : (0, 0)
                if rowStride == 0 { sums.update(repeating: biases[bStart + j], count: parent.width) }
                let weightsHere = parentSources.map { weights[wStart + j * sources.count + $0.m] }
                for y in 0..<parent.height {
                    let row = sums + (y >> 1) * rowStride
                    let first = y * parent.width, target = out + first * f + j
                    if parentSources.count == 1 {
                        let weight = weightsHere[0], v = parentSources[0].values + first
                        for x in 0..<parent.width {
                            let sum = row[x >> step] &+ weight &* Int64(v[x])
                            target[x * f] = InterGridContext.roundedFeature(sum, exponent: exponent)
                        }
                    } else {
                        for x in 0..<parent.width {
                            var sum = row[x >> step]
                            for (k, source) in parentSources.enumerated() {
                                sum = sum &+ weightsHere[k] &* Int64(source.values[first + x])
                            }
                            target[x * f] = InterGridContext.roundedFeature(sum, exponent: exponent)
                        }
                    }
                }
            }
        }
        return (values, parent.width)
    }

    /// `target` (`size`) as the nearest up-sampling of `source` (`sourceWidth` wide, half the size).
    private static func nearestUpsampled(_ source: UnsafePointer<Int64>, width sourceWidth: Int,
                                         into target: UnsafeMutablePointer<Int64>, size: (width: Int, height: Int)) {
        for y in 0..<size.height {
            let sourceRow = source + (y >> 1) * sourceWidth, targetRow = target + y * size.width
            for x in 0..<size.width { targetRow[x] = sourceRow[x >> 1] }
        }
    }
}
