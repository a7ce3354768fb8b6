extension Synthesis {
    /// The 1x1 part: `features` -> `width` channels -> ReLU -> `outputs` channels, per pixel.
    func pointwise(features: [Float], parameters: [Float], parallel: ParallelChunks) -> [Float] {
        let tile = TileDense.tileSize
        let tiles = (pixelCount + tile - 1) / tile
        let l = layout
        var output = [Float](repeating: 0, count: l.outputs * pixelCount)
        output.withUnsafeMutableBufferPointer { outBuffer in
            let out = UnsafeSendableBox(outBuffer)
            features.withUnsafeBufferPointer { f in
                parameters.withUnsafeBufferPointer { p in
                    let base = p.baseAddress!
                    parallel.run(chunks: Self.chunks) { chunk in
                        var input = [Float](repeating: 0, count: l.inputs * tile)
                        var hidden = [Float](repeating: 0, count: l.width * tile)
                        var result = [Float](repeating: 0, count: l.outputs * tile)
                        for t in ParallelChunks.range(of: chunk, chunks: Self.chunks, count: tiles) {
                            let start = t * tile
                            let count = min(tile, pixelCount - start)
                            gather(f, start: start, count: count, channels: l.inputs, into: &input)
                            TileDense.forward(weights: base + l.a.lowerBound, bias: base + l.aBias.lowerBound,
                                              input: input, output: &hidden, inputs: l.inputs, outputs: l.width)
                            for i in 0..<hidden.count where hidden[i] < 0 { hidden[i] = 0 }
                            TileDense.forward(weights: base + l.b.lowerBound, bias: base + l.bBias.lowerBound,
                                              input: hidden, output: &result, inputs: l.width, outputs: l.outputs)
                            for c in 0..<l.outputs {
                                for i in 0..<count { out.value[c * pixelCount + start + i] = result[c * tile + i] }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// Backward of ``pointwise``: returns the gradient w.r.t. the features.
    func pointwiseBackward(_ gradOutput: [Float], features: [Float], parameters: [Float],
                           parallel: ParallelChunks, gradParameters: inout [Float]) -> [Float] {
        let tile = TileDense.tileSize
        let tiles = (pixelCount + tile - 1) / tile
        let l = layout
        var gradFeatures = [Float](repeating: 0, count: l.inputs * pixelCount)
        var chunkGrads = [[Float]](repeating: [], count: Self.chunks)
        gradFeatures.withUnsafeMutableBufferPointer { gfBuffer in
            chunkGrads.withUnsafeMutableBufferPointer { cgBuffer in
                let gf = UnsafeSendableBox(gfBuffer)
                let cg = UnsafeSendableBox(cgBuffer)
                features.withUnsafeBufferPointer { f in
                    gradOutput.withUnsafeBufferPointer { g in
                        parameters.withUnsafeBufferPointer { p in
                            let base = p.baseAddress!
                            parallel.run(chunks: Self.chunks) { chunk in
                                var grads = [Float](repeating: 0, count: parameters.count)
                                var input = [Float](repeating: 0, count: l.inputs * tile)
                                var hidden = [Float](repeating: 0, count: l.width * tile)
                                var gradHidden = [Float](repeating: 0, count: l.width * tile)
                                var gradOut = [Float](repeating: 0, count: l.outputs * tile)
                                var gradInput = [Float](repeating: 0, count: l.inputs * tile)
                                for t in ParallelChunks.range(of: chunk, chunks: Self.chunks, count: tiles) {
                                    let start = t * tile
                                    let count = min(tile, pixelCount - start)
                                    gather(f, start: start, count: count, channels: l.inputs, into: &input)
                                    gather(g, start: start, count: count, channels: l.outputs, into: &gradOut)
                                    TileDense.forward(weights: base + l.a.lowerBound, bias: base + l.aBias.lowerBound,
                                                      input: input, output: &hidden, inputs: l.inputs, outputs: l.width)
                                    for i in 0..<hidden.count where hidden[i] < 0 { hidden[i] = 0 }
                                    grads.withUnsafeMutableBufferPointer { gp in
                                        let gb = gp.baseAddress!
                                        TileDense.backwardWeights(gradOutput: gradOut, input: hidden,
                                                                  gradWeights: gb + l.b.lowerBound, gradBias: gb + l.bBias.lowerBound,
                                                                  inputs: l.width, outputs: l.outputs)
                                        TileDense.backwardInput(weights: base + l.b.lowerBound, gradOutput: gradOut,
                                                                gradInput: &gradHidden, inputs: l.width, outputs: l.outputs,
                                                                accumulate: false)
                                        for i in 0..<hidden.count where hidden[i] <= 0 { gradHidden[i] = 0 }
                                        TileDense.backwardWeights(gradOutput: gradHidden, input: input,
                                                                  gradWeights: gb + l.a.lowerBound, gradBias: gb + l.aBias.lowerBound,
                                                                  inputs: l.inputs, outputs: l.width)
                                    }
                                    TileDense.backwardInput(weights: base + l.a.lowerBound, gradOutput: gradHidden,
                                                            gradInput: &gradInput, inputs: l.inputs, outputs: l.width,
                                                            accumulate: false)
                                    for c in 0..<l.inputs {
                                        for i in 0..<count { gf.value[c * pixelCount + start + i] = gradInput[c * tile + i] }
                                    }
                                }
                                cg.value[chunk] = grads
                            }
                        }
                    }
                }
            }
        }
        for grads in chunkGrads {
            for i in 0..<grads.count { gradParameters[i] += grads[i] }
        }
        return gradFeatures
    }

    /// Copies `count` pixels from `start` of each of `channels` planes into a zero-padded tile.
    private func gather(_ planes: UnsafeBufferPointer<Float>, start: Int, count: Int, channels: Int, into tile: inout [Float]) {
        let size = TileDense.tileSize
        for c in 0..<channels {
            for i in 0..<count { tile[c * size + i] = planes[c * pixelCount + start + i] }
            for i in count..<size { tile[c * size + i] = 0 }
        }
    }
}
