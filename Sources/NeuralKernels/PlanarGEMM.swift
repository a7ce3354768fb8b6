/// The one matrix-product micro-kernel behind ``Linear`` and ``Conv2D``:
/// `C[o, p] (+)= bias[o] + sum_k A[o, k] * B(k, p)` where `B(k, p) = b[offsets[k] + p * columnStride]`.
///
/// `A` is packed in blocks of four output rows (`packed[(block * depth + k) * 4 + r]`), so one
/// SIMD4 load yields the four weights of a reduction step. Products are accumulated with an
/// unfused multiply and add, in increasing `k`, so results do not depend on the platform or on
/// how columns are split across threads.
import CNeuralKernels

struct PlanarGEMM {
    /// Output rows (M).
    let rows: Int
    /// Reduction length (K).
    let depth: Int
    /// Packed A, `blockCount * depth * 4` values; rows beyond `rows` are zero.
    let packed: [Float]
    /// A packed in blocks of 6 rows for the C kernels (empty when they are not used).
    let packedWide: [Float]
    /// The kernel family chosen when packing.
    let level: Acceleration.Level

    var blockCount: Int { (rows + 3) / 4 }


    /// Packs the row-major `rows x depth` matrix read through `element(row, k)`.
    init(rows: Int, depth: Int, element: (Int, Int) -> Float) {
        self.rows = rows
        self.depth = depth
        packed = Self.pack(rows: rows, depth: depth, blockRows: 4, element: element)
        level = Acceleration.level
        packedWide = level > .portable
            ? Self.pack(rows: rows, depth: depth, blockRows: Int(NK_GEMM_BLOCK_ROWS), element: element) : []
    }

    private static func pack(rows: Int, depth: Int, blockRows: Int, element: (Int, Int) -> Float) -> [Float] {
        var packed = [Float](repeating: 0, count: ((rows + blockRows - 1) / blockRows) * depth * blockRows)
        for row in 0..<rows {
            let block = row / blockRows, lane = row % blockRows
            for k in 0..<depth { packed[(block * depth + k) * blockRows + lane] = element(row, k) }
        }
        return packed
    }

    /// Computes all output rows for `columns` (see ``run(offsets:b:columnStride:c:ldc:bias:columns:blocks:accumulate:relu:)``),
    /// on the C kernels when they were selected at packing time and columns are contiguous.
    func runAllRows(offsets: UnsafePointer<Int>, b: UnsafePointer<Float>, columnStride: Int,
                    c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?,
                    columns: Range<Int>, accumulate: Bool, relu: Bool) {
        if !packedWide.isEmpty && columnStride == 1 {
            let wideBlocks = (rows + Int(NK_GEMM_BLOCK_ROWS) - 1) / Int(NK_GEMM_BLOCK_ROWS)
            let kernel = level == .avx512 ? nk_planar_gemm_avx512 : nk_planar_gemm_avx2
            packedWide.withUnsafeBufferPointer { wide in
                kernel(wide.baseAddress, rows, depth, offsets, b, c, ldc, bias, columns.lowerBound,
                       columns.upperBound, 0, wideBlocks, accumulate ? 1 : 0, relu ? 1 : 0)
            }
            return
        }
        run(offsets: offsets, b: b, columnStride: columnStride, c: c, ldc: ldc, bias: bias,
            columns: columns, blocks: 0..<blockCount, accumulate: accumulate, relu: relu)
    }

    /// Computes the columns `columns` of C for output rows in blocks `blocks`.
    /// - Parameters:
    ///   - offsets: `depth` offsets into `b`, one per reduction index.
    ///   - c: output, row `o` at `c + o * ldc`.
    ///   - accumulate: add to C instead of overwriting it.
    ///   - relu: apply max(0, .) to the product plus bias, before it is added to C.
    func run(offsets: UnsafePointer<Int>, b: UnsafePointer<Float>, columnStride: Int,
             c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?,
             columns: Range<Int>, blocks: Range<Int>, accumulate: Bool, relu: Bool) {
        packed.withUnsafeBufferPointer { packedBuffer in
            guard let a = packedBuffer.baseAddress else { return }
            let vectorEnd = columns.lowerBound + (columns.count / 8) * 8
            var panelStart = columns.lowerBound
            while panelStart < vectorEnd {
                let panelEnd = min(vectorEnd, panelStart + 64)
                for block in blocks {
                    let rowsHere = min(4, rows - block * 4)
                    let aBlock = a + block * depth * 4
                    var p = panelStart
                    while p < panelEnd {
                        let sums = tile8(aBlock: aBlock, offsets: offsets, b: b + p * columnStride, stride: columnStride)
                        store(sums, rowsHere: rowsHere, firstRow: block * 4, column: p, c: c, ldc: ldc,
                              bias: bias, accumulate: accumulate, relu: relu)
                        p += 8
                    }
                }
                panelStart = panelEnd
            }
            if vectorEnd < columns.upperBound {
                for block in blocks {
                    scalarColumns(vectorEnd..<columns.upperBound, block: block, a: a, offsets: offsets, b: b,
                                  columnStride: columnStride, c: c, ldc: ldc, bias: bias,
                                  accumulate: accumulate, relu: relu)
                }
            }
        }
    }

    /// Four rows x eight columns; columns `stride` apart in B (1: contiguous vector loads).
    @inline(__always)
    private func tile8(aBlock: UnsafePointer<Float>, offsets: UnsafePointer<Int>, b: UnsafePointer<Float>, stride: Int)
        -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
        for k in 0..<depth {
            let x = stride == 1 ? load8(b + offsets[k]) : gather8(b + offsets[k], stride: stride)
            let w = load4(aBlock + k * 4)
            s0 = s0 + x * w.x
            s1 = s1 + x * w.y
            s2 = s2 + x * w.z
            s3 = s3 + x * w.w
        }
        return (s0, s1, s2, s3)
    }

    @inline(__always)
    private func store(_ sums: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>), rowsHere: Int,
                       firstRow: Int, column: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                       bias: UnsafePointer<Float>?, accumulate: Bool, relu: Bool) {
        for r in 0..<rowsHere {
            var value: SIMD8<Float>
            switch r {
            case 0: value = sums.0
            case 1: value = sums.1
            case 2: value = sums.2
            default: value = sums.3
            }
            let target = c + (firstRow + r) * ldc + column
            if let bias { value = value + bias[firstRow + r] }
            if relu { value = value.replacing(with: 0, where: value .< 0) }
            if accumulate { value = load8(target) + value }
            store8(value, target)
        }
    }

    private func scalarColumns(_ columns: Range<Int>, block: Int, a: UnsafePointer<Float>,
                               offsets: UnsafePointer<Int>, b: UnsafePointer<Float>, columnStride: Int,
                               c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?,
                               accumulate: Bool, relu: Bool) {
        let rowsHere = min(4, rows - block * 4)
        let aBlock = a + block * depth * 4
        for p in columns {
            // Same per-column summation order as the vector path, so tails match it bit for bit.
            var sums = SIMD4<Float>()
            for k in 0..<depth {
                sums = sums + load4(aBlock + k * 4) * b[offsets[k] + p * columnStride]
            }
            for r in 0..<rowsHere {
                var value = sums[r]
                let target = c + (block * 4 + r) * ldc + p
                if let bias { value = value + bias[block * 4 + r] }
                if relu { value = max(0, value) }
                if accumulate { value = target.pointee + value }
                target.pointee = value
            }
        }
    }
}
