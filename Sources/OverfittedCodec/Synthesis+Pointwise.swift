import CNeuralKernels
import NeuralKernels

extension Synthesis {
    /// The 1x1 part on every pixel: `outputs` planes from the `inputs` feature planes. At `level`
    /// (at most ``Acceleration/level``; tests pass `.portable` to compare) AVX2 or above, with at most
    /// `NK_POINTWISE_MAX_INPUTS` inputs and `NK_POINTWISE_MAX_OUTPUTS` outputs, one fused kernel
    /// (`nk_synthesis_pointwise_avx2`, or `nk_synthesis_pointwise_avx512` at `.avx512`: the hidden
    /// layer in registers, the linear branch added in the same pass) does the same operations in the
    /// same order per output as the MLP followed by
    /// ``addLinearBranch(features:parameters:output:parallel:)``.
    func pointwise(features: [Float], parameters: [Float], parallel: ParallelChunks,
                   level: Acceleration.Level = Acceleration.level) -> [Float] {
        if fusedKernelApplies(level: level) {
            return fusedPointwise(features: features, parameters: parameters, parallel: parallel, signs: nil, level: level)
        }
        let mlpParameters = parameters.gathered(layout.pointwiseMLPOrder)
        // Every value is written by the MLP.
        var output = [Float](unsafeUninitializedCapacity: layout.outputs * pixelCount) { _, count in
            count = layout.outputs * pixelCount
        }
        let mlp = pointwiseMLP
        output.withUnsafeMutableBufferPointer { out in
            features.withUnsafeBufferPointer { f in
                mlpParameters.withUnsafeBufferPointer { p in
                    mlp.forward(parameters: p.baseAddress!, input: f.baseAddress!, count: pixelCount, output: out.baseAddress!)
                }
                addLinearBranch(features: f, parameters: parameters, output: out, parallel: parallel)
            }
        }
        return output
    }

    /// Whether ``pointwise(features:parameters:parallel:level:)`` runs a fused kernel at `level`.
    private func fusedKernelApplies(level: Acceleration.Level) -> Bool {
        min(level, Acceleration.level) >= .avx2 && layout.inputs <= Int(NK_POINTWISE_MAX_INPUTS)
            && layout.outputs <= Int(NK_POINTWISE_MAX_OUTPUTS)
    }

