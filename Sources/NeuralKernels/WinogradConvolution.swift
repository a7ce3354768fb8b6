/// The 3x3 stride-1 correlation of ``ConvolutionCore/forward`` by Winograd's minimal filtering
/// F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016).
///
/// Each 2x2 output tile is `A^T [sum_i (G g_oi G^T) ⊙ (B^T d_i B)] A` over the 4x4 input tiles
/// `d_i` (stride 2), so the channel sums become 16 matrix products (one per transformed position)
/// with 16 instead of 36 multiply-adds per tile and channel pair: 2.25x fewer. The transforms only
/// add, subtract and halve, in a fixed order, in Swift; the products run on ``PlanarGEMM`` (fused
/// multiply-add, every kernel level bit-identical); tiles are cut by tile rows whatever the thread
/// count. Results are therefore bit-identical across kernel levels and thread counts, but differ
/// from the direct sum by rounding (the transforms reassociate it).
struct WinogradConvolution {
    let inChannels: Int, outChannels: Int

    /// Channel counts from which the transforms cost little next to the products.
    static let minimumChannels = 16

    /// Whether ``ConvolutionCore/forward`` takes this path for `core`.
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
        let products = transformedWeights(weight)
        let tilesY = (outHeight + 1) / 2, tilesX = (outWidth + 1) / 2
        // Row stride of the per-tile-row buffers: whole SIMD8 chunks, plus one for the k + 1 reads.
        let stride = (tilesX + 8) / 8 * 8 + 8
        let geometry = Geometry(paddedPlane: paddedHeight * paddedWidth, paddedWidth: paddedWidth,
                                outHeight: outHeight, outWidth: outWidth, tilesX: tilesX, stride: stride)
        let offsets = (0..<inChannels).map { $0 * stride }
        offsets.withUnsafeBufferPointer { offsetBuffer in
            guard let offsetBase = offsetBuffer.baseAddress else { return }
            // Work items of whole tile rows, cut by the problem size only (one tile row of
            // buffers is about what the L2 cache holds; two rows at once measured slower).
            let items = min(tilesY, 16)
            Parallel.forEach(items) { item in
                let scratch = Scratch(inChannels: inChannels, outChannels: outChannels, geometry: geometry)
                defer { scratch.release() }
                for tileRow in (item * tilesY / items)..<((item + 1) * tilesY / items) {
                    transformInput(padded, tileRow: tileRow, geometry: geometry, scratch: scratch)
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

    struct Geometry {
        let paddedPlane: Int, paddedWidth: Int, outHeight: Int, outWidth: Int, tilesX: Int, stride: Int
    }

    /// One work item's buffers, reused for each of its tile rows: transformed inputs `v` (16 x
    /// inChannels rows of `stride`), products `m` (16 x outChannels rows), four input-transform rows
    /// and a zero row (`2 * stride` each), and work rows `work` (4 x `stride`).
    struct Scratch {
        let v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>
        let rows: UnsafeMutablePointer<Float>, zeros: UnsafeMutablePointer<Float>, work: UnsafeMutablePointer<Float>
        let storage: UnsafeMutablePointer<Float>

        init(inChannels: Int, outChannels: Int, geometry: Geometry) {
            let stride = geometry.stride
            let total = (16 * (inChannels + outChannels) + 10 + 4) * stride
            storage = .allocate(capacity: total)
            storage.initialize(repeating: 0, count: total)
            v = storage
            m = v + 16 * inChannels * stride
            rows = m + 16 * outChannels * stride
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

    /// `v[p][i][k] = (B^T d B)_p` for the input tiles `d` of tile row `tileRow` (rows and columns
    /// beyond the padded window read as zero), B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]].
    private func transformInput(_ padded: UnsafePointer<Float>, tileRow: Int, geometry: Geometry, scratch: Scratch) {
        let stride = geometry.stride, tilesX = geometry.tilesX, inChannels = inChannels
        let validRows = geometry.outHeight + 2, validColumns = geometry.outWidth + 2
        let even = scratch.work, odd = scratch.work + stride
        let rowLength = 2 * stride, rows = scratch.rows
        let vectorEnd = validColumns / 8 * 8
        for i in 0..<inChannels {
            let plane = padded + i * geometry.paddedPlane
            func row(_ r: Int) -> UnsafePointer<Float> {
                2 * tileRow + r < validRows ? plane + (2 * tileRow + r) * geometry.paddedWidth : UnsafePointer(scratch.zeros)
            }
            let d0 = row(0), d1 = row(1), d2 = row(2), d3 = row(3)
            // Rows of B^T d: d0 - d2, d1 + d2, d2 - d1, d1 - d3 (zero beyond the valid columns).
            var x = 0
            while x < vectorEnd {
                let a0 = load8(d0 + x), a1 = load8(d1 + x), a2 = load8(d2 + x), a3 = load8(d3 + x)
                store8(a0 - a2, rows + x)
                store8(a1 + a2, rows + rowLength + x)
                store8(a2 - a1, rows + 2 * rowLength + x)
                store8(a1 - a3, rows + 3 * rowLength + x)
                x += 8
            }
            while x < validColumns {
                rows[x] = d0[x] - d2[x]
                rows[rowLength + x] = d1[x] + d2[x]
                rows[2 * rowLength + x] = d2[x] - d1[x]
                rows[3 * rowLength + x] = d1[x] - d3[x]
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
                let target = scratch.v + (4 * a * inChannels + i) * stride, next = inChannels * stride
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
