import CNeuralKernels
import NeuralKernels

/// Learned x2 up-sampling of the latent grids to full resolution (Cool-chic's separable transposed
/// convolution: Ladune et al., "Cool-chic: Coordinate-based low complexity hierarchical image codec",
/// 2023, and Leguay et al. 2023).
///
/// Coarse to fine, a stack of planes starts as the coarsest grid; each step up-samples every plane of
/// the stack by two (rows then columns, the same symmetric 8-tap kernel, replicate padding), crops
/// it to the next grid's size and appends that grid. The result has one full-resolution plane per
/// grid, coarsest first.
struct Upsampler {
    let geometry: LatentGeometry

    /// Saved by ``forward`` for ``backward``: per step, the stack before up-sampling and after the
    /// horizontal pass.
    struct Trace {
        var sources: [[[Float]]] = []
        var horizontal: [[[Float]]] = []
    }

    // Output `j` of a x2 transposed filter reads inputs `j / 2 + (-2, -1, 0, 1)` with kernel values
    // `(k3, k1, k0, k2)` when `j` is even, `j / 2 + (-1, 0, 1, 2)` with `(k2, k0, k1, k3)` when odd
    // (value 0 is nearest to the output position); indices are clamped to the edges.

    /// The full-resolution planes, one per grid (coarsest first), back to back in one buffer, from
    /// the latents (all grids, finest first), with what ``backward`` needs in `trace` (training; the
    /// decoder goes by bands of rows: ``stackBeforeLastStep(latents:kernels:parallel:)``).
    func forward(latents: [Float], kernels: [Float], parallel: ParallelChunks, trace: inout Trace) -> [Float] {
        let levels = geometry.levels
        let pixels = geometry.width * geometry.height
        var stack = [grid(latents, level: levels - 1)]
        trace = Trace()
        var features: [Float] = []
        for level in stride(from: levels - 2, through: 0, by: -1) {
            let source = geometry.gridSizes[level + 1]
            let target = geometry.gridSizes[level]
            let kernel = stepKernel(level: level, kernels: kernels)
            let channels = stack.count
            var horizontal = [[Float]](repeating: [], count: channels)
            var upsampled = [[Float]](repeating: [], count: level == 0 ? 0 : channels)
            if level == 0 {
                features = [Float](unsafeUninitializedCapacity: levels * pixels) { buffer, count in
                    count = levels * pixels
                    // The finest grid is the last plane; the up-sampled ones are written below.
                    latents.withUnsafeBufferPointer { source in
                        guard let from = source.baseAddress, let to = buffer.baseAddress,
                              geometry.offset(level: 0) + pixels <= source.count else { return }
                        parallel.copy(from + geometry.offset(level: 0), into: to + channels * pixels, count: pixels)
                    }
                }
            }
            horizontal.withUnsafeMutableBufferPointer { hBuffer in
                upsampled.withUnsafeMutableBufferPointer { uBuffer in
                    features.withUnsafeMutableBufferPointer { fBuffer in
                        let h = UnsafeSendableBox(hBuffer), u = UnsafeSendableBox(uBuffer), f = UnsafeSendableBox(fBuffer)
                        parallel.run(chunks: channels) { channel in
                            let rows = Self.filterRows(stack[channel], width: source.width, height: source.height,
                                                       targetWidth: target.width, kernel: kernel)
                            if level == 0, let base = f.value.baseAddress {
                                Self.filterColumns(rows, width: target.width, height: source.height,
                                                   targetHeight: target.height, kernel: kernel, into: base + channel * pixels)
                            } else {
                                u.value[channel] = Self.filterColumns(rows, width: target.width, height: source.height,
                                                                      targetHeight: target.height, kernel: kernel)
                            }
                            h.value[channel] = rows
                        }
                    }
                }
            }
            trace.sources.append(stack)
            trace.horizontal.append(horizontal)
            guard level > 0 else { break }  // the features are complete
            stack = upsampled
            stack.append(grid(latents, level: level))
        }
        return levels == 1 ? stack[0] : features
    }

