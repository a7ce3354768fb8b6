/// Sums of products between two families of sample runs: the weight-gradient kernel of
/// ``Linear``, ``Conv2D`` and ``PointwiseMLP``. Products are accumulated with fused multiply-add,
/// vector lanes are reduced in a fixed order and chunk partials are added in chunk order, so
/// results do not depend on the kernel level or the thread count.
import CNeuralKernels

enum PlaneCorrelation {
    /// Samples per inner run (keeps the runs of all planes in the L1/L2 caches).
    static let run = 256

    /// `sums[l * rightCount + r] += sum over rows y < rows and j < n of
    /// left[leftOffsets[l] + y * leftRowStride + j] * right[rightOffsets[r] + y * rightRowStride + j * rightStride]`,
    /// in the C kernel of the current ``Acceleration/level``.
    ///
    /// Order (identical at every level): sixteen lane sums take the terms `j < 16 * (n / 16)`
    /// with `j mod 16` equal to the lane, rows in order; a scalar sum takes the remaining terms,
    /// rows in order; each term is added with a fused multiply-add; the result is a fixed pairwise
    /// sum of `lanes[0..<8] + lanes[8..<16]`, plus the scalar sum.
    static func addRun(left: UnsafePointer<Float>, leftOffsets: UnsafePointer<Int>, leftCount: Int,
                       right: UnsafePointer<Float>, rightOffsets: UnsafePointer<Int>, rightCount: Int,
                       n: Int, rightStride: Int, sums: UnsafeMutablePointer<Float>,
                       rows: Int = 1, leftRowStride: Int = 0, rightRowStride: Int = 0) {
        let kernel = switch Acceleration.level {
        case .portable: nk_correlate_portable
        case .avx2: nk_correlate_avx2
        case .avx512: nk_correlate_avx512
        }
        kernel(left, leftOffsets, leftCount, leftRowStride, right, rightOffsets, rightCount, rightRowStride,
               rightStride, rows, n, sums)
    }

    /// `sums[l * rightCount + r] += sum_{j < n} left[leftOffsets[l] + j] * right[rightOffsets[r] + j]`
    /// in the C kernel of the current ``Acceleration/level``: the products of the Winograd weight
    /// gradient (``WinogradConvolution``), on long runs of transformed tiles.
    ///
    /// Order (identical at every level): eight lane sums take the terms `j < 8 * (n / 8)` with
    /// `j mod 8` equal to the lane, a scalar sum the others, each term added with a fused
    /// multiply-add; the result is the fixed pairwise sum of the lanes plus the scalar sum. One
    /// 8-lane accumulator per pair (not two as in ``addRun``) lets AVX2 hold a 4 x 3 tile of pairs
    /// in registers: 7 loads per 12 multiply-adds instead of 10, about 1.4x faster on long runs.
    static func addRowProducts(left: UnsafePointer<Float>, leftOffsets: UnsafePointer<Int>, leftCount: Int,
                               right: UnsafePointer<Float>, rightOffsets: UnsafePointer<Int>, rightCount: Int,
                               n: Int, sums: UnsafeMutablePointer<Float>) {
        let kernel = switch Acceleration.level {
        case .portable: nk_row_products_portable
        case .avx2: nk_row_products_avx2
        case .avx512: nk_row_products_avx512
        }
        kernel(left, leftOffsets, leftCount, right, rightOffsets, rightCount, n, sums)
    }

    /// `sums[l] += sum_{j < n} left[leftOffsets[l] + j]`.
    static func addRunSums(left: UnsafePointer<Float>, leftOffsets: UnsafePointer<Int>, leftCount: Int,
                           n: Int, sums: UnsafeMutablePointer<Float>) {
        let vectorEnd = (n / 8) * 8
        for l in 0..<leftCount {
            let a = left + leftOffsets[l]
            var s = SIMD8<Float>()
            var j = 0
            while j < vectorEnd {
                s = s + load8(a + j)
                j += 8
            }
            var t = horizontalSum(s)
            while j < n {
                t = t + a[j]
                j += 1
            }
            sums[l] += t
        }
    }

    /// For planes of `count` samples: `into[l * rightPlanes + r] += sum_p left[l, p] * right[r, p]`
    /// and, if `leftSums` is given, `leftSums[l] += sum_p left[l, p]`.
    static func accumulate(left: UnsafePointer<Float>, leftPlanes: Int, right: UnsafePointer<Float>,
                           rightPlanes: Int, count: Int, chunk: Int,
                           into: UnsafeMutablePointer<Float>, leftSums: UnsafeMutablePointer<Float>?) {
        let products = leftPlanes * rightPlanes
        let stride = products + leftPlanes
        let chunks = (count + chunk - 1) / chunk
        var partials = [Float](repeating: 0, count: chunks * stride)
        let leftOffsets = (0..<max(1, leftPlanes)).map { $0 * count }
        let rightOffsets = (0..<max(1, rightPlanes)).map { $0 * count }
        partials.withUnsafeMutableBufferPointer { partialBuffer in
            guard let partialBase = partialBuffer.baseAddress else { return }
            leftOffsets.withUnsafeBufferPointer { lo in
                rightOffsets.withUnsafeBufferPointer { ro in
                    guard let lo = lo.baseAddress, let ro = ro.baseAddress else { return }
                    Parallel.forEach(chunks) { index in
                        let sums = partialBase + index * stride
                        var start = index * chunk
                        let end = min(count, start + chunk)
                        while start < end {
                            let n = min(run, end - start)
                            addRun(left: left + start, leftOffsets: lo, leftCount: leftPlanes,
                                   right: right + start, rightOffsets: ro, rightCount: rightPlanes,
                                   n: n, rightStride: 1, sums: sums)
                            if leftSums != nil {
                                addRunSums(left: left + start, leftOffsets: lo, leftCount: leftPlanes,
                                           n: n, sums: sums + products)
                            }
                            start += n
                        }
                    }
                }
            }
            for index in 0..<chunks {
                let sums = partialBase + index * stride
                for k in 0..<products { into[k] += sums[k] }
                if let leftSums {
                    for l in 0..<leftPlanes { leftSums[l] += sums[products + l] }
                }
            }
        }
    }
}
