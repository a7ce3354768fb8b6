import CNeuralKernels
import NeuralKernels

/// Cool-chic 5's pre-concatenation filter: before the up-sampler stacks it, each latent grid but the
/// coarsest becomes `g + K * g`, `K` the outer product of a symmetric 7-tap kernel
/// `(v3, v2, v1, v0, v1, v2, v3)` with itself (4 free values per grid), zero padding at the edges.
/// Its kernels start as a Dirac (`v0 = 1`), so the filter starts by doubling the grid. (Ladune et
/// al., Cool-chic 5.0 release, 2025: `ups_preconcat_k_size = 7` in its decoder presets.)
///
/// Filtering is separable: rows, then columns, then the grid itself added. Every sum is formed in a
/// fixed order, so the result does not depend on the thread count.
struct PreConcatenationFilter {
    let geometry: LatentGeometry

    /// Taps on each side of the centre.
    static let radius = 3
    /// Free values per grid.
    static let valuesPerGrid = radius + 1
    /// The initial kernel of every grid: a Dirac.
    static let dirac: [Float] = [1, 0, 0, 0]
    /// Row bands each grid's passes are split into (fixed, so that sums do not depend on the thread count).
    private static let bands = 16

    /// Filtered grids: `count(levels - 1)` kernels of ``valuesPerGrid`` values, coarse to fine (kernel
    /// `f` filters grid `levels - 2 - f`, as the up-sampler's steps are ordered).
    var filteredLevels: Int { max(0, geometry.levels - 1) }

    /// Where grid `level`'s kernel values (centre first) start in a slice laid out as the values.
    private func start(of level: Int, in values: ArraySlice<Float>) -> Int {
        values.startIndex + Self.valuesPerGrid * (geometry.levels - 2 - level)
    }

    /// The grid `level`'s kernel values (centre first) in `values`.
    private func kernel(_ values: ArraySlice<Float>, level: Int) -> SIMD4<Float> {
        let start = start(of: level, in: values)
        return SIMD4(values[start], values[start + 1], values[start + 2], values[start + 3])
    }

    /// Saved by ``forward(latents:values:parallel:trace:)`` for the backward pass: the row pass of
    /// each filtered grid, finest first.
    struct Trace {
        var rowPasses: [[Float]] = []
    }

    /// `latents` (the synthesis grids, finest first, then anything else, which is copied) with every
    /// grid but the coarsest filtered.
    func forward(latents: [Float], values: ArraySlice<Float>, parallel: ParallelChunks, trace: inout Trace?) -> [Float] {
        var saved = Trace()
        let filteredEnd = geometry.offset(level: filteredLevels)
        let output = [Float](unsafeUninitializedCapacity: latents.count) { outBuffer, initialized in
            initialized = latents.count
            // The rest is copied; the filtered grids are written in full below.
            _ = UnsafeMutableBufferPointer(rebasing: outBuffer[filteredEnd...]).initialize(from: latents[filteredEnd...])
            for level in 0..<filteredLevels {
                let (width, height) = geometry.gridSizes[level]
                let offset = geometry.offset(level: level)
                let k = kernel(values, level: level)
                let rows = Self.uninitialized(count: width * height) { rowBuffer in
                    latents.withUnsafeBufferPointer { source in
                        let pointers = UnsafeSendableBox((source.baseAddress! + offset, rowBuffer, outBuffer.baseAddress! + offset))
                        parallel.run(chunks: Self.bands, over: height) { _, band in
                            let (grid, rows, _) = pointers.value
                            Self.filterRows(grid, width: width, rows: band, kernel: k, into: rows)
                        }
                        parallel.run(chunks: Self.bands, over: height) { _, band in
                            let (grid, rows, out) = pointers.value
                            Self.filterColumns(rows, width: width, height: height, rows: band, kernel: k, adding: grid, into: out)
                        }
                    }
                }
                if trace != nil { saved.rowPasses.append(rows) }
            }
        }
        if trace != nil { trace = saved }
        return output
    }

