/// Fixed interpolation kernels for ``Upsample``.
public enum InterpolationKernel: Sendable, Equatable {
    /// Linear in each direction (PyTorch `bilinear`, `align_corners = false`).
    case bilinear
    /// Keys cubic convolution with a = -0.75 (PyTorch `bicubic`, `align_corners = false`).
    case bicubic
}

/// Up-sampling of planar `planes x height x width` buffers by an integer factor with a fixed
/// interpolation kernel, separable (rows, then columns), and its gradient.
///
/// Output sample `m` along an axis reads source position `u = (m + 0.5) / factor - 0.5`
/// (half-pixel centres). Bilinear clamps `u` at 0 and blends samples `floor(u)` and
/// `floor(u) + 1`; bicubic uses samples `floor(u) - 1 ... floor(u) + 2` with Keys weights
/// (a = -0.75). Indices outside the plane are clamped to the edge (PyTorch's behaviour).
public enum Upsample {
    /// Forward pass: `output` holds `planes` planes of `(height * factor) x (width * factor)`.
    public static func forward(input: UnsafePointer<Float>, planes: Int, height: Int, width: Int, factor: Int,
                               kernel: InterpolationKernel, output: UnsafeMutablePointer<Float>) {
        guard planes > 0, height > 0, width > 0, factor > 0 else { return }
        let rows = ResamplingTable(length: height, factor: factor, kernel: kernel)
        let columns = ResamplingTable(length: width, factor: factor, kernel: kernel)
        let outWidth = width * factor, outHeight = height * factor
        var wide = [Float](repeating: 0, count: planes * height * outWidth)
        wide.withUnsafeMutableBufferPointer { buffer in
            guard let wideBase = buffer.baseAddress else { return }
            Parallel.forRanges(count: planes * height, grain: 64) { lines in
                for line in lines { columns.apply(input + line * width, stride: 1, to: wideBase + line * outWidth, outStride: 1) }
            }
            Parallel.forRanges(count: planes * outWidth, grain: 64) { items in
                for item in items {
                    let p = item / outWidth, x = item % outWidth
                    rows.apply(UnsafePointer(wideBase) + p * height * outWidth + x, stride: outWidth,
                               to: output + p * outHeight * outWidth + x, outStride: outWidth)
                }
            }
        }
    }

    /// Backward pass: `gradInput` (planes x height x width) is overwritten, or added to with `accumulate`.
    public static func backward(gradOutput: UnsafePointer<Float>, planes: Int, height: Int, width: Int, factor: Int,
                                kernel: InterpolationKernel, gradInput: UnsafeMutablePointer<Float>,
                                accumulate: Bool = false) {
        guard planes > 0, height > 0, width > 0, factor > 0 else { return }
        let rows = ResamplingTable(length: height, factor: factor, kernel: kernel)
        let columns = ResamplingTable(length: width, factor: factor, kernel: kernel)
        let outWidth = width * factor, outHeight = height * factor
        var wide = [Float](repeating: 0, count: planes * height * outWidth)
        wide.withUnsafeMutableBufferPointer { buffer in
            guard let wideBase = buffer.baseAddress else { return }
            Parallel.forRanges(count: planes * outWidth, grain: 64) { items in
                for item in items {
                    let p = item / outWidth, x = item % outWidth
                    rows.applyTransposed(gradOutput + p * outHeight * outWidth + x, stride: outWidth,
                                         to: wideBase + p * height * outWidth + x, outStride: outWidth)
                }
            }
            Parallel.forRanges(count: planes * height, grain: 64) { lines in
                for line in lines {
                    let target = gradInput + line * width
                    if !accumulate { target.update(repeating: 0, count: width) }
                    columns.applyTransposed(UnsafePointer(wideBase) + line * outWidth, stride: 1, to: target, outStride: 1)
                }
            }
        }
    }
}

/// Per-output source indices and weights along one axis.
struct ResamplingTable {
    let taps: Int
    let outLength: Int
    let indices: [Int]
    let weights: [Float]

    init(length: Int, factor: Int, kernel: InterpolationKernel) {
        outLength = length * factor
        taps = kernel == .bilinear ? 2 : 4
        var indices = [Int](), weights = [Float]()
        for m in 0..<outLength {
            var u = (Double(m) + 0.5) / Double(factor) - 0.5
            if kernel == .bilinear { u = max(0, u) }
            let base = Int(u.rounded(.down)), t = u - Double(base)
            let w: [Double]
            let first: Int
            switch kernel {
            case .bilinear:
                w = [1 - t, t]
                first = base
            case .bicubic:
                let a = -0.75
                func near(_ x: Double) -> Double { ((a + 2) * x - (a + 3)) * x * x + 1 }
                func far(_ x: Double) -> Double { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
                w = [far(t + 1), near(t), near(1 - t), far(2 - t)]
                first = base - 1
            }
            for (k, weight) in w.enumerated() {
                indices.append(min(max(first + k, 0), length - 1))
                weights.append(Float(weight))
            }
        }
        self.indices = indices
        self.weights = weights
    }

    /// `output[m * outStride] = sum_k weight(m, k) * input[index(m, k) * stride]`.
    func apply(_ input: UnsafePointer<Float>, stride: Int, to output: UnsafeMutablePointer<Float>, outStride: Int) {
        for m in 0..<outLength {
            var sum: Float = 0
            for k in 0..<taps { sum = sum + weights[m * taps + k] * input[indices[m * taps + k] * stride] }
            output[m * outStride] = sum
        }
    }

    /// The transpose: `output[index(m, k) * outStride] += weight(m, k) * input[m * stride]`.
    func applyTransposed(_ input: UnsafePointer<Float>, stride: Int, to output: UnsafeMutablePointer<Float>, outStride: Int) {
        for m in 0..<outLength {
            let g = input[m * stride]
            for k in 0..<taps { output[indices[m * taps + k] * outStride] += weights[m * taps + k] * g }
        }
    }
}