    /// ``pointwise(features:parameters:parallel:level:)``, and with the fused kernel the signs of its
    /// hidden units as well (see ``Trace/hiddenSigns``), which spare ``pointwiseBackward`` most of
    /// its recomputation.
    func pointwiseKeepingSigns(features: [Float], parameters: [Float], parallel: ParallelChunks,
                               level: Acceleration.Level = Acceleration.level) -> ([Float], [UInt8]) {
        guard fusedKernelApplies(level: level) else {
            return (pointwise(features: features, parameters: parameters, parallel: parallel, level: level), [])
        }
        // Every byte is written by the kernel (the work split covers every 8-pixel block).
        let count = (pixelCount + 7) / 8 * layout.width
        var signs = [UInt8](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        let output = signs.withUnsafeMutableBufferPointer { buffer in
            fusedPointwise(features: features, parameters: parameters, parallel: parallel, signs: buffer.baseAddress,
                           level: level)
        }
        return (output, signs)
    }

    /// ``pointwise(features:parameters:parallel:level:)`` in `nk_synthesis_pointwise_avx512` or
    /// `nk_synthesis_pointwise_avx2` (work split at multiples of 8 pixels, where their `signs` bytes
    /// start), writing `signs` unless it is nil.
    private func fusedPointwise(features: [Float], parameters: [Float], parallel: ParallelChunks,
                                signs: UnsafeMutablePointer<UInt8>?, level: Acceleration.Level) -> [Float] {
        let kernel = min(level, Acceleration.level) >= .avx512 ? nk_synthesis_pointwise_avx512 : nk_synthesis_pointwise_avx2
        let (inputs, outputs, hidden, pixels) = (layout.inputs, layout.outputs, layout.width, pixelCount)
        // Every weight and bias as 8 equal floats, in the order the kernel reads them.
        var values = [Float]()
        values.reserveCapacity((hidden * (inputs + 1 + outputs) + outputs * (1 + inputs)))
        let (a, aBias, b, bBias) = (layout.a.lowerBound, layout.aBias.lowerBound, layout.b.lowerBound, layout.bBias.lowerBound)
        for r in 0..<hidden {
            for i in 0..<inputs { values.append(parameters[a + r * inputs + i]) }
            values.append(parameters[aBias + r])
            for o in 0..<outputs { values.append(parameters[b + o * hidden + r]) }
        }
        for o in 0..<outputs { values.append(parameters[bBias + o]) }
        values.append(contentsOf: parameters[layout.linear])
        let packed = values.flatMap { repeatElement($0, count: 8) }
        let output = [Float](unsafeUninitializedCapacity: outputs * pixels) { buffer, count in
            count = outputs * pixels
            let out = UnsafeSendableBox(buffer), signBox = UnsafeSendableBox(signs)
            features.withUnsafeBufferPointer { f in
                packed.withUnsafeBufferPointer { p in
                    parallel.run(chunks: Self.chunks, over: (pixels + 7) / 8) { _, blocks in
                        guard let target = out.value.baseAddress, let source = f.baseAddress, let weights = p.baseAddress else { return }
                        kernel(Int32(inputs), Int32(outputs), hidden, weights, source, pixels, blocks.lowerBound * 8,
                               min(pixels, blocks.upperBound * 8), target, signBox.value)
                    }
                }
            }
        }
        return output
    }

    /// `output[o] += sum_i s[o][i] * features[i]` per pixel, inputs in order, unfused (Cool-chic's
    /// linear "stabiliser" branch of the synthesis: Leguay et al., Cool-chic 4, 2024).
    private func addLinearBranch(features: UnsafeBufferPointer<Float>, parameters: [Float],
                                 output: UnsafeMutableBufferPointer<Float>, parallel: ParallelChunks) {
        let s = Array(parameters[layout.linear])
        let (inputs, outputs, pixels) = (layout.inputs, layout.outputs, pixelCount)
        let f = UnsafeSendableBox(features), out = UnsafeSendableBox(output)
        parallel.run(chunks: Self.chunks, over: pixels) { _, range in
            guard let fBase = f.value.baseAddress, let oBase = out.value.baseAddress else { return }
            for o in 0..<outputs {
                for i in 0..<inputs {
                    VectorOps.axpy(s[o * inputs + i], fBase + i * pixels + range.lowerBound,
                                   oBase + o * pixels + range.lowerBound, count: range.count)
                }
            }
        }
    }

    /// Backward of the linear branch: adds `s^T g` to `gradFeatures` and `g f^T` to the gradient of
    /// `s` (per-chunk sums added in chunk order, so the result does not depend on the thread count).
    ///
    /// At `level` AVX2 or above (at most ``Acceleration/level``), `nk_synthesis_linear_backward_avx2`
    /// does every pair's work in one pass over the pixels, with the same operations.
    private func linearBranchBackward(_ gradOutput: UnsafeBufferPointer<Float>, features: UnsafeBufferPointer<Float>,
                                      parameters: [Float], gradFeatures: UnsafeMutableBufferPointer<Float>,
                                      gradParameters: inout [Float], parallel: ParallelChunks, level: Acceleration.Level) {
        let s = Array(parameters[layout.linear])
        let (inputs, outputs, pixels) = (layout.inputs, layout.outputs, pixelCount)
        var partials = [Double](repeating: 0, count: Self.chunks * outputs * inputs)
        let g = UnsafeSendableBox(gradOutput), f = UnsafeSendableBox(features), gf = UnsafeSendableBox(gradFeatures)
        let vector = min(level, Acceleration.level) >= .avx2 && outputs <= Int(NK_LINEAR_BACKWARD_MAX_OUTPUTS)
        partials.withUnsafeMutableBufferPointer { partialBuffer in
            let sums = UnsafeSendableBox(partialBuffer)
            parallel.run(chunks: Self.chunks, over: pixels) { chunk, range in
                guard let gBase = g.value.baseAddress, let fBase = f.value.baseAddress,
                      let gfBase = gf.value.baseAddress, let sumBase = sums.value.baseAddress else { return }
                if vector {
                    nk_synthesis_linear_backward_avx2(Int32(inputs), Int32(outputs), pixels, range.lowerBound,
                                                      range.upperBound, s, gBase, fBase, gfBase,
                                                      sumBase + chunk * outputs * inputs)
                    return
                }
                for i in 0..<inputs {
                    let plane = fBase + i * pixels
                    for o in 0..<outputs {
                        let gradRow = gBase + o * pixels
                        VectorOps.axpy(s[o * inputs + i], gradRow + range.lowerBound,
                                       gfBase + i * pixels + range.lowerBound, count: range.count)
                        var lanes = SIMD8<Float>.zero
                        var p = range.lowerBound
                        while p < range.upperBound {
                            let count = min(8, range.upperBound - p)
                            lanes = lanes + VectorLanes.load(gradRow + p, count: count) * VectorLanes.load(plane + p, count: count)
                            p += 8
                        }
                        var sum = 0.0
                        for lane in 0..<8 { sum += Double(lanes[lane]) }
                        sumBase[(chunk * outputs + o) * inputs + i] = sum
                    }
                }
            }
        }
        let base = layout.linear.lowerBound
        for chunk in 0..<Self.chunks {
            for j in 0..<(outputs * inputs) { gradParameters[base + j] += Float(partials[chunk * outputs * inputs + j]) }
        }
    }

    /// Backward of ``pointwise``: returns the gradient w.r.t. the features and adds the parameter
    /// gradients to `gradParameters`, the MLP's summed over the chunks of pixels `weightGradients`
    /// takes (``PointwiseMLP/backward``; the linear branch's over every pixel, as its pass forms the
    /// features' gradient anyway).
    func pointwiseBackward(_ gradOutput: [Float], features: [Float], parameters: [Float], parallel: ParallelChunks,
                           gradParameters: inout [Float], weightGradients: ChunkSampling = .all,
                           hiddenSigns: [UInt8] = [], level: Acceleration.Level = Acceleration.level) -> [Float] {
        let mlpParameters = parameters.gathered(layout.pointwiseMLPOrder)
        var gradMLP = [Float](repeating: 0, count: mlpParameters.count)
        // Every value is written by the MLP's backward (which overwrites its input gradient).
        var gradFeatures = [Float](unsafeUninitializedCapacity: layout.inputs * pixelCount) { _, count in
            count = layout.inputs * pixelCount
        }
        let mlp = pointwiseMLP
        gradFeatures.withUnsafeMutableBufferPointer { gf in
            gradMLP.withUnsafeMutableBufferPointer { gp in
                features.withUnsafeBufferPointer { f in
                    gradOutput.withUnsafeBufferPointer { g in
                        mlpParameters.withUnsafeBufferPointer { p in
                            hiddenSigns.withUnsafeBufferPointer { signs in
                                mlp.backward(parameters: p.baseAddress!, input: f.baseAddress!, count: pixelCount,
                                             gradOutput: g.baseAddress!, gradInput: gf.baseAddress!, gradParameters: gp.baseAddress!,
                                             weightGradients: weightGradients,
                                             firstLayerSigns: hiddenSigns.isEmpty ? nil : signs.baseAddress)
                            }
                        }
                        linearBranchBackward(g, features: f, parameters: parameters, gradFeatures: gf,
                                             gradParameters: &gradParameters, parallel: parallel, level: level)
                    }
                }
            }
        }
        gradParameters.scatterAdd(gradMLP, layout.pointwiseMLPOrder)
        return gradFeatures
    }
}
