import CNeuralKernels
import NeuralKernels
extension Synthesis {
    /// `x + bias + conv3x3(x)` with zero padding; weights `[o][i][ky][kx]`.
    ///
    /// Each output sample is `x + bias`, then `+ w * source` for every tap inside the image in the
    /// order (input channel, ky, kx), unfused; taps outside are skipped. Eight samples of a row are
    /// computed at once in registers (the same operations per sample as one tap at a time).
    func residual(_ x: [Float], layer: Int, parameters: [Float], parallel: ParallelChunks) -> [Float] {
        [Float](unsafeUninitializedCapacity: x.count) { buffer, count in
            count = x.count
            x.withUnsafeBufferPointer { input in
                residual(input, into: buffer, layer: layer, parameters: parameters, parallel: parallel)
            }
        }
    }

    /// ``residual(_:layer:parameters:parallel:)`` from `input` into `output` (same size, every value
    /// overwritten; the two must not overlap). At `level` (at most ``Acceleration/level``; tests pass
    /// `.portable` to compare) AVX-512 or AVX2 it runs `nk_residual3x3_avx512` or `nk_residual3x3_avx2`:
    /// the same operations, 16 or 8 samples per vector.
    func residual(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>, layer: Int,
                  parameters: [Float], parallel: ParallelChunks, level: Acceleration.Level = Acceleration.level) {
        residual(input, into: output, weights: Array(parameters[layout.residualWeights(layer)]),
                 bias: Array(parameters[layout.residualBias(layer)]), parallel: parallel, level: level)
    }

    /// ``residual(_:into:layer:parameters:parallel:level:)`` with the layer's weights and bias given.
    private func residual(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>,
                          weights: [Float], bias: [Float], parallel: ParallelChunks, level: Acceleration.Level) {
        let k = layout.outputs
        let (w, h) = (width, height)
        let outBox = UnsafeSendableBox(output)
        let level = min(level, Acceleration.level)
        let kernel = k > Int(NK_RESIDUAL_MAX_CHANNELS) ? nil
            : level >= .avx512 ? nk_residual3x3_avx512 : level >= .avx2 ? nk_residual3x3_avx2 : nil
        weights.withUnsafeBufferPointer { weightBuffer in
            parallel.run(chunks: Self.chunks, over: h) { _, rows in
                guard let out = outBox.value.baseAddress, let source = input.baseAddress,
                      let taps = weightBuffer.baseAddress else { return }
                if let kernel {
                    bias.withUnsafeBufferPointer { b in
                        kernel(Int32(k), w, h, rows.lowerBound, rows.upperBound, taps, b.baseAddress, source, out)
                    }
                    return
                }
                for y in rows {
                    for o in 0..<k {
                        let offset = o * pixelCount + y * w
                        residualRow(y: y, output: o, bias: bias[o], taps: taps + o * k * 9, source: source,
                                    x: source + offset, row: out + offset)
                    }
                }
            }
        }
    }

    /// One row of one output channel of ``residual``: `row = x + bias + taps`.
    @inline(__always)
    private func residualRow(y: Int, output o: Int, bias: Float, taps: UnsafePointer<Float>,
                             source: UnsafePointer<Float>, x xRow: UnsafePointer<Float>, row: UnsafeMutablePointer<Float>) {
        let (k, w, h, n) = (layout.outputs, width, height, pixelCount)
        let firstKy = y == 0 ? 1 : 0, lastKy = y == h - 1 ? 1 : 2
        // Interior samples 1 ..< w - 1 (every kx inside), eight at a time.
        var xx = 1
        let rawRow = UnsafeMutableRawPointer(row)
        while xx + 8 <= w - 1 {
            var acc = UnsafeRawPointer(xRow).loadUnaligned(fromByteOffset: xx * 4, as: SIMD8<Float>.self) + bias
            for i in 0..<k {
                for ky in firstKy...lastKy {
                    let line = UnsafeRawPointer(source + i * n + (y + ky - 1) * w + xx - 1)
                    let t = taps + (i * 3 + ky) * 3
                    acc = acc + line.loadUnaligned(as: SIMD8<Float>.self) * t[0]
                    acc = acc + line.loadUnaligned(fromByteOffset: 4, as: SIMD8<Float>.self) * t[1]
                    acc = acc + line.loadUnaligned(fromByteOffset: 8, as: SIMD8<Float>.self) * t[2]
                }
            }
            rawRow.storeBytes(of: acc, toByteOffset: xx * 4, as: SIMD8<Float>.self)
            xx += 8
        }
        // The rest (borders and tail), one sample at a time.
        for x in 0..<w where x == 0 || x >= xx {
            var acc = xRow[x] + bias
            for i in 0..<k {
                for ky in firstKy...lastKy {
                    let line = source + i * n + (y + ky - 1) * w
                    let t = taps + (i * 3 + ky) * 3
                    for kx in 0..<3 where x + kx >= 1 && x + kx - 1 < w {
                        acc = acc + line[x + kx - 1] * t[kx]
                    }
                }
            }
            row[x] = acc
        }
    }