    /// The stack ``forward(latents:kernels:parallel:trace:)`` up-samples in its last step: every grid
    /// but the finest, up-sampled to grid 1's size (coarsest first, grid 1 last), each by ``plane(of:grid:kernels:until:)``;
    /// empty for a model with one grid. ``finestRows(_:stack:latents:kernels:parallel:)`` then does
    /// the last step a band of rows at a time.
    func stackBeforeLastStep(latents: [Float], kernels: [Float], parallel: ParallelChunks) -> [[Float]] {
        let levels = geometry.levels
        guard levels >= 2 else { return [] }
        var stack = [[Float]](repeating: [], count: levels - 1)
        stack.withUnsafeMutableBufferPointer { buffer in
            let planes = UnsafeSendableBox(buffer)
            parallel.run(chunks: levels - 1) { channel in
                let level = levels - 1 - channel  // coarsest first
                planes.value[channel] = plane(of: level, grid: grid(latents, level: level), kernels: kernels, until: 1)
            }
        }
        return stack
    }

    /// Rows `rows` of ``forward(latents:kernels:parallel:trace:)``'s planes (coarsest first, each
    /// `rows.count` full-width rows, back to back), from `stack` (``stackBeforeLastStep(latents:kernels:parallel:)``)
    /// and the finest grid of `latents`. The last step runs on just the source rows these rows read
    /// (output row `y` reads rows `y / 2 - 2 ... y / 2 + 2`, clamped to the plane): on that band the
    /// clamps fall where they fall in the whole plane, so every value is the whole pass's.
    func finestRows(_ rows: Range<Int>, stack: [[Float]], latents: [Float], kernels: [Float],
                    parallel: ParallelChunks) -> [Float] {
        let width = geometry.width, count = rows.count * width, channels = stack.count
        let finest = geometry.offset(level: 0) + rows.lowerBound * width
        var planes = [Float](unsafeUninitializedCapacity: (channels + 1) * count) { buffer, initialized in
            initialized = (channels + 1) * count
            _ = buffer[(channels * count)...].update(fromContentsOf: latents[finest..<(finest + count)])
        }
        guard channels > 0 else { return planes }
        let source = geometry.gridSizes[1], kernel = stepKernel(level: 0, kernels: kernels)
        let first = max(0, rows.lowerBound / 2 - 2), end = min(source.height, (rows.upperBound - 1) / 2 + 3)
        // Output rows 2 first ..< rows.upperBound of the band, of which the first `skipped` are not wanted.
        let computed = rows.upperBound - 2 * first, skipped = (rows.lowerBound - 2 * first) * width
        planes.withUnsafeMutableBufferPointer { buffer in
            let out = UnsafeSendableBox(buffer)
            parallel.run(chunks: channels) { channel in
                let band = Array(stack[channel][(first * source.width)..<(end * source.width)])
                let horizontal = Self.filterRows(band, width: source.width, height: end - first, targetWidth: width, kernel: kernel)
                let vertical = Self.filterColumns(horizontal, width: width, height: end - first, targetHeight: computed,
                                                  kernel: kernel)
                _ = out.value[(channel * count)..<((channel + 1) * count)].update(fromContentsOf: vertical[skipped..<(skipped + count)])
            }
        }
        return planes
    }

    /// The kernel values (4) of the x2 step to grid `level`'s size.
    private func stepKernel(level: Int, kernels: [Float]) -> [Float] {
        let step = geometry.levels - 2 - level
        return Array(kernels[(4 * step)..<(4 * step + 4)])
    }

    /// Grid `level` alone up-sampled to grid `finest`'s size (full resolution by default; `grid` its
    /// values, pre-filtered when the model filters): the plane ``forward`` gives it, by the same
    /// passes, for a caller that changes one grid at a time or stops short of the last steps.
    func plane(of level: Int, grid: [Float], kernels: [Float], until finest: Int = 0) -> [Float] {
        var plane = grid
        for target in stride(from: level - 1, through: finest, by: -1) {
            let source = geometry.gridSizes[target + 1], size = geometry.gridSizes[target]
            let kernel = stepKernel(level: target, kernels: kernels)
            let rows = Self.filterRows(plane, width: source.width, height: source.height, targetWidth: size.width, kernel: kernel)
            plane = Self.filterColumns(rows, width: size.width, height: source.height, targetHeight: size.height, kernel: kernel)
        }
        return plane
    }

