extension Synthesis {
    /// `x + bias + conv3x3(x)` with zero padding; weights `[o][i][ky][kx]`.
    func residual(_ x: [Float], layer: Int, parameters: [Float], parallel: ParallelChunks) -> [Float] {
        let k = layout.outputs
        let weights = Array(parameters[layout.residualWeights(layer)])
        let bias = Array(parameters[layout.residualBias(layer)])
        var out = x
        let (w, h, n) = (width, height, pixelCount)
        out.withUnsafeMutableBufferPointer { outBuffer in
            let outBox = UnsafeSendableBox(outBuffer)
            x.withUnsafeBufferPointer { input in
                parallel.run(chunks: Self.chunks) { chunk in
                    let out = outBox.value
                    for y in ParallelChunks.range(of: chunk, chunks: Self.chunks, count: h) {
                        for o in 0..<k {
                            let row = out.baseAddress! + o * n + y * w
                            for xx in 0..<w { row[xx] = row[xx] + bias[o] }
                            for i in 0..<k {
                                for ky in 0..<3 {
                                    let sy = y + ky - 1
                                    guard sy >= 0, sy < h else { continue }
                                    let source = input.baseAddress! + i * n + sy * w
                                    for kx in 0..<3 {
                                        let c = weights[((o * k + i) * 3 + ky) * 3 + kx]
                                        let shift = kx - 1
                                        let lo = max(0, -shift), hi = min(w, w - shift)
                                        VectorOps.axpy(c, source + lo + shift, row + lo, count: hi - lo)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Backward of ``residual``: returns the gradient w.r.t. its input and adds the weight and bias
    /// gradients to `gradParameters`.
    func residualBackward(_ grad: [Float], input: [Float], layer: Int, parameters: [Float],
                          parallel: ParallelChunks, gradParameters: inout [Float]) -> [Float] {
        let k = layout.outputs
        let weights = Array(parameters[layout.residualWeights(layer)])
        var gradInput = grad
        var chunkGrads = [[Float]](repeating: [], count: Self.chunks)
        let (w, h, n) = (width, height, pixelCount)
        gradInput.withUnsafeMutableBufferPointer { giBuffer in
            chunkGrads.withUnsafeMutableBufferPointer { cgBuffer in
                let gi = UnsafeSendableBox(giBuffer)
                let cg = UnsafeSendableBox(cgBuffer)
                grad.withUnsafeBufferPointer { g in
                    input.withUnsafeBufferPointer { x in
                        parallel.run(chunks: Self.chunks) { chunk in
                            var local = [Float](repeating: 0, count: k * k * 9 + k)
                            for y in ParallelChunks.range(of: chunk, chunks: Self.chunks, count: h) {
                                for o in 0..<k {
                                    let gRow = g.baseAddress! + o * n + y * w
                                    local[k * k * 9 + o] += Self.sum(gRow, count: w)
                                    for i in 0..<k {
                                        for ky in 0..<3 {
                                            let sy = y + ky - 1
                                            guard sy >= 0, sy < h else { continue }
                                            let source = x.baseAddress! + i * n + sy * w
                                            for kx in 0..<3 {
                                                let shift = kx - 1
                                                let lo = max(0, -shift), hi = min(w, w - shift)
                                                local[((o * k + i) * 3 + ky) * 3 + kx] +=
                                                    Self.dot(gRow + lo, source + lo + shift, count: hi - lo)
                                            }
                                        }
                                    }
                                }
                                // Input gradient of row y gathers output gradients of rows y-1...y+1.
                                for i in 0..<k {
                                    let row = gi.value.baseAddress! + i * n + y * w
                                    for o in 0..<k {
                                        for ky in 0..<3 {
                                            let oy = y - ky + 1
                                            guard oy >= 0, oy < h else { continue }
                                            let gSource = g.baseAddress! + o * n + oy * w
                                            for kx in 0..<3 {
                                                let c = weights[((o * k + i) * 3 + ky) * 3 + kx]
                                                let shift = 1 - kx
                                                let lo = max(0, -shift), hi = min(w, w - shift)
                                                VectorOps.axpy(c, gSource + lo + shift, row + lo, count: hi - lo)
                                            }
                                        }
                                    }
                                }
                            }
                            cg.value[chunk] = local
                        }
                    }
                }
            }
        }
        let weightRange = layout.residualWeights(layer)
        let biasRange = layout.residualBias(layer)
        for local in chunkGrads {
            for j in 0..<weightRange.count { gradParameters[weightRange.lowerBound + j] += local[j] }
            for j in 0..<biasRange.count { gradParameters[biasRange.lowerBound + j] += local[weightRange.count + j] }
        }
        return gradInput
    }

    /// `sum_i a[i] * b[i]` in SIMD8 lanes (fixed order); 0 when `count <= 0`.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        guard count > 0 else { return 0 }
        var acc = SIMD8<Float>.zero
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 8 <= count {
            acc = acc + ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var tail: Float = 0
        while i < count {
            tail = tail + a[i] * b[i]
            i += 1
        }
        return acc.sum() + tail
    }

    /// `sum_i a[i]` in SIMD8 lanes (fixed order).
    @inline(__always)
    static func sum(_ a: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>.zero
        var i = 0
        let ra = UnsafeRawPointer(a)
        while i + 8 <= count {
            acc = acc + ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var tail: Float = 0
        while i < count {
            tail = tail + a[i]
            i += 1
        }
        return acc.sum() + tail
    }
}
