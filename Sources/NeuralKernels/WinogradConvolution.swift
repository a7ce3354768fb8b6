/// The 3x3 stride-1 correlation of ``ConvolutionCore`` by Winograd's minimal filtering F(2x2, 3x3)
/// (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016): the forward
/// pass (and through it the input gradient) and the weight gradient.
///
/// Forward: each 2x2 output tile is `A^T [sum_i (G g_oi G^T) ⊙ (B^T d_i B)] A` over the 4x4 input
/// tiles `d_i` (stride 2), so the channel sums become 16 matrix products (one per transformed
/// position) with 16 instead of 36 multiply-adds per tile and channel pair: 2.25x fewer.
/// Weight gradient, the adjoint: `dg_oi = G^T [sum over tiles (A dy_o A^T) ⊙ (B^T d_i B)] G` with
/// the output-gradient tiles `dy_o`, again 16 products, each summed over the tiles.
///
/// The transforms only add, subtract, negate and halve, in a fixed order, in Swift (the input and
/// output-gradient transforms at kernel level AVX2 and up in C, `nk_winograd_input_avx2` and
/// `nk_winograd_gradient_avx2`, with the same operations element by element); the products
/// run on ``PlanarGEMM`` and ``PlaneCorrelation`` (fused multiply-add, every kernel level
/// bit-identical); tiles are cut by tile rows and bands whatever the thread count, and band sums
/// are added in band order. Results are therefore bit-identical across kernel levels and thread
/// counts, but differ from the direct sums by rounding (the transforms reassociate them).
import CNeuralKernels
import Synchronization

struct WinogradConvolution {
    let inChannels: Int, outChannels: Int

    /// Channel counts from which the transforms cost little next to the products.
    static let minimumChannels = 16

    /// Whether ``ConvolutionCore`` takes this path for `core` (forward, input and weight gradients).
    static func applies(to core: ConvolutionCore) -> Bool {
        core.kernelHeight == 3 && core.kernelWidth == 3 && core.stride == 1 && core.groups == 1
            && core.inChannels >= minimumChannels && core.outChannels >= minimumChannels
    }

    /// `output[o, y, x] (+)= relu?(bias[o] + sum weight[o, i, ky, kx] * padded[i, y + ky, x + kx])`,
    /// reading only rows `< outHeight + 2` and columns `< outWidth + 2` of each padded plane
    /// (planes `paddedHeight * paddedWidth` apart, rows `paddedWidth` apart).
    func forward(padded: UnsafePointer<Float>, paddedHeight: Int, paddedWidth: Int, outHeight: Int, outWidth: Int,
                 weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                 accumulate: Bool, relu: Bool) {
        forward(source: Source(base: padded, plane: paddedHeight * paddedWidth, rowStride: paddedWidth, top: 0, left: 0,
                               height: outHeight + 2, width: outWidth + 2),
                outHeight: outHeight, outWidth: outWidth, weight: weight, bias: bias, output: output,
                accumulate: accumulate, relu: relu)
    }

    /// The forward pass on the zero-padded input described by `source` (the padding is never
    /// stored: the input transform reads it as zero).
    func forward(source: Source, outHeight: Int, outWidth: Int, weight: UnsafePointer<Float>,
                 bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, accumulate: Bool, relu: Bool) {
        let products = transformedWeights(weight)
        let tilesY = (outHeight + 1) / 2, tilesX = (outWidth + 1) / 2
        // Row stride of the per-tile-row buffers: whole SIMD8 chunks, plus one for the k + 1 reads.
        let stride = (tilesX + 8) / 8 * 8 + 8
        let source = source.clipped(outHeight: outHeight, outWidth: outWidth)
        let geometry = Geometry(source: source, outHeight: outHeight, outWidth: outWidth, tilesX: tilesX, stride: stride)
        let offsets = (0..<inChannels).map { $0 * stride }
        offsets.withUnsafeBufferPointer { offsetBuffer in
            guard let offsetBase = offsetBuffer.baseAddress else { return }
            // Work items of whole tile rows, cut by the problem size only (one tile row of
            // buffers is about what the L2 cache holds; two rows at once measured slower).
            let items = min(tilesY, 16)
            Parallel.forEach(items) { item in
                let scratch = Scratch(inputRows: inChannels, outputRows: outChannels, stride: stride)
                defer { scratch.release() }
                for tileRow in (item * tilesY / items)..<((item + 1) * tilesY / items) {
                    transformInput(tileRow: tileRow, geometry: geometry, scratch: scratch, into: scratch.v,
                                   channelStride: stride)
                    for position in 0..<16 {
                        products[position].runAllRows(offsets: offsetBase, b: scratch.v + position * inChannels * stride,
                                                      columnStride: 1, c: scratch.m + position * outChannels * stride,
                                                      ldc: stride, bias: nil, columns: 0..<tilesX,
                                                      accumulate: false, relu: false)
                    }
                    transformOutput(scratch, tileRow: tileRow, geometry: geometry, bias: bias, output: output,
                                    accumulate: accumulate, relu: relu)
                }
            }
        }
    }

