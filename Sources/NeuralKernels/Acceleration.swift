import CNeuralKernels
import Synchronization

/// Run-time selection of the wide-vector kernels.
///
/// Swift compiles for the baseline CPU of the target (SSE2 on x86-64) unless given build flags,
/// and lowers fused multiply-add to a library call there. The two hottest loops (the matrix
/// product behind ``Linear``/``Conv2D`` and the weight-gradient correlation) therefore also exist
/// as C functions compiled with function-level AVX2 / AVX-512 target attributes, chosen at run
/// time from the CPU's features. They multiply and add unfused, in the same order as the portable
/// Swift loops, so the results are bit-identical whichever path runs.
public enum Acceleration {
    /// A kernel family, from the portable Swift loops up.
    public enum Level: Int, Sendable, Comparable, CustomStringConvertible {
        /// Portable Swift SIMD loops (128-bit on baseline x86-64, NEON on ARM).
        case portable = 0
        /// 256-bit AVX2 C kernels.
        case avx2 = 1
        /// 512-bit AVX-512F C kernels.
        case avx512 = 2

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        public var description: String { ["portable", "avx2", "avx512"][rawValue] }
    }

    /// The best level this CPU (and OS) supports.
    public static let available: Level = nk_avx512_available() != 0 ? .avx512 : (nk_avx2_available() != 0 ? .avx2 : .portable)

    private static let cap = Atomic<Int>(Level.avx512.rawValue)

    /// The level in use: the available one, capped by ``setMaximumLevel(_:)``.
    public static var level: Level { min(available, Level(rawValue: cap.load(ordering: .relaxed)) ?? .portable) }

    /// Caps the level (e.g. `.portable` to compare with the Swift loops); `.avx512` restores the default.
    public static func setMaximumLevel(_ level: Level) {
        cap.store(level.rawValue, ordering: .relaxed)
    }
}
