/// Sums of products between two families of sample runs: the weight-gradient kernel of
/// ``Linear`` and ``Conv2D``. Vector lanes are reduced in a fixed order and chunk partials are
/// added in chunk order, so results do not depend on the thread count.
import CNeuralKernels

enum PlaneCorrelation {
    /// Samples per inner run (keeps the runs of all planes in the L1/L2 caches).
    static let run = 256

    /// `sums[l * rightCount + r] += sum_{j < n} left[leftOffsets[l] + j] * right[rightOffsets[r] + j * rightStride]`.
    static func addRun(left: UnsafePointer<Float>, leftOffsets: UnsafePointer<Int>, leftCount: Int,
                       right: UnsafePointer<Float>, rightOffsets: UnsafePointer<Int>, rightCount: Int,
                       n: Int, rightStride: Int, sums: UnsafeMutablePointer<Float>) {
        if rightStride == 1 && Acceleration.level > .portable {
            nk_correlate_avx2(left, leftOffsets, leftCount, right, rightOffsets, rightCount, n, sums)
            return
        }
        let vectorEnd = rightStride == 1 ? (n / 8) * 8 : 0
        var l = 0
        while l < leftCount {
            let l1 = min(l + 1, leftCount - 1)
            let a0 = left + leftOffsets[l], a1 = left + leftOffsets[l1]
            var r = 0
            while r < rightCount {
                let r1 = min(r + 1, rightCount - 1)
                let b0 = right + rightOffsets[r], b1 = right + rightOffsets[r1]
                var s00 = SIMD8<Float>(), s01 = SIMD8<Float>(), s10 = SIMD8<Float>(), s11 = SIMD8<Float>()
                var j = 0
                while j < vectorEnd {
                    let x0 = load8(a0 + j), x1 = load8(a1 + j)
                    let y0 = load8(b0 + j), y1 = load8(b1 + j)
                    s00 = s00 + x0 * y0
                    s01 = s01 + x0 * y1
                    s10 = s10 + x1 * y0
                    s11 = s11 + x1 * y1
                    j += 8
                }
                var t00 = horizontalSum(s00), t01 = horizontalSum(s01)
                var t10 = horizontalSum(s10), t11 = horizontalSum(s11)
                while j < n {
                    let x0 = a0[j], x1 = a1[j]
                    let y0 = b0[j * rightStride], y1 = b1[j * rightStride]
                    t00 = t00 + x0 * y0
                    t01 = t01 + x0 * y1
                    t10 = t10 + x1 * y0
                    t11 = t11 + x1 * y1
                    j += 1
                }
                sums[l * rightCount + r] += t00
                if r1 != r { sums[l * rightCount + r1] += t01 }
                if l1 != l {
                    sums[l1 * rightCount + r] += t10
                    if r1 != r { sums[l1 * rightCount + r1] += t11 }
                }
                r += 2
            }
            l += 2
        }
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