    /// `gradWeight[o, i, ky, kx] += sum_{y, x} gradOutput[o, y, x] * padded[i, y + ky, x + kx]` and
    /// `gradBias[o] += sum gradOutput[o, ., .]`, reading the padded planes as the forward pass does.
    ///
    /// The tile rows are cut into at most eight bands (by the problem size only), one work item
    /// each, with their own sums `dU_p[o][i]`; a band runs in steps of a few tile rows, whose
    /// transformed inputs and output gradients ``PlaneCorrelation`` multiplies position by
    /// position, summing over the step's tiles. The band sums are then added in band order and
    /// mapped back through G^T . G.
    func backwardWeight(gradOutput: UnsafePointer<Float>, outHeight: Int, outWidth: Int,
                        padded: UnsafePointer<Float>, paddedHeight: Int, paddedWidth: Int,
                        gradWeight: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>?) {
        let tilesY = (outHeight + 1) / 2, tilesX = (outWidth + 1) / 2
        let stride = (tilesX + 8) / 8 * 8 + 8
        let source = Source(base: padded, plane: paddedHeight * paddedWidth, rowStride: paddedWidth, top: 0, left: 0,
                            height: outHeight + 2, width: outWidth + 2)
        let geometry = Geometry(source: source, outHeight: outHeight, outWidth: outWidth, tilesX: tilesX, stride: stride)
        // Tile rows per step: runs of at least 256 tiles between the row products' lane reductions.
        // A step's tile rows follow each other without gaps (the transforms' whole-vector stores
        // past a row's end are overwritten by the next row, or land in eight spare samples).
        let stepRows = min(tilesY, (256 + tilesX - 1) / tilesX)
        let channelStride = stepRows * tilesX + 8
        let bands = min(tilesY, 8)
        // Position sums 16 floats more than `pairs` apart, so that the 16 sums of one pair do not
        // all fall in the same cache set (a power-of-two stride would).
        let pairs = outChannels * inChannels, positionStride = pairs + 16, bandSize = 16 * positionStride
        var partials = [Float](repeating: 0, count: bands * bandSize)
        let leftOffsets = (0..<outChannels).map { $0 * channelStride }
        let rightOffsets = (0..<inChannels).map { $0 * channelStride }
        partials.withUnsafeMutableBufferPointer { partialBuffer in
            leftOffsets.withUnsafeBufferPointer { lo in
                rightOffsets.withUnsafeBufferPointer { ro in
                    guard let partialBase = partialBuffer.baseAddress, let lo = lo.baseAddress,
                          let ro = ro.baseAddress else { return }
                    // One scratch per thread (bands taken in turn), not per band: fewer first touches.
                    let nextBand = Atomic<Int>(0)
                    Parallel.forEach(min(bands, Parallel.maxThreads)) { _ in
                        // `stepRows` rows of `stride` hold a channel's `channelStride` samples.
                        let scratch = Scratch(inputRows: inChannels * stepRows, outputRows: outChannels * stepRows,
                                              stride: stride)
                        defer { scratch.release() }
                        while true {
                            let band = nextBand.add(1, ordering: .relaxed).oldValue
                            guard band < bands else { break }
                            let sums = partialBase + band * bandSize
                            var first = band * tilesY / bands
                            let end = (band + 1) * tilesY / bands
                            while first < end {
                                let rows = min(stepRows, end - first)
                                for slot in 0..<rows {
                                    transformInput(tileRow: first + slot, geometry: geometry, scratch: scratch,
                                                   into: scratch.v + slot * tilesX, channelStride: channelStride)
                                    transformGradient(gradOutput, tileRow: first + slot, geometry: geometry,
                                                      scratch: scratch, into: scratch.m + slot * tilesX,
                                                      channelStride: channelStride)
                                }
                                for position in 0..<16 {
                                    PlaneCorrelation.addRowProducts(
                                        left: scratch.m + position * outChannels * channelStride,
                                        leftOffsets: lo, leftCount: outChannels,
                                        right: scratch.v + position * inChannels * channelStride,
                                        rightOffsets: ro, rightCount: inChannels, n: rows * tilesX,
                                        sums: sums + position * positionStride)
                                }
                                first += rows
                            }
                        }
                    }
                    let outPlane = outHeight * outWidth
                    Parallel.forRanges(count: outChannels, grain: max(1, 4096 / inChannels)) { range in
                        withUnsafeTemporaryAllocation(of: Float.self, capacity: 28) { work in
                            let u = work.baseAddress!
                            // Band sums added into band 0's, in band order, then through G^T . G.
                            let rows = partialBase + range.lowerBound * inChannels, count = range.count * inChannels
                            for position in 0..<16 {
                                let target = rows + position * positionStride
                                for band in 1..<bands {
                                    addVectors(target, target + band * bandSize, into: target, count: count)
                                }
                            }
                            for pair in (range.lowerBound * inChannels)..<(range.upperBound * inChannels) {
                                for position in 0..<16 { u[position] = partialBase[position * positionStride + pair] }
                                Self.addWeightGradient(u, into: gradWeight + pair * 9)
                            }
                        }
                        guard let gradBias else { return }
                        withUnsafeTemporaryAllocation(of: Int.self, capacity: 1) { offset in
                            offset[0] = 0
                            for o in range {
                                PlaneCorrelation.addRunSums(left: gradOutput + o * outPlane,
                                                            leftOffsets: offset.baseAddress!, leftCount: 1,
                                                            n: outPlane, sums: gradBias + o)
                            }
                        }
                    }
                }
            }
        }
    }