    /// Gradients w.r.t. the latents (added to `gradLatents`) and the kernels (added to `gradKernels`)
    /// from the gradient w.r.t. the features (``forward``'s output: one full-resolution plane per grid).
    func backward(gradFeatures: [Float], kernels: [Float], trace: Trace, parallel: ParallelChunks,
                  gradLatents: inout [Float], gradKernels: inout [Float]) {
        let levels = geometry.levels
        let pixels = gradFeatures.count / levels
        // The planes read in place (slices of one buffer, then of each step's outputs): no copies.
        var grad = (0..<levels).map { gradFeatures[($0 * pixels)..<(($0 + 1) * pixels)] }
        // Steps were recorded coarse to fine (step s produces grid levels - 2 - s); walk them back.
        for step in stride(from: levels - 2, through: 0, by: -1) {
            let fineLevel = levels - 2 - step
            let source = geometry.gridSizes[fineLevel + 1]
            let target = geometry.gridSizes[fineLevel]
            let kernel = Array(kernels[(4 * step)..<(4 * step + 4)])
            parallel.add(grad[grad.count - 1], into: &gradLatents, at: geometry.offset(level: fineLevel))
            let channels = grad.count - 1
            var gradSources = [[Float]](repeating: [], count: channels)
            var kernelGrads = [[Float]](repeating: [0, 0, 0, 0], count: channels)
            gradSources.withUnsafeMutableBufferPointer { sBuffer in
                kernelGrads.withUnsafeMutableBufferPointer { kBuffer in
                    let s = UnsafeSendableBox(sBuffer)
                    let k = UnsafeSendableBox(kBuffer)
                    parallel.run(chunks: channels) { channel in
                        var kg: [Float] = [0, 0, 0, 0]
                        let gradRows = Self.filterColumnsBackward(
                            grad[channel], rows: trace.horizontal[step][channel], width: target.width,
                            height: source.height, targetHeight: target.height, kernel: kernel, gradKernel: &kg)
                        s.value[channel] = Self.filterRowsBackward(
                            gradRows, source: trace.sources[step][channel], width: source.width,
                            height: source.height, targetWidth: target.width, kernel: kernel, gradKernel: &kg)
                        k.value[channel] = kg
                    }
                }
            }
            for channel in 0..<channels {
                for t in 0..<4 { gradKernels[4 * step + t] += kernelGrads[channel][t] }
            }
            grad = gradSources.map { $0[...] }
        }
        parallel.add(grad[0], into: &gradLatents, at: geometry.offset(level: levels - 1))
    }

    private func grid(_ latents: [Float], level: Int) -> [Float] {
        let offset = geometry.offset(level: level)
        return Array(latents[offset..<(offset + geometry.count(level: level))])
    }

    /// Source index and kernel value index of tap `t` for output `j` (see the note above).
    @inline(__always)
    private static func tap(_ j: Int, _ t: Int, count: Int) -> (index: Int, coefficient: Int) {
        let phase = j & 1
        let offset = phase == 0 ? t - 2 : t - 1
        let coefficient = phase == 0 ? (t == 0 ? 3 : t == 1 ? 1 : t == 2 ? 0 : 2) : (t == 0 ? 2 : t == 1 ? 0 : t == 2 ? 1 : 3)
        return (min(max(j / 2 + offset, 0), count - 1), coefficient)
    }

    /// The C pass of `level` (capped at ``Acceleration/level``), or nil below AVX2 (then the Swift loops run).
    private static func vectorKernel<Kernel>(_ level: Acceleration.Level, avx512: Kernel, avx2: Kernel) -> Kernel? {
        let level = min(level, Acceleration.level)
        return level >= .avx512 ? avx512 : level >= .avx2 ? avx2 : nil
    }

    /// Up-samples each row of a `width x height` plane to `targetWidth` columns. At `level` (at most
    /// ``Acceleration/level``; tests pass `.portable` to compare) AVX-512 or AVX2,
    /// `nk_upsample_rows_avx512` or `nk_upsample_rows_avx2` does the same operations.
    static func filterRows(_ plane: [Float], width: Int, height: Int, targetWidth: Int, kernel: [Float],
                           level: Acceleration.Level = Acceleration.level) -> [Float] {
        [Float](unsafeUninitializedCapacity: targetWidth * height) { destination, count in
            count = targetWidth * height
            plane.withUnsafeBufferPointer { source in
                guard let source = source.baseAddress, let destination = destination.baseAddress else { return }
                if let pass = vectorKernel(level, avx512: nk_upsample_rows_avx512, avx2: nk_upsample_rows_avx2) {
                    pass(source, width, height, targetWidth, kernel, destination)
                    return
                }
                for y in 0..<height {
                    filterRow(source + y * width, width: width, into: destination + y * targetWidth,
                              targetWidth: targetWidth, kernel: kernel)
                }
            }
        }
    }

