/// The latent grids the latent stream codes: the synthesis's grids (``LatentGeometry``) and, for a
/// model with inter-grid features, hyper grids at the resolutions of the three coarsest, which only
/// the ARM's inter-grid features read (the hyper-latents of Cool-chic 5.0, Orange-OpenSource/Cool-Chic).
/// Grid `g` of this list holds `starts[g] ..< starts[g + 1]` of the latent
/// buffer: the synthesis grids finest first, then the hyper grids finest first.
///
/// The finest ``featureLevels`` synthesis grids get the inter-grid features; every other grid reads
/// zeros there. The features of grid `l` are computed from every grid after it in this list, so
/// ``codingOrder`` codes the hyper grids first (coarsest first), then the synthesis grids from the
/// coarsest.
struct EntropyGrids: Sendable {
    /// Hyper grids of a model with inter-grid features: at the three coarsest levels, none finer than
    /// level ``featureGridCount`` (so fewer for images with under six levels).
    static let hyperGridCount = 3
    /// Synthesis grids with inter-grid features (fewer for images with under four levels).
    static let featureGridCount = 3

    let synthesisGrids: Int
    let sizes: [(width: Int, height: Int)]
    /// Resolution level of each grid (a grid of level `r` is `ceil(H / 2^r) x ceil(W / 2^r)`).
    let resolutions: [Int]
    /// `starts[g]` is the index of grid `g`'s first latent; the last entry is the total.
    let starts: [Int]
    /// Grids `0 ..< featureLevels` read inter-grid features.
    let featureLevels: Int

    init(geometry: LatentGeometry, interGrid: Bool) {
        let levels = geometry.levels
        synthesisGrids = levels
        var sizes = geometry.gridSizes
        var resolutions = Array(0..<levels)
        featureLevels = interGrid ? min(Self.featureGridCount, levels - 1) : 0
        if interGrid, levels >= 2 {
            // No coarser than the parents of the feature grids, whose features read them.
            for level in max(featureLevels, levels - Self.hyperGridCount)..<levels {
                sizes.append(geometry.gridSizes[level])
                resolutions.append(level)
            }
        }
        self.sizes = sizes
        self.resolutions = resolutions
        var starts = [0]
        for size in sizes { starts.append(starts[starts.count - 1] + size.width * size.height) }
        self.starts = starts
    }

    var count: Int { sizes.count }
    var totalLatents: Int { starts[starts.count - 1] }
    var hyperGrids: Int { sizes.count - synthesisGrids }

    /// Grids in the order the latent stream codes them.
    var codingOrder: [Int] {
        Array((synthesisGrids..<count).reversed()) + Array((0..<synthesisGrids).reversed())
    }

    /// The grids whose co-located values feed the features of synthesis grid `level`.
    func sources(of level: Int) -> Range<Int> { (level + 1)..<count }
}
