/// A 2-D transposed convolution (PyTorch's `conv_transpose2d`) on one image of planar
/// `channels x height x width` samples: the gradient-of-input of ``Conv2D``, used for learned
/// up-sampling.
///
/// Weights are `inChannels x (outChannels / groups) x kernelHeight x kernelWidth`, row-major; bias has
/// `outChannels` values. Every input sample scatters: `output[o, y * s + ky - p, x * s + kx - p] +=
/// weight[i, o', ky, kx] * input[i, y, x]` for `o` in the group of `i`, then the bias is added.
/// Output size: `(height - 1) * s - 2p + kernelHeight + outputPadding` (and the same for width);
/// `outputPadding` must be smaller than the stride. Padding here means cropping (zero padding
/// of the equivalent convolution). Fixed summation order: bit-identical everywhere.
public struct ConvTranspose2D: Sendable, Equatable {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    public let stride: Int
    public let padding: Int
    public let outputPadding: Int
    public let groups: Int
    /// The convolution whose input gradient this layer computes (channels swapped).
    private let adjoint: Conv2D

    public init(inChannels: Int, outChannels: Int, kernelHeight: Int, kernelWidth: Int, stride: Int = 1,
                padding: Int = 0, outputPadding: Int = 0, groups: Int = 1) throws(KernelError) {
        adjoint = try Conv2D(inChannels: outChannels, outChannels: inChannels, kernelHeight: kernelHeight,
                             kernelWidth: kernelWidth, stride: stride, padding: padding, groups: groups)
        guard outputPadding >= 0, outputPadding < stride else {
            throw .invalidGeometry("output padding \(outputPadding) must be in 0..<stride (\(stride))")
        }
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.groups = groups
    }

    /// A square kernel of side `kernel`.
    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, groups: Int = 1) throws(KernelError) {
        try self.init(inChannels: inChannels, outChannels: outChannels, kernelHeight: kernel, kernelWidth: kernel,
                      stride: stride, padding: padding, outputPadding: outputPadding, groups: groups)
    }

    /// Number of weights.
    public var weightCount: Int { adjoint.weightCount }

    /// Output size for an input of `height x width` (zero when not positive).
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        let h = (height - 1) * stride - 2 * padding + kernelHeight + outputPadding
        let w = (width - 1) * stride - 2 * padding + kernelWidth + outputPadding
        guard height > 0, width > 0, h > 0, w > 0 else { return (0, 0) }
        return (h, w)
    }

    /// Forward pass: writes (or adds to, with `accumulate`) `outChannels` planes of ``outputSize(height:width:)``.
    public func forward(input: UnsafePointer<Float>, height: Int, width: Int, weight: UnsafePointer<Float>,
                        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        let out = outputSize(height: height, width: width)
        guard out.height > 0 else { return }
        // The cropped window of the full transposed convolution, computed directly into `output`.
        ConvolutionCore(adjoint).backwardInput(gradOutput: input, outHeight: height, outWidth: width, weight: weight,
                                               paddedHeight: out.height + 2 * padding,
                                               paddedWidth: out.width + 2 * padding,
                                               region: .init(top: padding, left: padding, height: out.height,
                                                             width: out.width),
                                               into: output, bias: bias, accumulate: accumulate)
    }

    /// Backward pass: `gradInput` (if given) is overwritten or, with `accumulateInput`, added to;
    /// `gradWeight` and `gradBias` (if given) are ADDED to.
    public func backward(input: UnsafePointer<Float>, height: Int, width: Int, weight: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         accumulateInput: Bool = false, gradWeight: UnsafeMutablePointer<Float>,
                         gradBias: UnsafeMutablePointer<Float>?) {
        let out = outputSize(height: height, width: width)
        guard out.height > 0 else { return }
        let paddedHeight = out.height + 2 * padding, paddedWidth = out.width + 2 * padding
        var padded = [Float](repeating: 0, count: outChannels * paddedHeight * paddedWidth)
        padded.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            Padding.pad(gradOutput, channels: outChannels, height: out.height, width: out.width, top: padding,
                        left: padding, paddedHeight: paddedHeight, paddedWidth: paddedWidth, mode: .zero, into: base)
            let core = ConvolutionCore(adjoint)
            core.backwardWeight(gradOutput: input, outHeight: height, outWidth: width, padded: base,
                                paddedHeight: paddedHeight, paddedWidth: paddedWidth, gradWeight: gradWeight, gradBias: nil)
            if let gradInput {
                core.forward(padded: base, paddedHeight: paddedHeight, paddedWidth: paddedWidth, outHeight: height,
                             outWidth: width, weight: weight, bias: nil, output: gradInput,
                             accumulate: accumulateInput, relu: false)
            }
        }
        if let gradBias {
            let plane = out.height * out.width
            for o in 0..<outChannels {
                var sum: Float = 0
                for k in 0..<plane { sum += gradOutput[o * plane + k] }
                gradBias[o] += sum
            }
        }
    }
}