    /// One row of ``filterRows``: outputs `2i` and `2i + 1` for source positions `i` with all four
    /// taps inside (`2 <= i < width - 2`) are computed eight positions at a time, with the same
    /// operations per output as the scalar expression; the others through ``tap(_:_:count:)``.
    @inline(__always)
    private static func filterRow(_ row: UnsafePointer<Float>, width: Int, into o: UnsafeMutablePointer<Float>,
                                  targetWidth: Int, kernel: [Float]) {
        let k = (kernel[0], kernel[1], kernel[2], kernel[3])
        let raw = UnsafeRawPointer(row)
        var vectorEnd = 0  // outputs [4, vectorEnd) are done by the vector loop
        var i = 2
        while i + 8 <= width - 2, 2 * i + 16 <= targetWidth {
            let m2 = raw.loadUnaligned(fromByteOffset: (i - 2) * 4, as: SIMD8<Float>.self)
            let m1 = raw.loadUnaligned(fromByteOffset: (i - 1) * 4, as: SIMD8<Float>.self)
            let c0 = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let p1 = raw.loadUnaligned(fromByteOffset: (i + 1) * 4, as: SIMD8<Float>.self)
            let p2 = raw.loadUnaligned(fromByteOffset: (i + 2) * 4, as: SIMD8<Float>.self)
            let even = m2 * k.3 + m1 * k.1 + c0 * k.0 + p1 * k.2
            let odd = m1 * k.2 + c0 * k.0 + p1 * k.1 + p2 * k.3
            let target = o + 2 * i
            for lane in 0..<8 {
                target[2 * lane] = even[lane]
                target[2 * lane + 1] = odd[lane]
            }
            i += 8
            vectorEnd = 2 * i
        }
        for x in 0..<targetWidth where x < 4 || x >= vectorEnd {
            let i = x >> 1
            if i >= 2 && i + 2 < width {
                o[x] = (x & 1) == 0
                    ? k.3 * row[i - 2] + k.1 * row[i - 1] + k.0 * row[i] + k.2 * row[i + 1]
                    : k.2 * row[i - 1] + k.0 * row[i] + k.1 * row[i + 1] + k.3 * row[i + 2]
            } else {
                var sum: Float = 0
                for t in 0..<4 {
                    let (index, coefficient) = tap(x, t, count: width)
                    sum = sum + kernel[coefficient] * row[index]
                }
                o[x] = sum
            }
        }
    }

    /// Up-samples each column of a `width x height` plane to `targetHeight` rows: each output row
    /// is `0 + c_0 s_0 + c_1 s_1 + c_2 s_2 + c_3 s_3` over its four source rows, in tap order.
    static func filterColumns(_ plane: [Float], width: Int, height: Int, targetHeight: Int, kernel: [Float]) -> [Float] {
        [Float](unsafeUninitializedCapacity: width * targetHeight) { buffer, count in
            count = width * targetHeight
            if let base = buffer.baseAddress {
                filterColumns(plane, width: width, height: height, targetHeight: targetHeight, kernel: kernel, into: base)
            }
        }
    }

    /// ``filterColumns(_:width:height:targetHeight:kernel:)`` into `destination` (`width * targetHeight`
    /// values, all overwritten); at `level` AVX-512 or AVX2 with the same operations in C.
    static func filterColumns(_ plane: [Float], width: Int, height: Int, targetHeight: Int, kernel: [Float],
                              into destination: UnsafeMutablePointer<Float>, level: Acceleration.Level = Acceleration.level) {
        plane.withUnsafeBufferPointer { source in
            guard let source = source.baseAddress else { return }
            if let pass = vectorKernel(level, avx512: nk_upsample_columns_avx512, avx2: nk_upsample_columns_avx2) {
                pass(source, width, height, targetHeight, kernel, destination)
                return
            }
            for y in 0..<targetHeight {
                    let t = (0..<4).map { tap(y, $0, count: height) }
                    let rows = t.map { UnsafeRawPointer(source + $0.index * width) }
                    let c = t.map { kernel[$0.coefficient] }
                    let o = destination + y * width
                    var x = 0
                    while x + 8 <= width {
                        var acc = SIMD8<Float>.zero
                        acc = acc + rows[0].loadUnaligned(fromByteOffset: x * 4, as: SIMD8<Float>.self) * c[0]
                        acc = acc + rows[1].loadUnaligned(fromByteOffset: x * 4, as: SIMD8<Float>.self) * c[1]
                        acc = acc + rows[2].loadUnaligned(fromByteOffset: x * 4, as: SIMD8<Float>.self) * c[2]
                        acc = acc + rows[3].loadUnaligned(fromByteOffset: x * 4, as: SIMD8<Float>.self) * c[3]
                        UnsafeMutableRawPointer(o).storeBytes(of: acc, toByteOffset: x * 4, as: SIMD8<Float>.self)
                        x += 8
                    }
                    while x < width {
                        var acc: Float = 0
                        for j in 0..<4 { acc = acc + rows[j].load(fromByteOffset: x * 4, as: Float.self) * c[j] }
                        o[x] = acc
                        x += 1
                    }
            }
        }
    }

