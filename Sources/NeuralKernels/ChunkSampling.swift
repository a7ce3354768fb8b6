/// Which chunks of positions a weight gradient is summed over: chunk `i` (``PointwiseMLP/chunk``
/// positions from `i * chunk`) when `(i + phase) mod stride == 0`, its contribution multiplied by
/// `stride`. Over `stride` consecutive phases every chunk is taken once, so the sampled gradient is
/// an unbiased estimate of the full one at about `1 / stride` of the correlation work. The choice
/// depends only on the chunk index and the phase, never on the thread count.
public struct ChunkSampling: Sendable, Equatable {
    /// Take one chunk in `stride` (at least 1).
    public let stride: Int
    /// Which residue of the chunk index is taken (in `0 ..< stride`).
    public let phase: Int

    /// False only for ``none``.
    public let takesChunks: Bool

    /// `phase` is reduced modulo `stride`; a `stride` below 1 is taken as 1.
    public init(stride: Int, phase: Int) {
        self.stride = max(1, stride)
        self.phase = ((phase % self.stride) + self.stride) % self.stride
        takesChunks = true
    }

    private init(takingNoChunk: ()) {
        stride = 1
        phase = 0
        takesChunks = false
    }

    /// Every chunk, unscaled: the full gradient.
    public static let all = ChunkSampling(stride: 1, phase: 0)

    /// No chunk: the weight gradient is not wanted (its correlations are skipped; it stays zero).
    public static let none = ChunkSampling(takingNoChunk: ())

    /// Whether chunk `index` contributes.
    public func includes(chunk index: Int) -> Bool { takesChunks && (index + phase) % stride == 0 }

    /// The factor applied to the sampled chunks' sums.
    public var scale: Float { Float(stride) }
}
