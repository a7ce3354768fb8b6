import Foundation

/// The three networks' float parameters, flat, in the orders of ``ARMLayout``,
/// ``UpsamplerLayout`` and ``SynthesisLayout``.
struct NetworkParameters: Sendable, Equatable {
    var arm: [Float]
    var upsampling: [Float]
    var synthesis: [Float]
}

/// Shapes of every part of a model for one image.
struct ModelShape: Sendable {
    let architecture: Architecture
    let geometry: LatentGeometry
    let arm: ARMLayout
    let upsampler: UpsamplerLayout
    let synthesis: SynthesisLayout

    init(architecture: Architecture, width: Int, height: Int) {
        self.architecture = architecture
        geometry = LatentGeometry(width: width, height: height)
        arm = ARMLayout(context: architecture.contextSize)
        upsampler = UpsamplerLayout(levels: geometry.levels)
        synthesis = SynthesisLayout(inputs: geometry.levels, width: architecture.synthesisWidth,
                                    outputs: architecture.outputChannels, residualLayers: architecture.residualLayers)
    }

    /// Random initial networks: uniform in +-1/sqrt(fan-in) for the 1x1 layers, bicubic up-sampling,
    /// zero residual convolutions, output biases at `outputMeans`.
    func initialNetworks(generator: inout SeededGenerator, outputMeans: [Float]) -> NetworkParameters {
        var armParameters = [Float](repeating: 0, count: arm.layout.totalCount)
        let c = Float(arm.context)
        for range in [arm.w1, arm.w2, arm.wOut] {
            for i in range { armParameters[i] = generator.uniform(1 / c.squareRoot()) }
        }
        var upsampling = [Float](repeating: 0, count: upsampler.layout.totalCount)
        for step in 0..<upsampler.steps {
            for t in 0..<4 { upsampling[4 * step + t] = UpsamplerLayout.bicubic[t] }
        }
        var synthesisParameters = [Float](repeating: 0, count: synthesis.layout.totalCount)
        for i in synthesis.a { synthesisParameters[i] = generator.uniform(1 / Float(synthesis.inputs).squareRoot()) }
        for i in synthesis.b { synthesisParameters[i] = generator.uniform(1 / Float(synthesis.width).squareRoot()) }
        for (k, i) in synthesis.bBias.enumerated() { synthesisParameters[i] = outputMeans[k] }
        return NetworkParameters(arm: armParameters, upsampling: upsampling, synthesis: synthesisParameters)
    }
}