    /// Backward of ``filterColumns(_:width:height:targetHeight:kernel:)``: the gradient w.r.t. its
    /// `width x height` input plane `rows` from the gradient `grad` (`width x targetHeight`) of its
    /// output, and the kernel gradient added to `gradKernel`. At `level` (at most
    /// ``Acceleration/level``; tests pass `.portable` to compare) AVX-512 or AVX2,
    /// `nk_upsample_columns_backward_avx512` or `_avx2` does the same operations.
    static func filterColumnsBackward(_ grad: ArraySlice<Float>, rows: [Float], width: Int, height: Int, targetHeight: Int,
                                      kernel: [Float], gradKernel: inout [Float],
                                      level: Acceleration.Level = Acceleration.level) -> [Float] {
        [Float](unsafeUninitializedCapacity: width * height) { destination, count in
            count = width * height
            grad.withUnsafeBufferPointer { g in
                rows.withUnsafeBufferPointer { r in
                    guard let g = g.baseAddress, let r = r.baseAddress, let out = destination.baseAddress else { return }
                    if let pass = vectorKernel(level, avx512: nk_upsample_columns_backward_avx512,
                                               avx2: nk_upsample_columns_backward_avx2) {
                        pass(g, r, width, height, targetHeight, kernel, &gradKernel, out)
                        return
                    }
                    out.initialize(repeating: 0, count: width * height)
                    for y in 0..<targetHeight {
                        let gy = g + y * width
                        for t in 0..<4 {
                            let (row, coefficient) = tap(y, t, count: height)
                            VectorOps.axpy(kernel[coefficient], gy, out + row * width, count: width)
                            gradKernel[coefficient] += VectorOps.dot(gy, r + row * width, count: width)
                        }
                    }
                }
            }
        }
    }

    /// Backward of ``filterRows(_:width:height:targetWidth:kernel:level:)``: the gradient w.r.t. the
    /// source plane, and the kernel gradient added to `gradKernel`. At `level` (at most
    /// ``Acceleration/level``; tests pass `.portable` to compare) AVX2 or above,
    /// `nk_upsample_rows_backward_avx2` does the same operations (16 lanes were no faster).
    static func filterRowsBackward(_ grad: [Float], source: [Float], width: Int, height: Int, targetWidth: Int,
                                   kernel: [Float], gradKernel: inout [Float],
                                   level: Acceleration.Level = Acceleration.level) -> [Float] {
        [Float](unsafeUninitializedCapacity: width * height) { destination, count in
            count = width * height
            grad.withUnsafeBufferPointer { g in
                source.withUnsafeBufferPointer { s in
                    guard let g = g.baseAddress, let s = s.baseAddress, let o = destination.baseAddress else { return }
                    if let pass = vectorKernel(level, avx512: nk_upsample_rows_backward_avx2,
                                               avx2: nk_upsample_rows_backward_avx2) {
                        withUnsafeTemporaryAllocation(of: Float.self, capacity: targetWidth) { scratch in
                            guard let scratch = scratch.baseAddress else { return }
                            pass(g, s, width, height, targetWidth, kernel, &gradKernel, scratch, o)
                        }
                        return
                    }
                    var dk = SIMD4<Float>.zero
                    for y in 0..<height {
                        dk += filterRowBackward(g + y * targetWidth, targetWidth: targetWidth, source: s + y * width,
                                                width: width, kernel: kernel, into: o + y * width)
                    }
                    for t in 0..<4 { gradKernel[t] += dk[t] }
                }
            }
        }
    }

