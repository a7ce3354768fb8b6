import NeuralKernels

extension Synthesis {
    /// The 1x1 part on every pixel: `outputs` planes from the `inputs` feature planes.
    func pointwise(features: [Float], parameters: [Float], parallel: ParallelChunks) -> [Float] {
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

    /// `output[o] += sum_i s[o][i] * features[i]` per pixel, inputs in order, unfused (Cool-chic's
    /// linear "stabiliser" branch of the synthesis: Leguay et al., Cool-chic 4, 2024).
    private func addLinearBranch(features: UnsafeBufferPointer<Float>, parameters: [Float],
                                 output: UnsafeMutableBufferPointer<Float>, parallel: ParallelChunks) {
        let s = Array(parameters[layout.linear])
        let (inputs, outputs, pixels) = (layout.inputs, layout.outputs, pixelCount)
        let f = UnsafeSendableBox(features), out = UnsafeSendableBox(output)
        parallel.run(chunks: Self.chunks) { chunk in
            let range = ParallelChunks.range(of: chunk, chunks: Self.chunks, count: pixels)
            guard let fBase = f.value.baseAddress, let oBase = out.value.baseAddress else { return }
            for o in 0..<outputs {
                let row = oBase + o * pixels
                for i in 0..<inputs {
                    let weight = s[o * inputs + i]
                    let plane = fBase + i * pixels
                    var p = range.lowerBound
                    while p < range.upperBound {
                        let count = min(8, range.upperBound - p)
                        let sum = VectorLanes.load(row + p, count: count) + VectorLanes.load(plane + p, count: count) * weight
                        VectorLanes.store(sum, to: row + p, count: count)
                        p += 8
                    }
                }
            }
        }
    }

    /// Backward of the linear branch: adds `s^T g` to `gradFeatures` and `g f^T` to the gradient of
    /// `s` (per-chunk sums added in chunk order, so the result does not depend on the thread count).
    private func linearBranchBackward(_ gradOutput: UnsafeBufferPointer<Float>, features: UnsafeBufferPointer<Float>,
                                      parameters: [Float], gradFeatures: UnsafeMutableBufferPointer<Float>,
                                      gradParameters: inout [Float], parallel: ParallelChunks) {
        let s = Array(parameters[layout.linear])
        let (inputs, outputs, pixels) = (layout.inputs, layout.outputs, pixelCount)
        var partials = [Double](repeating: 0, count: Self.chunks * outputs * inputs)
        let g = UnsafeSendableBox(gradOutput), f = UnsafeSendableBox(features), gf = UnsafeSendableBox(gradFeatures)
        partials.withUnsafeMutableBufferPointer { partialBuffer in
            let sums = UnsafeSendableBox(partialBuffer)
            parallel.run(chunks: Self.chunks) { chunk in
                let range = ParallelChunks.range(of: chunk, chunks: Self.chunks, count: pixels)
                guard let gBase = g.value.baseAddress, let fBase = f.value.baseAddress,
                      let gfBase = gf.value.baseAddress, let sumBase = sums.value.baseAddress else { return }
                for i in 0..<inputs {
                    let plane = fBase + i * pixels, gradPlane = gfBase + i * pixels
                    for o in 0..<outputs {
                        let weight = s[o * inputs + i]
                        let gradRow = gBase + o * pixels
                        var lanes = SIMD8<Float>.zero
                        var p = range.lowerBound
                        while p < range.upperBound {
                            let count = min(8, range.upperBound - p)
                            let gradient = VectorLanes.load(gradRow + p, count: count)
                            let sum = VectorLanes.load(gradPlane + p, count: count) + gradient * weight
                            VectorLanes.store(sum, to: gradPlane + p, count: count)
                            lanes = lanes + gradient * VectorLanes.load(plane + p, count: count)
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
    /// gradients to `gradParameters`.
    func pointwiseBackward(_ gradOutput: [Float], features: [Float], parameters: [Float],
                           parallel: ParallelChunks, gradParameters: inout [Float]) -> [Float] {
        let mlpParameters = parameters.gathered(layout.pointwiseMLPOrder)
        var gradMLP = [Float](repeating: 0, count: mlpParameters.count)
        var gradFeatures = [Float](repeating: 0, count: layout.inputs * pixelCount)
        let mlp = pointwiseMLP
        gradFeatures.withUnsafeMutableBufferPointer { gf in
            gradMLP.withUnsafeMutableBufferPointer { gp in
                features.withUnsafeBufferPointer { f in
                    gradOutput.withUnsafeBufferPointer { g in
                        mlpParameters.withUnsafeBufferPointer { p in
                            mlp.backward(parameters: p.baseAddress!, input: f.baseAddress!, count: pixelCount,
                                         gradOutput: g.baseAddress!, gradInput: gf.baseAddress!, gradParameters: gp.baseAddress!)
                        }
                    }
                }
            }
        }
        gradParameters.scatterAdd(gradMLP, layout.pointwiseMLPOrder)
        gradFeatures.withUnsafeMutableBufferPointer { gf in
            features.withUnsafeBufferPointer { f in
                gradOutput.withUnsafeBufferPointer { g in
                    linearBranchBackward(g, features: f, parameters: parameters, gradFeatures: gf,
                                         gradParameters: &gradParameters, parallel: parallel)
                }
            }
        }
        return gradFeatures
    }
}
