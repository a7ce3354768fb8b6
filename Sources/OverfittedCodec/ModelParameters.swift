import NeuralKernels

/// The three networks' float parameters, flat, in the orders of ``ARMLayout``,
/// ``UpsamplerLayout`` and ``SynthesisLayout``.
struct NetworkParameters: Sendable, Equatable {
    var arm: [Float]
    var upsampling: [Float]
    var synthesis: [Float]
    /// The ARM's inter-grid feature weights and biases (``InterGridContext``); empty without them.
    var interGrid: [Float] = []
}

/// Shapes of every part of a model for one image.
struct ModelShape: Sendable {
    let architecture: Architecture
    let geometry: LatentGeometry
    /// The latent grids: the synthesis's and the hyper grids.
    let entropyGrids: EntropyGrids
    let interGrid: InterGridContext
    let arm: ARMLayout
    let upsampler: UpsamplerLayout
    let synthesis: SynthesisLayout
    /// The ARM as a `PointwiseMLP`: `c -> c` (ReLU, residual) twice, then `c -> 2`.
    let armMLP: PointwiseMLP
    /// The synthesis' 1x1 part as a `PointwiseMLP`: levels -> width (ReLU) -> channels.
    let synthesisMLP: PointwiseMLP

    /// Nil when the architecture is outside the bitstream's ranges or the size is not positive.
    init?(architecture: Architecture, width: Int, height: Int, maximumLevels: Int = LatentGeometry.maximumLevels) {
        guard architecture.isValid, width >= 1, height >= 1 else { return nil }
        self.architecture = architecture
        geometry = LatentGeometry(width: width, height: height, maximumLevels: maximumLevels)
        guard architecture.uncodedGrids < geometry.levels else { return nil }
        entropyGrids = EntropyGrids(geometry: geometry, interGrid: architecture.interGridFeatures > 0,
                                    uncodedGrids: architecture.uncodedGrids)
        self.interGrid = InterGridContext(grids: entropyGrids, featureCount: architecture.interGridFeatures)
        let c = architecture.contextSize
        arm = ARMLayout(context: c)
        upsampler = UpsamplerLayout(levels: geometry.levels, preFilter: architecture.preFilter)
        synthesis = SynthesisLayout(inputs: geometry.levels, width: architecture.synthesisWidth,
                                    outputs: architecture.outputChannels, residualLayers: architecture.residualLayers)
        guard let armMLP = try? PointwiseMLP(layers: [
                  .init(inFeatures: c, outFeatures: c, relu: true, residual: true),
                  .init(inFeatures: c, outFeatures: c, relu: true, residual: true),
                  .init(inFeatures: c, outFeatures: 2),
              ]),
              let synthesisMLP = try? PointwiseMLP(layers: [
                  .init(inFeatures: synthesis.inputs, outFeatures: synthesis.width, relu: true),
                  .init(inFeatures: synthesis.width, outFeatures: synthesis.outputs),
              ])
        else { return nil }
        self.armMLP = armMLP
        self.synthesisMLP = synthesisMLP
    }

    /// Initial bias of the ARM's log-scale output: Laplace scale `exp(-3)` ~ 0.05, so latents still
    /// at zero cost almost nothing from the first iteration. Cool-chic gets the same effect by
    /// subtracting 4 from the raw log-scale (Leguay et al. 2023); with Adam at 1e-2 a bias moves about
    /// 0.01 per step, so starting at 0 (scale 1, 1.35 bits per zero latent) leaves the ARM hundreds
    /// of steps behind: on a 256x256 crop of kodim23, 400 iterations at lambda 1e-3, the loss was
    /// about 6% lower from -3 than from 0 on average over three seeds.
    static let initialLogScaleBias: Float = -3

    /// Bound of the uniform initial weights of a synthesis 1x1 layer: `1 / (outputs^2 sqrt(inputs))`,
    /// Cool-chic 5.0's small initialisation (the usual `1 / sqrt(inputs)` divided by `outputs^2`), so
    /// the image starts flat at the output biases. Measured on a 256x256 crop of kodim23 at lambda
    /// 1e-3, 1,000 iterations, three seeds: 4% lower loss on average (0 to 7% per seed) than
    /// `1 / sqrt(inputs)`.
    static func smallInitialBound(inputs: Int, outputs: Int) -> Float {
        1 / (Float(outputs * outputs) * Float(max(1, inputs)).squareRoot())
    }

    /// Random initial networks: ARM residual layers at zero (Cool-chic's initialisation), its output
    /// and linear-branch weights uniform in +-1/sqrt(fan-in), its log-scale bias at
    /// ``initialLogScaleBias``; bicubic up-sampling, Dirac pre-concatenation filters; synthesis 1x1 layers at
    /// ``smallInitialBound(inputs:outputs:)``, zero residual convolutions, output biases at
    /// `outputMeans`.
    func initialNetworks(generator: inout SeededGenerator, outputMeans: [Float]) -> NetworkParameters {
        var armParameters = [Float](repeating: 0, count: arm.layout.totalCount)
        let c = Float(arm.context)
        for i in arm.wOut.lowerBound..<arm.wLinear.upperBound { armParameters[i] = generator.uniform(1 / c.squareRoot()) }
        armParameters[arm.bOut.lowerBound + 1] = Self.initialLogScaleBias
        var upsampling = [Float](repeating: 0, count: upsampler.layout.totalCount)
        for step in 0..<upsampler.steps {
            for t in 0..<4 { upsampling[4 * step + t] = UpsamplerLayout.bicubic[t] }
        }
        for start in stride(from: upsampler.preFilter.lowerBound, to: upsampler.preFilter.upperBound,
                            by: PreConcatenationFilter.valuesPerGrid) {
            upsampling.replaceSubrange(start..<(start + PreConcatenationFilter.valuesPerGrid), with: PreConcatenationFilter.dirac)
        }
        var synthesisParameters = [Float](repeating: 0, count: synthesis.layout.totalCount)
        for i in synthesis.a { synthesisParameters[i] = generator.uniform(Self.smallInitialBound(inputs: synthesis.inputs, outputs: synthesis.width)) }
        for i in synthesis.b { synthesisParameters[i] = generator.uniform(Self.smallInitialBound(inputs: synthesis.width, outputs: synthesis.outputs)) }
        for i in synthesis.linear { synthesisParameters[i] = generator.uniform(Self.smallInitialBound(inputs: synthesis.inputs, outputs: synthesis.outputs)) }
        for (k, i) in synthesis.bBias.enumerated() { synthesisParameters[i] = outputMeans[k] }
        return NetworkParameters(arm: armParameters, upsampling: upsampling, synthesis: synthesisParameters,
                                 interGrid: [Float](repeating: 0, count: interGrid.parameterCount))
    }
}
