/// The shapes of the three decoder networks, as written in the bitstream.
///
/// - ARM (auto-regressive entropy model): `contextSize` inputs, of which `interGridFeatures` come
///   from the coarser grids (``EntropyGrids``) and the rest are causal neighbours -> two residual
///   hidden layers of width `contextSize` (`relu(h + W h + b)`) -> (mean, log-scale), plus a
///   parallel linear branch from the inputs to the outputs.
/// - Up-sampler: per x2 step one symmetric 8-tap separable kernel (4 free values); with
///   `preFilter`, each grid but the coarsest first passes its own residual symmetric 7-tap separable
///   filter (``PreConcatenationFilter``, 4 free values per grid).
/// - Synthesis: 1x1 convolution from the latent grids to `synthesisWidth` channels, ReLU, 1x1 to
///   `outputChannels`, plus a parallel linear 1x1 branch from the latent grids to `outputChannels`;
///   then `residualLayers` 3x3 residual convolutions; output clamped to [0, 1].
public struct Architecture: Sendable, Equatable, Codable {
    /// Number of causal neighbours the ARM reads (also its hidden width); 1...maxContextSize.
    public var contextSize: Int
    /// ARM inputs computed from the already decoded coarser grids for the finest grids
    /// (Cool-chic 5's inter-grid context); 0...min(8, contextSize - 1). With any, the latent stream
    /// also codes the hyper grids of ``EntropyGrids``.
    public var interGridFeatures: Int
    /// Channels of the synthesis' hidden layer; 1...255.
    public var synthesisWidth: Int
    /// Number of 3x3 residual layers at the end of the synthesis; 0...8.
    public var residualLayers: Int
    /// 1 (gray) or 3 (RGB).
    public var outputChannels: Int
    /// Whether the grids pass Cool-chic 5's pre-concatenation filter before up-sampling.
    public var preFilter: Bool
    /// How many of the finest synthesis grids are left out of the model (0...``maxUncodedGrids``,
    /// fewer than the image's grid levels): they are all zero, the latent stream does not code them
    /// and the ARM never runs on them. At low rates the finest grid ends up almost empty anyway, so
    /// leaving it out saves most of the ARM's work in training and decoding.
    public var uncodedGrids: Int

    public init(contextSize: Int, interGridFeatures: Int = 0, synthesisWidth: Int, residualLayers: Int, outputChannels: Int,
                preFilter: Bool = false, uncodedGrids: Int = 0) {
        self.contextSize = contextSize
        self.interGridFeatures = interGridFeatures
        self.synthesisWidth = synthesisWidth
        self.residualLayers = residualLayers
        self.outputChannels = outputChannels
        self.preFilter = preFilter
        self.uncodedGrids = uncodedGrids
    }

    /// Largest ``uncodedGrids`` the bitstream allows.
    public static let maxUncodedGrids = 3

    /// Causal neighbours the ARM reads.
    public var spatialContext: Int { contextSize - interGridFeatures }

    /// Largest ARM context the causal neighbourhood provides.
    public static var maxContextSize: Int { CausalNeighbourhood.priorityOrder.count }

    /// True when every field is inside the range the bitstream allows.
    public var isValid: Bool {
        (1...Self.maxContextSize).contains(contextSize) && (0...min(8, contextSize - 1)).contains(interGridFeatures)
            && (1...255).contains(synthesisWidth)
            && (0...8).contains(residualLayers) && (outputChannels == 1 || outputChannels == 3)
            && (0...Self.maxUncodedGrids).contains(uncodedGrids)
    }

    /// Multiply-accumulates of the ARM for one latent value.
    public var armMACsPerLatent: Int {
        let c = contextSize
        return 2 * c * c + 4 * c
    }

    /// Decoder multiply-accumulates per image pixel for a `width x height` image: ARM over every
    /// latent value (hyper grids included), the inter-grid features (per feature and source, one per
    /// position of the feature grid's parent), the pre-concatenation filter (7 taps per pass, 2
    /// passes per value of every grid but the coarsest), up-sampling (4 taps per pass, 2 passes per
    /// channel per x2 step) and synthesis.
    public func macsPerPixel(width: Int, height: Int) -> Double {
        let geometry = LatentGeometry(width: width, height: height)
        let grids = EntropyGrids(geometry: geometry, interGrid: interGridFeatures > 0, uncodedGrids: uncodedGrids)
        let pixels = Double(max(1, width * height))
        var arm = Double((grids.totalLatents - grids.firstCodedLatent) * armMACsPerLatent)
        for level in grids.uncodedGrids..<max(grids.uncodedGrids, grids.featureLevels) {
            let parent = grids.sizes[level + 1]
            arm += Double(parent.width * parent.height * interGridFeatures * grids.sources(of: level).count)
        }
        var upsampling = 0
        for level in 0..<(geometry.levels - 1) {
            let target = geometry.gridSizes[level]
            let source = geometry.gridSizes[level + 1]
            let channels = geometry.levels - 1 - level
            // Horizontal pass on source rows, then vertical pass at the target size.
            upsampling += channels * (source.height * target.width * 4 + target.height * target.width * 4)
            if preFilter { upsampling += 2 * (2 * PreConcatenationFilter.radius + 1) * target.width * target.height }
        }
        let k = outputChannels
        let synthesis = geometry.levels * synthesisWidth + synthesisWidth * k + geometry.levels * k + residualLayers * 9 * k * k
        return (arm + Double(upsampling)) / pixels + Double(synthesis)
    }
}