    /// Backward of ``residual``: returns the gradient w.r.t. its input and adds the weight and bias
    /// gradients to `gradParameters`, summed over the rows `weightGradients` takes (row `y` as its
    /// chunk `y`, scaled by its stride).
    ///
    /// The input gradient `g + conv3x3(g)` with the weights transposed and flipped
    /// (`W'[i][o][ky][kx] = W[o][i][2 - ky][2 - kx]`, zero bias) is itself a residual layer, so it
    /// runs on the forward kernel. The weight and bias gradients sum, per chunk of rows, one dot
    /// product per entry and row; at `level` (at most ``Acceleration/level``; tests pass `.portable`
    /// to compare) AVX-512 or AVX2, `nk_residual3x3_weight_gradient_avx512` or `_avx2` forms the same
    /// dot products with the same operations, three taps per pass.
    func residualBackward(_ grad: [Float], input: [Float], layer: Int, parameters: [Float],
                          parallel: ParallelChunks, gradParameters: inout [Float],
                          weightGradients: ChunkSampling = .all, level: Acceleration.Level = Acceleration.level) -> [Float] {
        let k = layout.outputs
        let weights = Array(parameters[layout.residualWeights(layer)])
        var transposed = weights
        for o in 0..<k {
            for i in 0..<k {
                for t in 0..<9 { transposed[(i * k + o) * 9 + t] = weights[(o * k + i) * 9 + 8 - t] }
            }
        }
        let gradInput = [Float](unsafeUninitializedCapacity: grad.count) { buffer, count in
            count = grad.count
            grad.withUnsafeBufferPointer { g in
                residual(g, into: buffer, weights: transposed, bias: [Float](repeating: 0, count: k), parallel: parallel,
                         level: level)
            }
        }
        var chunkGrads = [[Float]](repeating: [], count: Self.chunks)
        let level = min(level, Acceleration.level)
        let kernel = level >= .avx512 ? nk_residual3x3_weight_gradient_avx512
            : level >= .avx2 ? nk_residual3x3_weight_gradient_avx2 : nil
        chunkGrads.withUnsafeMutableBufferPointer { cgBuffer in
            let cg = UnsafeSendableBox(cgBuffer)
            grad.withUnsafeBufferPointer { g in
                input.withUnsafeBufferPointer { x in
                    parallel.run(chunks: Self.chunks, over: height) { chunk, range in
                        guard let gBase = g.baseAddress, let xBase = x.baseAddress else { return }
                        var local = [Float](repeating: 0, count: k * k * 9 + k)
                        local.withUnsafeMutableBufferPointer { l in
                            guard let sums = l.baseAddress else { return }
                            for rows in Self.runs(of: range, taken: weightGradients) {
                                if let kernel {
                                    kernel(Int32(k), width, height, rows.lowerBound, rows.upperBound, gBase, xBase, sums)
                                } else {
                                    residualWeightGradient(rows: rows, grad: gBase, input: xBase, sums: sums)
                                }
                            }
                        }
                        cg.value[chunk] = local
                    }
                }
            }
        }
        let weightRange = layout.residualWeights(layer)
        let biasRange = layout.residualBias(layer)
        let scale = weightGradients.scale
        for local in chunkGrads {
            for j in 0..<weightRange.count { gradParameters[weightRange.lowerBound + j] += scale * local[j] }
            for j in 0..<biasRange.count { gradParameters[biasRange.lowerBound + j] += scale * local[weightRange.count + j] }
        }
        return gradInput
    }

    /// The maximal runs of consecutive rows of `range` that `sampling` takes (row `y` as chunk `y`),
    /// in order: `range` itself when it takes every row.
    static func runs(of range: Range<Int>, taken sampling: ChunkSampling) -> [Range<Int>] {
        guard sampling.takesChunks else { return [] }
        guard sampling.stride > 1 else { return range.isEmpty ? [] : [range] }
        return range.filter { sampling.includes(chunk: $0) }.map { $0..<$0 + 1 }
    }

    /// The weight and bias gradients of one residual layer from `rows`, added to `sums` (weights
    /// `[o][i][ky][kx]`, then the biases): per row, output and tap, one ``VectorOps/dot(_:_:count:)`` of the
    /// gradient row with the shifted input row, skipping taps outside the image.
    private func residualWeightGradient(rows: Range<Int>, grad: UnsafePointer<Float>, input: UnsafePointer<Float>,
                                        sums: UnsafeMutablePointer<Float>) {
        let (k, w, h, n) = (layout.outputs, width, height, pixelCount)
        for y in rows {
            for o in 0..<k {
                let gRow = grad + o * n + y * w
                sums[k * k * 9 + o] += VectorOps.sum(gRow, count: w)
                for i in 0..<k {
                    for ky in 0..<3 {
                        let sy = y + ky - 1
                        guard sy >= 0, sy < h else { continue }
                        let source = input + i * n + sy * w
                        for kx in 0..<3 {
                            let shift = kx - 1
                            let lo = max(0, -shift), hi = min(w, w - shift)
                            sums[((o * k + i) * 3 + ky) * 3 + kx] += VectorOps.dot(gRow + lo, source + lo + shift, count: hi - lo)
                        }
                    }
                }
            }
        }
    }
}
