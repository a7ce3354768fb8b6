import CNeuralKernels

/// Run-time selection of the wide-vector kernels.
///
/// The hottest loops (the matrix product behind ``Linear``, ``Conv2D`` and ``PointwiseMLP``, the
/// weight-gradient correlation and the Winograd weight gradient's row products) are C functions in
/// three families: portable C, and on
/// x86-64 AVX2 + FMA and AVX-512F versions compiled with function-level target attributes (no
/// build flags), chosen at run time from the CPU's features. Every family accumulates each product
/// with a fused multiply-add (one IEEE-754 rounding) and takes the terms in the same order, so
/// results are bit-identical whichever family runs, on every machine and thread count. The
/// portable family calls C's `fmaf`: one instruction on ARM64; on an x86-64 without FMA (CPUs
/// before 2013) a correctly rounded but slow library call. Swift code never fuses (Swift lowers
/// `addingProduct` to that library call on baseline x86-64): Swift loops stay unfused and never
/// have to match these kernels.
public enum Acceleration {
    /// A kernel family, from the portable loops up.
    public enum Level: Int, Sendable, Comparable, CustomStringConvertible {
        /// Portable C loops with `fmaf` (vectorized with NEON on ARM64).
        case portable = 0
        /// 256-bit AVX2 + FMA C kernels.
        case avx2 = 1
        /// 512-bit AVX-512F C kernels.
        case avx512 = 2

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        public var description: String { ["portable", "avx2", "avx512"][rawValue] }
    }

    /// The best level this CPU (and OS) supports.
    public static let available: Level = nk_avx512_available() != 0 ? .avx512 : (nk_avx2_available() != 0 ? .avx2 : .portable)

    /// The cap of the current task (and of the kernels' worker threads it starts, which
    /// ``Parallel`` and the codecs' chunk runners re-bind); task-local, so a test comparing levels
    /// never changes the level of the tests running beside it.
    @TaskLocal private static var cap: Level = .avx512

    /// The level in use: the available one, capped by ``withMaximumLevel(_:_:)``.
    public static var level: Level { min(available, cap) }

    /// The cap in force here (``Level/avx512`` unless inside ``withMaximumLevel(_:_:)``).
    public static var maximumLevel: Level { cap }

    /// Runs `body` with the level capped at `level` (e.g. `.portable` to compare with the portable
    /// C loops) in this task and in the kernels' worker threads it starts.
    public static func withMaximumLevel<Result>(_ level: Level, _ body: () throws -> Result) rethrows -> Result {
        level == cap ? try body() : try $cap.withValue(level, operation: body)
    }
}