    /// `g += G^T u G` for one channel pair's 16 transformed sums `u[0..<16]` (row-major 4 x 4);
    /// `u[16..<28]` is work space.
    @inline(__always)
    static func addWeightGradient(_ u: UnsafeMutablePointer<Float>, into g: UnsafeMutablePointer<Float>) {
        // G^T u (3 x 4), then (G^T u) G (3 x 3).
        let gu = u + 16
        for column in 0..<4 {
            let c = weightGradientTransform(u[column], u[4 + column], u[8 + column], u[12 + column])
            gu[column] = c.0
            gu[4 + column] = c.1
            gu[8 + column] = c.2
        }
        for row in 0..<3 {
            let c = weightGradientTransform(gu[row * 4], gu[row * 4 + 1], gu[row * 4 + 2], gu[row * 4 + 3])
            g[row * 3] += c.0
            g[row * 3 + 1] += c.1
            g[row * 3 + 2] += c.2
        }
    }

    /// One column (or row) through G^T = [[1, 1/2, 1/2, 0], [0, 1/2, -1/2, 0], [0, 1/2, 1/2, 1]].
    @inline(__always)
    static func weightGradientTransform(_ a: Float, _ b: Float, _ c: Float, _ d: Float) -> (Float, Float, Float) {
        let half = (b + c) * 0.5
        return (a + half, (b - c) * 0.5, half + d)
    }

    struct Geometry {
        let source: Source, outHeight: Int, outWidth: Int, tilesX: Int, stride: Int
    }

    /// The forward pass's (virtually) padded input: `height x width` planes at `base`, `plane`
    /// samples apart (rows `rowStride` apart), preceded by `top` zero rows and `left` zero columns;
    /// every other sample of the padded input is zero too.
    struct Source {
        let base: UnsafePointer<Float>, plane: Int, rowStride: Int, top: Int, left: Int, height: Int, width: Int

        /// The same input with `top` and `left` at least 0 (a negative one skips stored rows or
        /// columns) and no stored sample beyond the `outHeight + 2` rows and `outWidth + 2`
        /// columns the pass reads.
        func clipped(outHeight: Int, outWidth: Int) -> Source {
            let skipRows = max(0, -top), skipColumns = max(0, -left)
            let top = max(0, top), left = max(0, left)
            return Source(base: base + skipRows * rowStride + skipColumns, plane: plane, rowStride: rowStride,
                          top: top, left: left, height: max(0, min(height - skipRows, outHeight + 2 - top)),
                          width: max(0, min(width - skipColumns, outWidth + 2 - left)))
        }
    }