    /// One row of ``filterRowsBackward``: writes the source gradient `o` (`width` values) and returns
    /// the row's kernel gradient. Outputs `2i` and `2i + 1` with `2 <= i < width - 2` read their four
    /// taps unclamped (see ``filterRow``), so source `j` with `4 <= j < width - 4` receives only such
    /// outputs: `o[j] = k0 (e[j] + d[j]) + k1 (e[j+1] + d[j-1]) + k2 (e[j-1] + d[j+1]) + k3 (e[j+2] +
    /// d[j-2])` with `e[i] = g[2i]`, `d[i] = g[2i+1]`, eight sources at a time. Every other
    /// contribution (outputs near the edges, sources near the edges) goes through
    /// ``tap(_:_:count:)`` one at a time.
    @inline(__always)
    private static func filterRowBackward(_ g: UnsafePointer<Float>, targetWidth: Int, source s: UnsafePointer<Float>,
                                          width: Int, kernel: [Float], into o: UnsafeMutablePointer<Float>) -> SIMD4<Float> {
        let k = SIMD4<Float>(kernel[0], kernel[1], kernel[2], kernel[3])
        o.update(repeating: 0, count: width)
        let vectorStart = 4, vectorEnd = max(4, width - 4)
        var j = vectorStart
        @inline(__always) func pairs(_ i: Int) -> SIMD16<Float> { UnsafeRawPointer(g + 2 * i).loadUnaligned(as: SIMD16<Float>.self) }
        @inline(__always) func even(_ i: Int) -> SIMD8<Float> { pairs(i).evenHalf }
        @inline(__always) func odd(_ i: Int) -> SIMD8<Float> { pairs(i).oddHalf }
        while j + 8 <= vectorEnd {
            let sum = (even(j) + odd(j)) * k[0] + (even(j + 1) + odd(j - 1)) * k[1]
                + (even(j - 1) + odd(j + 1)) * k[2] + (even(j + 2) + odd(j - 2)) * k[3]
            UnsafeMutableRawPointer(o + j).storeBytes(of: sum, as: SIMD8<Float>.self)
            j += 8
        }
        let covered = vectorStart..<j  // sources done by the vector loop
        // Kernel gradient of the interior outputs, eight output pairs at a time.
        var dk0 = SIMD8<Float>.zero, dk1 = dk0, dk2 = dk0, dk3 = dk0
        let interiorEnd = min(width - 2, (targetWidth - 1) / 2)  // outputs 2i + 1 must exist
        var i = 2
        @inline(__always) func sourceAt(_ index: Int) -> SIMD8<Float> {
            UnsafeRawPointer(s + index).loadUnaligned(as: SIMD8<Float>.self)
        }
        while i + 8 <= interiorEnd {
            let e = even(i), d = odd(i)
            dk0 += (e + d) * sourceAt(i)
            dk1 += e * sourceAt(i - 1) + d * sourceAt(i + 1)
            dk2 += e * sourceAt(i + 1) + d * sourceAt(i - 1)
            dk3 += e * sourceAt(i - 2) + d * sourceAt(i + 2)
            i += 8
        }
        var dk = SIMD4<Float>(dk0.sum(), dk1.sum(), dk2.sum(), dk3.sum())
        let vectorOutputs = 4..<(2 * i)  // outputs whose kernel gradient is done
        // Outputs 2i, 2i + 1 with 6 <= i < j - 2 have every tap in `covered` and their kernel
        // gradient done when also below `vectorOutputs.upperBound`: only the others remain.
        let firstSkipped = min(12, targetWidth)
        let skipped = firstSkipped..<max(firstSkipped, min(2 * (j - 2), vectorOutputs.upperBound, targetWidth))
        func remaining(_ x: Int) {
            let gx = g[x]
            let interiorOutput = x >> 1 >= 2 && x >> 1 < width - 2
            for t in 0..<4 {
                let (index, coefficient) = tap(x, t, count: width)
                if !(interiorOutput && covered.contains(index)) { o[index] = o[index] + k[coefficient] * gx }
                if !vectorOutputs.contains(x) { dk[coefficient] += gx * s[index] }
            }
        }
        for x in 0..<skipped.lowerBound { remaining(x) }
        for x in skipped.upperBound..<targetWidth { remaining(x) }
        return dk
    }
}
