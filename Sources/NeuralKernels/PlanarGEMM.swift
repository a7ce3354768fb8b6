/// The one matrix-product micro-kernel behind ``Linear``, ``Conv2D`` and ``PointwiseMLP``:
/// `C[o, p] (+)= bias[o] + sum_k A[o, k] * B(k, p)` where `B(k, p) = b[offsets[k] + p * columnStride]`.
///
/// `A` is packed once in blocks of six output rows (`packed[(block * depth + k) * 6 + r]`); the
/// product runs in the C kernels of the level chosen at packing time (``Acceleration``). Every sum
/// starts at zero and accumulates `s = fma(B, A, s)` in increasing `k` (one rounding per term), so
/// results do not depend on the kernel level, the platform or how columns are split across threads.
import CNeuralKernels

struct PlanarGEMM {
    /// Output rows (M).
    let rows: Int
    /// Reduction length (K).
    let depth: Int
    /// A packed in blocks of `NK_GEMM_BLOCK_ROWS` rows; rows beyond `rows` are zero.
    let packed: [Float]
    /// The kernel family chosen when packing.
    let level: Acceleration.Level

    static let blockRows = Int(NK_GEMM_BLOCK_ROWS)

    var blockCount: Int { (rows + Self.blockRows - 1) / Self.blockRows }

    /// Packs the row-major `rows x depth` matrix read through `element(row, k)`.
    init(rows: Int, depth: Int, element: (Int, Int) -> Float) {
        self.rows = rows
        self.depth = depth
        level = Acceleration.level
        var packed = [Float](repeating: 0, count: ((rows + Self.blockRows - 1) / Self.blockRows) * depth * Self.blockRows)
        for row in 0..<rows {
            let block = row / Self.blockRows, lane = row % Self.blockRows
            for k in 0..<depth { packed[(block * depth + k) * Self.blockRows + lane] = element(row, k) }
        }
        self.packed = packed
    }

    /// Computes the columns `columns` of C for every output row.
    /// - Parameters:
    ///   - offsets: `depth` offsets into `b`, one per reduction index.
    ///   - c: output, row `o` at `c + o * ldc`.
    ///   - accumulate: add to C instead of overwriting it.
    ///   - relu: apply max(0, .) to the product plus bias, before it is added to C.
    func runAllRows(offsets: UnsafePointer<Int>, b: UnsafePointer<Float>, columnStride: Int,
                    c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?,
                    columns: Range<Int>, accumulate: Bool, relu: Bool) {
        let kernel = switch level {
        case .portable: nk_planar_gemm_portable
        case .avx2: nk_planar_gemm_avx2
        case .avx512: nk_planar_gemm_avx512
        }
        packed.withUnsafeBufferPointer { a in
            kernel(a.baseAddress, rows, depth, offsets, b, columnStride, c, ldc, bias, columns.lowerBound,
                   columns.upperBound, 0, blockCount, accumulate ? 1 : 0, relu ? 1 : 0)
        }
    }
}