    /// One work item's buffers, reused for each of its tile rows: transformed inputs `v` (16 x
    /// `inputRows` rows of `stride`), transformed outputs `m` (16 x `outputRows` rows: the products
    /// of the forward pass, the transformed output gradients of the weight gradient), four
    /// transform rows and a zero row (`2 * stride` each), and work rows `work` (4 x `stride`).
    struct Scratch {
        let v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>
        let rows: UnsafeMutablePointer<Float>, zeros: UnsafeMutablePointer<Float>, work: UnsafeMutablePointer<Float>
        let storage: UnsafeMutablePointer<Float>

        init(inputRows: Int, outputRows: Int, stride: Int) {
            let transformed = 16 * (inputRows + outputRows) * stride
            storage = .allocate(capacity: transformed + (10 + 4) * stride)
            // Only the transform rows, the zero row and the work rows need zeros; `v` and `m` are
            // written before they are read.
            (storage + transformed).initialize(repeating: 0, count: (10 + 4) * stride)
            v = storage
            m = v + 16 * inputRows * stride
            rows = m + 16 * outputRows * stride
            zeros = rows + 8 * stride
            work = zeros + 2 * stride
        }

        func release() { storage.deallocate() }
    }

    /// The 16 matrices `U_p[o][i] = (G g_oi G^T)_p`, packed for the products.
    func transformedWeights(_ weight: UnsafePointer<Float>) -> [PlanarGEMM] {
        var u = [Float](repeating: 0, count: 16 * outChannels * inChannels)
        let pairs = outChannels * inChannels
        for pair in 0..<pairs {
            let g = weight + pair * 9
            // G g: the three columns of g, each through (a, (a + b + c) / 2, (a - b + c) / 2, c).
            var gg = [Float](repeating: 0, count: 12)
            for column in 0..<3 {
                let t = Self.weightTransform(g[column], g[3 + column], g[6 + column])
                gg[column] = t.0
                gg[3 + column] = t.1
                gg[6 + column] = t.2
                gg[9 + column] = t.3
            }
            for row in 0..<4 {
                let t = Self.weightTransform(gg[row * 3], gg[row * 3 + 1], gg[row * 3 + 2])
                u[(row * 4) * pairs + pair] = t.0
                u[(row * 4 + 1) * pairs + pair] = t.1
                u[(row * 4 + 2) * pairs + pair] = t.2
                u[(row * 4 + 3) * pairs + pair] = t.3
            }
        }
        let inChannels = inChannels
        return (0..<16).map { position in
            PlanarGEMM(rows: outChannels, depth: inChannels) { u[position * pairs + $0 * inChannels + $1] }
        }
    }

    /// One column (or row) through G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]].
    @inline(__always)
    static func weightTransform(_ a: Float, _ b: Float, _ c: Float) -> (Float, Float, Float, Float) {
        (a, ((a + c) + b) * 0.5, ((a + c) - b) * 0.5, c)
    }

