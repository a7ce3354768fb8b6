/// Sizes of the latent grids for an image: grid `l` has `ceil(height / 2^l) x ceil(width / 2^l)`
/// values, for `l = 0 ..< levels`.
///
/// The number of levels is 7 (1/1 to 1/64, as Cool-chic uses below one megapixel) or fewer for small
/// images: halving stops once the coarsest grid is 1x1, so a 1x1 image has one grid and a 16x16
/// image five. Up-sampling a grid by two gives at least the next finer grid's size; the extra row or
/// column is cropped.
public struct LatentGeometry: Sendable, Equatable {
    /// Most levels ever used (1/1 ... 1/64).
    public static let maximumLevels = 7

    public let width: Int
    public let height: Int
    public let levels: Int
    /// `gridSizes[l]` is the size of grid `l` (0 = full resolution).
    public let gridSizes: [(width: Int, height: Int)]

    /// The grids of a `width x height` image; `maximumLevels` caps their number below the usual 7
    /// (the encoder's half-resolution start uses one grid less than the full model).
    public init(width: Int, height: Int, maximumLevels: Int = LatentGeometry.maximumLevels) {
        self.width = width
        self.height = height
        var sizes: [(width: Int, height: Int)] = [(max(1, width), max(1, height))]
        while sizes.count < maximumLevels, let last = sizes.last, last.width > 1 || last.height > 1 {
            sizes.append(((last.width + 1) / 2, (last.height + 1) / 2))
        }
        self.levels = sizes.count
        self.gridSizes = sizes
    }

    public static func == (lhs: LatentGeometry, rhs: LatentGeometry) -> Bool {
        lhs.width == rhs.width && lhs.height == rhs.height
    }

    /// Number of values in grid `level`.
    public func count(level: Int) -> Int { gridSizes[level].width * gridSizes[level].height }

    /// Offset of grid `level` in a buffer holding every grid, finest first.
    public func offset(level: Int) -> Int { (0..<level).reduce(0) { $0 + count(level: $1) } }

    /// Number of latent values over all grids.
    public var totalLatents: Int { (0..<levels).reduce(0) { $0 + count(level: $1) } }
}
