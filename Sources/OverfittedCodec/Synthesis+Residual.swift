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
                                        if lo < hi {
                                            for xx in lo..<hi { row[xx] = row[xx] + c * source[xx + shift] }
                                        }
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
                                    var biasSum: Float = 0
                                    for xx in 0..<w { biasSum = biasSum + gRow[xx] }
                                    local[k * k * 9 + o] += biasSum
                                    for i in 0..<k {
                                        for ky in 0..<3 {
                                            let sy = y + ky - 1
                                            guard sy >= 0, sy < h else { continue }
                                            let source = x.baseAddress! + i * n + sy * w
                                            for kx in 0..<3 {
                                                let shift = kx - 1
                                                let lo = max(0, -shift), hi = min(w, w - shift)
                                                var dw: Float = 0
                                                if lo < hi {
                                                    for xx in lo..<hi { dw = dw + gRow[xx] * source[xx + shift] }
                                                }
                                                local[((o * k + i) * 3 + ky) * 3 + kx] += dw
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
                                                if lo < hi {
                                                    for xx in lo..<hi { row[xx] = row[xx] + c * gSource[xx + shift] }
                                                }
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
}
