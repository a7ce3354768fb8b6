/// The latent grids the latent stream codes: the synthesis's grids (``LatentGeometry``) and, for a
/// model with inter-grid features, hyper grids at the resolutions of the three coarsest, which only
/// the ARM's inter-grid features read (the hyper-latents of Cool-chic 5.0, Orange-OpenSource/Cool-Chic).
/// Grid `g` of this list holds `starts[g] ..< starts[g + 1]` of the latent
/// buffer: the synthesis grids finest first, then the hyper grids finest first.
///
/// The finest ``featureLevels`` synthesis grids get the inter-grid features; every other grid reads
/// zeros there. The features of grid `l` are computed from every grid after it in this list, so
/// ``codingOrder`` codes the hyper grids first (coarsest first), then the synthesis grids from the
/// coarsest. The finest ``uncodedGrids`` synthesis grids (``Architecture/uncodedGrids``) keep their
/// place in the buffer but are all zero and not coded: ``codingOrder`` leaves them out, and the
/// training-time ARM works on ``codedGrids`` alone.
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
    /// Grids `0 ..< uncodedGrids` are all zero and not coded.
    let uncodedGrids: Int

    init(geometry: LatentGeometry, interGrid: Bool, uncodedGrids: Int = 0) {
        self.uncodedGrids = uncodedGrids
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

    /// The same list without the first `dropped` grids (every index `dropped` less): the grids a
    /// model with `dropped` uncoded grids codes, as a list of their own.
    private init(_ grids: EntropyGrids, dropping dropped: Int) {
        synthesisGrids = grids.synthesisGrids - dropped
        sizes = Array(grids.sizes[dropped...])
        // Relative to the first coded grid, so that a synthesis grid's index is its level, as in a
        // list of its own (the grids of the image at 1 / 2^dropped of its size).
        resolutions = grids.resolutions[dropped...].map { $0 - dropped }
        starts = grids.starts[dropped...].map { $0 - grids.starts[dropped] }
        featureLevels = max(0, grids.featureLevels - dropped)
        uncodedGrids = 0
    }

    /// The coded grids alone (``uncodedGrids`` dropped; grid `g` of it is grid `g + uncodedGrids` of
    /// this list, its latent `i` this list's `i + firstCodedLatent`).
    var codedGrids: EntropyGrids { EntropyGrids(self, dropping: uncodedGrids) }

    /// Index of the first coded latent in the buffer.
    var firstCodedLatent: Int { starts[uncodedGrids] }

    var count: Int { sizes.count }
    var totalLatents: Int { starts[starts.count - 1] }
    var hyperGrids: Int { sizes.count - synthesisGrids }

    /// Grids in the order the latent stream codes them.
    var codingOrder: [Int] {
        Array((synthesisGrids..<count).reversed()) + Array((uncodedGrids..<synthesisGrids).reversed())
    }

    /// The grids whose co-located values feed the features of synthesis grid `level`.
    func sources(of level: Int) -> Range<Int> { (level + 1)..<count }
}