    /// `v[(p * inChannels + i) * channelStride + k] = (B^T d B)_p` for the input tiles `d` of tile
    /// row `tileRow` of the padded input `geometry.source` (a clipped ``Source``),
    /// B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]. At kernel level AVX2 and
    /// up, the same operations in C (`nk_winograd_input_avx2`).
    private func transformInput(tileRow: Int, geometry: Geometry, scratch: Scratch,
                                into v: UnsafeMutablePointer<Float>, channelStride: Int) {
        let stride = geometry.stride, tilesX = geometry.tilesX, inChannels = inChannels
        let source = geometry.source
        if Acceleration.level >= .avx2 {
            nk_winograd_input_avx2(source.base, source.plane, source.rowStride, inChannels, 2 * tileRow - source.top,
                                   source.height, source.left, source.width, tilesX, v, channelStride)
            return
        }
        let even = scratch.work, odd = scratch.work + stride
        let rowLength = 2 * stride, rows = scratch.rows
        // The stored columns land at `left` onwards; the transform rows' other samples stay zero
        // (nothing else writes them in a forward pass).
        let width = source.width, vectorEnd = width / 8 * 8, rowsAt = rows + source.left
        for i in 0..<inChannels {
            let plane = source.base + i * source.plane
            func row(_ r: Int) -> UnsafePointer<Float> {
                let y = 2 * tileRow + r - source.top
                return y >= 0 && y < source.height ? plane + y * source.rowStride : UnsafePointer(scratch.zeros)
            }
            let d0 = row(0), d1 = row(1), d2 = row(2), d3 = row(3)
            // Rows of B^T d: d0 - d2, d1 + d2, d2 - d1, d1 - d3 (zero beyond the stored columns).
            var x = 0
            while x < vectorEnd {
                let a0 = load8(d0 + x), a1 = load8(d1 + x), a2 = load8(d2 + x), a3 = load8(d3 + x)
                store8(a0 - a2, rowsAt + x)
                store8(a1 + a2, rowsAt + rowLength + x)
                store8(a2 - a1, rowsAt + 2 * rowLength + x)
                store8(a1 - a3, rowsAt + 3 * rowLength + x)
                x += 8
            }
            while x < width {
                rowsAt[x] = d0[x] - d2[x]
                rowsAt[rowLength + x] = d1[x] + d2[x]
                rowsAt[2 * rowLength + x] = d2[x] - d1[x]
                rowsAt[3 * rowLength + x] = d1[x] - d3[x]
                x += 1
            }
            // Columns: with E[k] = t[2k] and O[k] = t[2k + 1], the tile k gets E[k] - E[k+1],
            // O[k] + E[k+1], E[k+1] - O[k], O[k] - O[k+1].
            for a in 0..<4 {
                let t = rows + a * rowLength
                var k = 0
                while k <= tilesX {
                    let pair = UnsafeRawPointer(t + 2 * k).loadUnaligned(as: SIMD16<Float>.self)
                    store8(pair.evenHalf, even + k)
                    store8(pair.oddHalf, odd + k)
                    k += 8
                }
                let target = v + (4 * a * inChannels + i) * channelStride, next = inChannels * channelStride
                k = 0
                while k < tilesX {
                    let e0 = load8(even + k), e1 = load8(even + k + 1), o0 = load8(odd + k), o1 = load8(odd + k + 1)
                    store8(e0 - e1, target + k)
                    store8(o0 + e1, target + next + k)
                    store8(e1 - o0, target + 2 * next + k)
                    store8(o0 - o1, target + 3 * next + k)
                    k += 8
                }
            }
        }
    }

    /// `m[(p * outChannels + o) * channelStride + k] = (A dy A^T)_p` for the 2x2 output-gradient
    /// tiles `dy` of tile row `tileRow` (samples beyond the output read as zero), the adjoint of
    /// ``transformOutput(_:tileRow:geometry:bias:output:accumulate:relu:)``: A = [[1, 0], [1, 1], [1, -1], [0, -1]].
    /// At kernel level AVX2 and up, the same operations in C (`nk_winograd_gradient_avx2`).
    private func transformGradient(_ gradOutput: UnsafePointer<Float>, tileRow: Int, geometry: Geometry,
                                   scratch: Scratch, into m: UnsafeMutablePointer<Float>, channelStride: Int) {
        let stride = geometry.stride, tilesX = geometry.tilesX, outWidth = geometry.outWidth
        let outPlane = geometry.outHeight * outWidth
        if Acceleration.level >= .avx2 {
            nk_winograd_gradient_avx2(gradOutput, outPlane, outWidth, outChannels, 2 * tileRow, geometry.outHeight,
                                      outWidth, tilesX, m, channelStride)
            return
        }
        let even = scratch.work, odd = scratch.work + stride
        let rowLength = 2 * stride, rows = scratch.rows
        let vectorEnd = outWidth / 8 * 8
        let hasSecondRow = 2 * tileRow + 1 < geometry.outHeight
        for o in 0..<outChannels {
            let y0 = gradOutput + o * outPlane + 2 * tileRow * outWidth
            let y1 = hasSecondRow ? y0 + outWidth : UnsafePointer(scratch.zeros)
            // Rows of A dy: y0, y0 + y1, y0 - y1, -y1 (zero beyond the output's columns).
            var x = 0
            while x < vectorEnd {
                let a0 = load8(y0 + x), a1 = load8(y1 + x)
                store8(a0, rows + x)
                store8(a0 + a1, rows + rowLength + x)
                store8(a0 - a1, rows + 2 * rowLength + x)
                store8(-a1, rows + 3 * rowLength + x)
                x += 8
            }
            while x < outWidth {
                rows[x] = y0[x]
                rows[rowLength + x] = y0[x] + y1[x]
                rows[2 * rowLength + x] = y0[x] - y1[x]
                rows[3 * rowLength + x] = -y1[x]
                x += 1
            }
            // The input transform shares these rows and writes two more columns: clear them.
            for a in 0..<4 { (rows + a * rowLength + outWidth).update(repeating: 0, count: 2) }
            // Columns: with E[k] = t[2k] and O[k] = t[2k + 1], the tile k gets E, E + O, E - O, -O.
            for a in 0..<4 {
                let t = rows + a * rowLength
                var k = 0
                while k < tilesX {
                    let pair = UnsafeRawPointer(t + 2 * k).loadUnaligned(as: SIMD16<Float>.self)
                    store8(pair.evenHalf, even + k)
                    store8(pair.oddHalf, odd + k)
                    k += 8
                }
                let target = m + (4 * a * outChannels + o) * channelStride, next = outChannels * channelStride
                k = 0
                while k < tilesX {
                    let e = load8(even + k), d = load8(odd + k)
                    store8(e, target + k)
                    store8(e + d, target + next + k)
                    store8(e - d, target + 2 * next + k)
                    store8(-d, target + 3 * next + k)
                    k += 8
                }
            }
        }
    }