    /// Grid `level` of ``forward(latents:values:parallel:trace:)``'s output alone, by the same
    /// passes (the grid itself when it is not filtered).
    func filteredGrid(_ level: Int, latents: [Float], values: ArraySlice<Float>) -> [Float] {
        let (width, height) = geometry.gridSizes[level]
        let offset = geometry.offset(level: level)
        guard level < filteredLevels else { return Array(latents[offset..<(offset + width * height)]) }
        let k = kernel(values, level: level)
        return latents.withUnsafeBufferPointer { source in
            let grid = source.baseAddress! + offset
            let rows = Self.uninitialized(count: width * height) { Self.filterRows(grid, width: width, rows: 0..<height, kernel: k, into: $0) }
            return rows.withUnsafeBufferPointer { r in
                Self.uninitialized(count: width * height) {
                    Self.filterColumns(r.baseAddress!, width: width, height: height, rows: 0..<height, kernel: k, adding: grid, into: $0)
                }
            }
        }
    }

    /// From the gradient w.r.t. ``forward``'s output, the gradient w.r.t. its input latents (added to
    /// `gradLatents`) and w.r.t. the kernel values (added to `gradValues`, laid out as `values`), the
    /// latter summed over the row bands `weightGradients` takes and scaled up (an unbiased estimate,
    /// as for the synthesis's weights).
    func backward(gradOutput: [Float], latents: [Float], values: ArraySlice<Float>, trace: Trace, parallel: ParallelChunks,
                  weightGradients: ChunkSampling, gradLatents: inout [Float], gradValues: inout ArraySlice<Float>) {
        parallel.add(gradOutput[...], into: &gradLatents, at: 0)
        for level in 0..<filteredLevels {
            let (width, height) = geometry.gridSizes[level]
            let offset = geometry.offset(level: level)
            let k = kernel(values, level: level)
            // u = C^T g = C g (symmetric kernel, zero padding), then R^T u = R u goes to the grid.
            var partial = [SIMD8<Float>](repeating: .zero, count: Self.bands)
            let gradGrid = Self.uninitialized(count: width * height) { r in
                _ = Self.uninitialized(count: width * height) { u in
                    gradOutput.withUnsafeBufferPointer { g in
                        latents.withUnsafeBufferPointer { source in
                            trace.rowPasses[level].withUnsafeBufferPointer { h in
                                partial.withUnsafeMutableBufferPointer { sums in
                                    let pointers = UnsafeSendableBox((g.baseAddress! + offset, source.baseAddress! + offset,
                                                                      u, r, h.baseAddress!, sums.baseAddress!))
                                    parallel.run(chunks: Self.bands, over: height) { band, rows in
                                        let (g, _, u, _, h, sums) = pointers.value
                                        Self.filterColumns(g, width: width, height: height, rows: rows, kernel: k, adding: nil, into: u)
                                        guard weightGradients.includes(chunk: band) else { return }
                                        sums[band] = Self.columnTapSums(g, h, width: width, height: height, rows: rows)
                                    }
                                    parallel.run(chunks: Self.bands, over: height) { band, rows in
                                        let (_, grid, u, r, _, sums) = pointers.value
                                        Self.filterRows(u, width: width, rows: rows, kernel: k, into: r)
                                        guard weightGradients.includes(chunk: band) else { return }
                                        sums[band] += Self.rowTapSums(u, grid, width: width, rows: rows)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            parallel.add(gradGrid[...], into: &gradLatents, at: offset)
            // Tap sums (lanes 0...6 = taps -3...3) folded onto the free values.
            let taps = partial.reduce(SIMD8<Float>.zero, +) * weightGradients.scale
            let start = start(of: level, in: gradValues)
            gradValues[start] += taps[3]
            for d in 1...Self.radius { gradValues[start + d] += taps[3 - d] + taps[3 + d] }
        }
    }

    /// A `count`-element array that `fill` writes in full.
    private static func uninitialized(count: Int, _ fill: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { fill(base) }
            initialized = count
        }
    }

    /// Tap `t` (-3...3) of the 7-tap kernel.
    @inline(__always)
    private static func tap(_ k: SIMD4<Float>, _ t: Int) -> Float { k[abs(t)] }

    /// Rows `rows` of the horizontal pass: `out[y][x] = sum_t w(t) grid[y][x + t]`, taps -3...3 in
    /// order, zero outside the row. At `level` AVX-512 (at most ``Acceleration/level``; tests pass
    /// `.portable` to compare) `nk_prefilter_rows_avx512` does the same operations.
    static func filterRows(_ grid: UnsafePointer<Float>, width: Int, rows: Range<Int>, kernel k: SIMD4<Float>,
                           into out: UnsafeMutablePointer<Float>, level: Acceleration.Level = Acceleration.level) {
        if min(level, Acceleration.level) >= .avx512 {
            withUnsafeBytes(of: k) { values in
                nk_prefilter_rows_avx512(grid, width, rows.lowerBound, rows.upperBound,
                                         values.baseAddress!.assumingMemoryBound(to: Float.self), out)
            }
            return
        }
        for y in rows {
            let row = grid + y * width, o = out + y * width
            var x = 0
            while x < width {
                if x >= radius && x + 8 + radius <= width {
                    var sum = SIMD8<Float>.zero
                    for t in -radius...radius {
                        sum = sum + UnsafeRawPointer(row + x + t).loadUnaligned(as: SIMD8<Float>.self) * tap(k, t)
                    }
                    UnsafeMutableRawPointer(o + x).storeBytes(of: sum, as: SIMD8<Float>.self)
                    x += 8
                } else {
                    var sum: Float = 0
                    for t in -radius...radius where x + t >= 0 && x + t < width { sum = sum + row[x + t] * tap(k, t) }
                    o[x] = sum
                    x += 1
                }
            }
        }
    }

    /// Rows `rows` of the vertical pass: `out[y][x] = base[y][x] + s` with `s = sum_t w(t) plane[y + t][x]`
    /// (taps in order, zero outside the plane), `out[y][x] = s` without `base`. At `level` AVX-512 (at
    /// most ``Acceleration/level``; tests pass `.portable` to compare) `nk_prefilter_columns_avx512`
    /// does the same operations.
    static func filterColumns(_ plane: UnsafePointer<Float>, width: Int, height: Int, rows: Range<Int>,
                              kernel k: SIMD4<Float>, adding base: UnsafePointer<Float>?, into out: UnsafeMutablePointer<Float>,
                              level: Acceleration.Level = Acceleration.level) {
        if min(level, Acceleration.level) >= .avx512 {
            withUnsafeBytes(of: k) { values in
                nk_prefilter_columns_avx512(plane, width, height, rows.lowerBound, rows.upperBound,
                                            values.baseAddress!.assumingMemoryBound(to: Float.self), base, out)
            }
            return
        }
        for y in rows {
            let taps = max(-radius, -y)...min(radius, height - 1 - y)
            let o = out + y * width
            var x = 0
            while x + 8 <= width {
                var sum = SIMD8<Float>.zero
                for t in taps {
                    sum = sum + UnsafeRawPointer(plane + (y + t) * width + x).loadUnaligned(as: SIMD8<Float>.self) * tap(k, t)
                }
                if let base { sum = UnsafeRawPointer(base + y * width + x).loadUnaligned(as: SIMD8<Float>.self) + sum }
                UnsafeMutableRawPointer(o + x).storeBytes(of: sum, as: SIMD8<Float>.self)
                x += 8
            }
            while x < width {
                var sum: Float = 0
                for t in taps { sum = sum + plane[(y + t) * width + x] * tap(k, t) }
                o[x] = base.map { $0[y * width + x] + sum } ?? sum
                x += 1
            }
        }
    }

    /// Lanes 0...6: `sum over rows y, columns x of g[y][x] * h[y + t][x]` for taps t = -3...3 (row
    /// dot products added in row order).
    private static func columnTapSums(_ g: UnsafePointer<Float>, _ h: UnsafePointer<Float>, width: Int, height: Int,
                                      rows: Range<Int>) -> SIMD8<Float> {
        var result = SIMD8<Float>.zero
        for t in -radius...radius {
            var sum: Float = 0
            for y in rows where (0..<height).contains(y + t) {
                sum += VectorOps.dot(g + y * width, h + (y + t) * width, count: width)
            }
            result[t + radius] = sum
        }
        return result
    }

    /// Lanes 0...6: `sum over rows y, columns x of u[y][x] * grid[y][x + t]` for taps t = -3...3 (row
    /// dot products added in row order).
    private static func rowTapSums(_ u: UnsafePointer<Float>, _ grid: UnsafePointer<Float>, width: Int,
                                   rows: Range<Int>) -> SIMD8<Float> {
        var result = SIMD8<Float>.zero
        for t in -radius...radius {
            let first = max(0, -t), end = min(width, width - t)  // x with 0 <= x + t < width
            var sum: Float = 0
            for y in rows where end > first {
                sum += VectorOps.dot(u + y * width + first, grid + y * width + first + t, count: end - first)
            }
            result[t + radius] = sum
        }
        return result
    }
}
