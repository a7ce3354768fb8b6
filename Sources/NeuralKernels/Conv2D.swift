/// A 2-D convolution (cross-correlation, as in PyTorch's `conv2d`) on one image of planar
/// `channels x height x width` samples, multi-core.
///
/// Weights are `outChannels x (inChannels / groups) x kernelHeight x kernelWidth`, row-major;
/// bias has `outChannels` values. With padding `p`, stride `s` and the input extended by
/// `paddingMode`, `output[o, y, x] = bias[o] + sum_{i, ky, kx} weight[o, i, ky, kx] *
/// input[g * inChannels / groups + i, y * s + ky - p, x * s + kx - p]`, where `g` is the group
/// of `o`. The output is `(height + 2p - kernelHeight) / s + 1` by the analogous width.
/// Sums run in a fixed order with a fused multiply-add per term: bit-identical on every platform,
/// kernel level and thread count. Batches: call once per image.
public struct Conv2D: Sendable, Equatable {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    public let stride: Int
    public let padding: Int
    public let groups: Int
    public let paddingMode: PaddingMode

    /// Validates the geometry: positive channel counts divisible by `groups`, positive kernel and
    /// stride, padding >= 0.
    public init(inChannels: Int, outChannels: Int, kernelHeight: Int, kernelWidth: Int, stride: Int = 1,
                padding: Int = 0, groups: Int = 1, paddingMode: PaddingMode = .zero) throws(KernelError) {
        guard inChannels > 0, outChannels > 0, groups > 0,
              inChannels % groups == 0, outChannels % groups == 0 else {
            throw .invalidGeometry("channels \(inChannels) -> \(outChannels) must be positive multiples of groups \(groups)")
        }
        guard kernelHeight > 0, kernelWidth > 0, stride > 0, padding >= 0 else {
            throw .invalidGeometry("kernel \(kernelHeight)x\(kernelWidth), stride \(stride), padding \(padding)")
        }
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
        self.groups = groups
        self.paddingMode = paddingMode
    }

    /// A square kernel of side `kernel`.
    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                groups: Int = 1, paddingMode: PaddingMode = .zero) throws(KernelError) {
        try self.init(inChannels: inChannels, outChannels: outChannels, kernelHeight: kernel,
                      kernelWidth: kernel, stride: stride, padding: padding, groups: groups,
                      paddingMode: paddingMode)
    }

    /// Number of weights: `outChannels * inChannels / groups * kernelHeight * kernelWidth`.
    public var weightCount: Int { outChannels * (inChannels / groups) * kernelHeight * kernelWidth }

    /// Output size for an input of `height x width`; zero when the kernel does not fit.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        let h = height + 2 * padding - kernelHeight, w = width + 2 * padding - kernelWidth
        guard height > 0, width > 0, h >= 0, w >= 0 else { return (0, 0) }
        return (h / stride + 1, w / stride + 1)
    }

    /// Forward pass: writes `outChannels` planes of ``outputSize(height:width:)``.
    /// With `relu`, max(0, .) is applied to the convolution plus bias; with `accumulate`, that
    /// result is added to `output` instead of overwriting it (`output = output + relu(conv + b)`).
    public func forward(input: UnsafePointer<Float>, height: Int, width: Int, weight: UnsafePointer<Float>,
                        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                        accumulate: Bool = false, relu: Bool = false) {
        let out = outputSize(height: height, width: width)
        guard out.height > 0 else { return }
        withPadded(input, height: height, width: width) { padded, paddedHeight, paddedWidth in
            ConvolutionCore(self).forward(padded: padded, paddedHeight: paddedHeight, paddedWidth: paddedWidth,
                                          outHeight: out.height, outWidth: out.width, weight: weight, bias: bias,
                                          output: output, accumulate: accumulate, relu: relu)
        }
    }

    /// Backward pass.
    /// - Parameters:
    ///   - gradOutput: dL/doutput, `outChannels` planes of ``outputSize(height:width:)``.
    ///   - gradInput: if not nil, receives dL/dinput (overwritten, or added to with `accumulateInput`).
    ///   - gradWeight: dL/dweight is ADDED here (``weightCount`` values).
    ///   - gradBias: if not nil, dL/dbias is ADDED here.
    public func backward(input: UnsafePointer<Float>, height: Int, width: Int, weight: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         accumulateInput: Bool = false, gradWeight: UnsafeMutablePointer<Float>,
                         gradBias: UnsafeMutablePointer<Float>?) {
        let out = outputSize(height: height, width: width)
        guard out.height > 0 else { return }
        let core = ConvolutionCore(self)
        withPadded(input, height: height, width: width) { padded, paddedHeight, paddedWidth in
            core.backwardWeight(gradOutput: gradOutput, outHeight: out.height, outWidth: out.width, padded: padded,
                                paddedHeight: paddedHeight, paddedWidth: paddedWidth,
                                gradWeight: gradWeight, gradBias: gradBias)
        }
        guard let gradInput else { return }
        let paddedHeight = height + 2 * padding, paddedWidth = width + 2 * padding
        if paddingMode == .zero || padding == 0 {
            // Padding samples are constants: only the unpadded window's gradient is needed.
            core.backwardInput(gradOutput: gradOutput, outHeight: out.height, outWidth: out.width, weight: weight,
                               paddedHeight: paddedHeight, paddedWidth: paddedWidth,
                               region: .init(top: padding, left: padding, height: height, width: width),
                               into: gradInput, accumulate: accumulateInput)
            return
        }
        var gradPadded = [Float](unsafeUninitializedCapacity: inChannels * paddedHeight * paddedWidth) { _, count in
            count = inChannels * paddedHeight * paddedWidth
        }
        gradPadded.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            core.backwardInput(gradOutput: gradOutput, outHeight: out.height, outWidth: out.width, weight: weight,
                               paddedHeight: paddedHeight, paddedWidth: paddedWidth,
                               region: .init(top: 0, left: 0, height: paddedHeight, width: paddedWidth), into: base)
            Padding.fold(base, channels: inChannels, height: height, width: width, top: padding, left: padding,
                         paddedHeight: paddedHeight, paddedWidth: paddedWidth, mode: paddingMode,
                         into: gradInput, accumulate: accumulateInput)
        }
    }

    /// Runs `body` on the input extended by the padding (the input itself when there is none).
    private func withPadded(_ input: UnsafePointer<Float>, height: Int, width: Int,
                            _ body: (UnsafePointer<Float>, Int, Int) -> Void) {
        guard padding > 0 else {
            body(input, height, width)
            return
        }
        let paddedHeight = height + 2 * padding, paddedWidth = width + 2 * padding
        var padded = [Float](repeating: 0, count: inChannels * paddedHeight * paddedWidth)
        padded.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            Padding.pad(input, channels: inChannels, height: height, width: width, top: padding, left: padding,
                        paddedHeight: paddedHeight, paddedWidth: paddedWidth, mode: paddingMode, into: base)
            body(UnsafePointer(base), paddedHeight, paddedWidth)
        }
    }
}