    /// `y = A^T m A` per tile (A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]), then bias, ReLU and accumulation
    /// (`old + value`) into the output rows of tile row `tileRow`.
    private func transformOutput(_ scratch: Scratch, tileRow: Int, geometry: Geometry, bias: UnsafePointer<Float>?,
                                 output: UnsafeMutablePointer<Float>, accumulate: Bool, relu: Bool) {
        let stride = geometry.stride, tilesX = geometry.tilesX
        let outPlane = geometry.outHeight * geometry.outWidth
        let s = scratch.work
        let next = outChannels * stride
        for o in 0..<outChannels {
            let m = scratch.m + o * stride
            // s[r * 4 + b] = row r of A^T applied to column b of m.
            var k = 0
            while k < tilesX {
                for b in 0..<4 {
                    let column = m + b * next + k
                    let m0 = load8(column), m1 = load8(column + 4 * next)
                    let m2 = load8(column + 8 * next), m3 = load8(column + 12 * next)
                    store8((m0 + m1) + m2, s + b * 8)
                    store8((m1 - m2) - m3, s + (4 + b) * 8)
                }
                for r in 0..<2 {
                    let y = 2 * tileRow + r
                    guard y < geometry.outHeight else { break }
                    let s0 = load8(s + (r * 4) * 8), s1 = load8(s + (r * 4 + 1) * 8)
                    let s2 = load8(s + (r * 4 + 2) * 8), s3 = load8(s + (r * 4 + 3) * 8)
                    var left = (s0 + s1) + s2, right = (s1 - s2) - s3
                    if let bias {
                        left = left + bias[o]
                        right = right + bias[o]
                    }
                    if relu {
                        left = left.replacing(with: 0, where: left .< 0)
                        right = right.replacing(with: 0, where: right .< 0)
                    }
                    let row = output + o * outPlane + y * geometry.outWidth
                    if 2 * (k + 8) <= geometry.outWidth {
                        let target = UnsafeMutableRawPointer(row + 2 * k)
                        var value = Self.interleave(left, right)
                        if accumulate { value = target.loadUnaligned(as: SIMD16<Float>.self) + value }
                        target.storeBytes(of: value, as: SIMD16<Float>.self)
                        continue
                    }
                    for lane in 0..<min(8, tilesX - k) {
                        let x = 2 * (k + lane)
                        row[x] = accumulate ? row[x] + left[lane] : left[lane]
                        if x + 1 < geometry.outWidth { row[x + 1] = accumulate ? row[x + 1] + right[lane] : right[lane] }
                    }
                }
                k += 8
            }
        }
    }

    /// `(a0, b0, a1, b1, ..., a7, b7)`.
    @inline(__always)
    static func interleave(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD16<Float> {
        SIMD16(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
    }
}
