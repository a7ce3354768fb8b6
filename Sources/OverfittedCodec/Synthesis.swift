import NeuralKernels

/// The synthesis network: per pixel, 1x1 convolution from the up-sampled latent planes to `width`
/// channels, ReLU, 1x1 to the output channels; then 3x3 residual convolutions (zero padding); the
/// output is clamped to [0, 1]. Follows Cool-chic's synthesis (Ladune et al. 2023).
///
/// Every pixel's arithmetic is done in the same order whatever the thread count, so the output is
/// identical for every thread count.
struct Synthesis {
    let layout: SynthesisLayout
    /// The 1x1 part (see ``ModelShape/synthesisMLP``).
    let pointwiseMLP: PointwiseMLP
    let pixelCount: Int
    let width: Int
    let height: Int

    /// Chunks the pixel tiles are split into (fixed, so reductions do not depend on threads).
    static let chunks = 32

    init(shape: ModelShape) {
        self.init(layout: shape.synthesis, pointwiseMLP: shape.synthesisMLP, width: shape.geometry.width,
                  height: shape.geometry.height)
    }

    private init(layout: SynthesisLayout, pointwiseMLP: PointwiseMLP, width: Int, height: Int) {
        self.layout = layout
        self.pointwiseMLP = pointwiseMLP
        self.width = width
        self.height = height
        self.pixelCount = width * height
    }

    /// The same network over a `width x height` image (a tile of this one: its outputs are this
    /// one's wherever the 3x3 layers do not reach the tile's edges, unless those are the image's).
    func resized(width: Int, height: Int) -> Synthesis {
        Synthesis(layout: layout, pointwiseMLP: pointwiseMLP, width: width, height: height)
    }

    /// What ``backward`` needs from the forward pass.
    struct Trace {
        /// The input of each residual layer, then the final output before clamping
        /// (`layout.residualLayers + 1` entries, each `outputs * pixelCount`).
        var planes: [[Float]]
        /// Which hidden units of the 1x1 part were positive, one bit per pixel (the layout of
        /// `nk_synthesis_pointwise_avx2`'s `signs`), when its fused kernel ran; else empty.
        var hiddenSigns: [UInt8]
        /// The output before the clamp to [0, 1].
        var output: [Float] { planes[planes.count - 1] }
    }

    /// The output (`outputs` planes of `pixelCount`, before the clamp to [0, 1] that gives the
    /// image) from `features` (`inputs` planes of `pixelCount`), with the trace ``backward`` needs.
    func forward(features: [Float], parameters: [Float], parallel: ParallelChunks) -> Trace {
        var (x, hiddenSigns) = pointwiseKeepingSigns(features: features, parameters: parameters, parallel: parallel)
        var planes = [x]
        for layer in 0..<layout.residualLayers {
            x = residual(x, layer: layer, parameters: parameters, parallel: parallel)
            planes.append(x)
        }
        return Trace(planes: planes, hiddenSigns: hiddenSigns)
    }

    /// The output of ``forward`` without keeping a trace (the decoder's path).
    ///
    /// The residual layers alternate between the 1x1 part's output and the start of the features'
    /// storage, which is no longer needed by then (and whose pages are already mapped, so no new
    /// multi-megabyte buffer is faulted in): pass the features with `consume` so that the storage
    /// is not shared, or it is copied.
    func output(features: consuming [Float], parameters: [Float], parallel: ParallelChunks) -> [Float] {
        var x = pointwise(features: features, parameters: parameters, parallel: parallel)
        guard layout.residualLayers > 0 else { return x }
        let count = x.count
        var y = features
        if y.count < count { y = [Float](unsafeUninitializedCapacity: count) { _, n in n = count } }
        for layer in 0..<layout.residualLayers {
            x.withUnsafeMutableBufferPointer { first in
                y.withUnsafeMutableBufferPointer { second in
                    let spare = UnsafeMutableBufferPointer(rebasing: second[0..<count])
                    // Even layers read the 1x1 output and write the spare planes, odd ones the reverse.
                    let (input, output) = layer % 2 == 0 ? (first, spare) : (spare, first)
                    residual(UnsafeBufferPointer(input), into: output, layer: layer, parameters: parameters, parallel: parallel)
                }
            }
        }
        guard layout.residualLayers % 2 == 1 else { return x }
        y.removeLast(y.count - count)
        return y
    }

    /// Gradients of the loss w.r.t. the features (returned) and the parameters (added to
    /// `gradParameters`), from the gradient w.r.t. the output (before the clamp: the caller applies
    /// the clamp's gradient, see `ModelEvaluator`). The weight gradients are summed over the rows
    /// (3x3 layers) and chunks of pixels (1x1 MLP) `weightGradients` takes.
    func backward(gradOutput: [Float], features: [Float], parameters: [Float], trace: Trace,
                  parallel: ParallelChunks, gradParameters: inout [Float], weightGradients: ChunkSampling = .all) -> [Float] {
        var grad = gradOutput
        for layer in stride(from: layout.residualLayers - 1, through: 0, by: -1) {
            grad = residualBackward(grad, input: trace.planes[layer], layer: layer, parameters: parameters,
                                    parallel: parallel, gradParameters: &gradParameters, weightGradients: weightGradients)
        }
        return pointwiseBackward(grad, features: features, parameters: parameters, parallel: parallel,
                                 gradParameters: &gradParameters, weightGradients: weightGradients,
                                 hiddenSigns: trace.hiddenSigns)
    }
}
