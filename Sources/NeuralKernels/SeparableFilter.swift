/// The direction a 1-D filter runs along a plane.
public enum FilterAxis: Sendable, Equatable {
    /// Along each row (x changes).
    case horizontal
    /// Along each column (y changes).
    case vertical
}

/// 1-D filters applied along one axis of `planes` planar `height x width` buffers, all planes
/// sharing one kernel, with replicate padding: the learned separable up-sampling and residual
/// filters of overfitted codecs.
///
/// With `L = tapCount`, factor `f` (1 or 2) and `c = (L - f) / 2`, a line `x` of length `n`
/// becomes a line `y` of length `f * n`:
///
///     y[m] = sum over t in 0..<L with (m + c - t) divisible by f of
///            taps[t] * x[clamp((m + c - t) / f, 0, n - 1)]
///
/// For `f = 2`, `L = 8` this is a stride-2 transposed convolution whose output sample `m` sits at
/// input position `(m + 0.5) / 2 - 0.5` when the kernel is symmetric (half-pixel aligned, like
/// bicubic `align_corners = false`); the bicubic (a = -0.75) initialisation is
/// `[-0.0234375, -0.0703125, 0.2265625, 0.8671875, 0.8671875, 0.2265625, -0.0703125, -0.0234375]`.
/// For `f = 1` and odd `L` (e.g. 7) it is a same-size convolution centred on tap `c`.
/// Sums run in increasing `t` with unfused multiply-add, so results are platform-independent.
public enum SeparableFilter {
    /// Output size for an input of `height x width`.
    public static func outputSize(height: Int, width: Int, axis: FilterAxis, factor: Int) -> (height: Int, width: Int) {
        axis == .horizontal ? (height, width * factor) : (height * factor, width)
    }

    /// Forward pass; `output` (size from ``outputSize(height:width:axis:factor:)``) is overwritten,
    /// or added to when `accumulate` is true. `factor` must be 1 or 2 (other values do nothing).
    public static func forward(input: UnsafePointer<Float>, planes: Int, height: Int, width: Int, axis: FilterAxis,
                               taps: UnsafePointer<Float>, tapCount: Int, factor: Int,
                               output: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        guard factor == 1 || factor == 2, planes > 0, height > 0, width > 0, tapCount > 0 else { return }
        let line = FilterLine(tapCount: tapCount, factor: factor)
        switch axis {
        case .vertical:
            let outHeight = height * factor, plane = height * width
            Parallel.forRanges(count: planes * outHeight, grain: max(1, 16384 / width)) { rows in
                for item in rows {
                    let p = item / outHeight, m = item % outHeight
                    let target = output + p * outHeight * width + m * width
                    if !accumulate { target.update(repeating: 0, count: width) }
                    for t in 0..<tapCount {
                        guard let j = line.source(m, t, n: height) else { continue }
                        VectorOps.axpy(taps[t], input + p * plane + j * width, target, count: width)
                    }
                }
            }
        case .horizontal:
            let outWidth = width * factor
            Parallel.forRanges(count: planes * height, grain: max(1, 16384 / width)) { rows in
                for row in rows {
                    let source = input + row * width, target = output + row * outWidth
                    for m in 0..<outWidth {
                        var sum: Float = 0
                        for t in 0..<tapCount {
                            if let j = line.source(m, t, n: width) { sum = sum + taps[t] * source[j] }
                        }
                        target[m] = accumulate ? target[m] + sum : sum
                    }
                }
            }
        }
    }

    /// Backward pass.
    /// - Parameters:
    ///   - gradOutput: dL/doutput.
    ///   - gradInput: if not nil, receives dL/dinput (overwritten, or added to with `accumulateInput`).
    ///   - gradTaps: dL/dtaps is ADDED here (`tapCount` values).
    public static func backward(input: UnsafePointer<Float>, planes: Int, height: Int, width: Int, axis: FilterAxis,
                                taps: UnsafePointer<Float>, tapCount: Int, factor: Int,
                                gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                                accumulateInput: Bool = false, gradTaps: UnsafeMutablePointer<Float>) {
        guard factor == 1 || factor == 2, planes > 0, height > 0, width > 0, tapCount > 0 else { return }
        let line = FilterLine(tapCount: tapCount, factor: factor)
        let plane = height * width
        if let gradInput, !accumulateInput { gradInput.update(repeating: 0, count: planes * plane) }
        // Work items own disjoint parts of gradInput: column strips (vertical) or rows (horizontal).
        let strip = 256
        let strips = (width + strip - 1) / strip
        let items = axis == .vertical ? planes * strips : planes * height
        var partials = [Float](repeating: 0, count: items * tapCount)
        partials.withUnsafeMutableBufferPointer { buffer in
            guard let partialBase = buffer.baseAddress else { return }
            Parallel.forEach(items) { item in
                let sums = partialBase + item * tapCount
                if axis == .vertical {
                    let p = item / strips, x0 = (item % strips) * strip
                    verticalBackward(line, input: input + p * plane + x0, gradOutput: gradOutput + p * plane * factor + x0,
                                     gradInput: gradInput.map { $0 + p * plane + x0 }, height: height, width: width,
                                     columns: min(strip, width - x0), taps: taps, sums: sums)
                } else {
                    horizontalBackward(line, input: input + item * width, gradOutput: gradOutput + item * width * factor,
                                       gradInput: gradInput.map { $0 + item * width }, width: width, taps: taps, sums: sums)
                }
            }
            for item in 0..<items {
                for t in 0..<tapCount { gradTaps[t] += partialBase[item * tapCount + t] }
            }
        }
    }

    private static func verticalBackward(_ line: FilterLine, input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                         gradInput: UnsafeMutablePointer<Float>?, height: Int, width: Int, columns: Int,
                                         taps: UnsafePointer<Float>, sums: UnsafeMutablePointer<Float>) {
        for m in 0..<height * line.factor {
            let g = gradOutput + m * width
            for t in 0..<line.tapCount {
                guard let j = line.source(m, t, n: height) else { continue }
                sums[t] += VectorOps.dot(g, input + j * width, count: columns)
                if let gradInput { VectorOps.axpy(taps[t], g, gradInput + j * width, count: columns) }
            }
        }
    }

    private static func horizontalBackward(_ line: FilterLine, input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                                           gradInput: UnsafeMutablePointer<Float>?, width: Int,
                                           taps: UnsafePointer<Float>, sums: UnsafeMutablePointer<Float>) {
        for m in 0..<width * line.factor {
            let g = gradOutput[m]
            for t in 0..<line.tapCount {
                guard let j = line.source(m, t, n: width) else { continue }
                sums[t] += g * input[j]
                gradInput?[j] += taps[t] * g
            }
        }
    }
}

/// Index arithmetic of ``SeparableFilter``.
struct FilterLine {
    let tapCount: Int
    let factor: Int
    let center: Int

    init(tapCount: Int, factor: Int) {
        self.tapCount = tapCount
        self.factor = factor
        center = (tapCount - factor) / 2
    }

    /// The (replicate-clamped) input index tap `t` of output `m` reads, or nil when the tap does
    /// not touch output `m` (wrong phase).
    @inline(__always)
    func source(_ m: Int, _ t: Int, n: Int) -> Int? {
        let q = m + center - t
        if factor == 2 && q & 1 != 0 { return nil }
        let j = factor == 2 ? q >> 1 : q
        return j < 0 ? 0 : (j >= n ? n - 1 : j)
    }
}
