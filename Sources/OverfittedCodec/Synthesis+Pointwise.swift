import NeuralKernels

extension Synthesis {
    /// The 1x1 part on every pixel: `outputs` planes from the `inputs` feature planes.
    func pointwise(features: [Float], parameters: [Float], parallel: ParallelChunks) -> [Float] {
        let mlpParameters = parameters.gathered(layout.pointwiseMLPOrder)
        var output = [Float](repeating: 0, count: layout.outputs * pixelCount)
        let mlp = pointwiseMLP
        output.withUnsafeMutableBufferPointer { out in
            features.withUnsafeBufferPointer { f in
                mlpParameters.withUnsafeBufferPointer { p in
                    mlp.forward(parameters: p.baseAddress!, input: f.baseAddress!, count: pixelCount, output: out.baseAddress!)
                }
            }
        }
        return output
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
        return gradFeatures
    }
}
