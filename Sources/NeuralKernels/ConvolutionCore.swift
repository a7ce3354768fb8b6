/// Valid (unpadded) strided correlation on an already padded input, and its two gradients.
/// ``Conv2D`` and ``ConvTranspose2D`` are built from these three kernels.
struct ConvolutionCore {
    let inChannels: Int, outChannels: Int, kernelHeight: Int, kernelWidth: Int, stride: Int, groups: Int

    init(_ conv: Conv2D) {
        inChannels = conv.inChannels
        outChannels = conv.outChannels
        kernelHeight = conv.kernelHeight
        kernelWidth = conv.kernelWidth
        stride = conv.stride
        groups = conv.groups
    }

    var inPerGroup: Int { inChannels / groups }
    var outPerGroup: Int { outChannels / groups }
    var taps: Int { kernelHeight * kernelWidth }
    var depth: Int { inPerGroup * taps }

    /// Offsets of the `depth` reduction terms `(i, ky, kx)` in a padded buffer.
    func inputOffsets(paddedHeight: Int, paddedWidth: Int) -> [Int] {
        var offsets = [Int]()
        offsets.reserveCapacity(depth)
        for i in 0..<inPerGroup {
            for ky in 0..<kernelHeight {
                for kx in 0..<kernelWidth { offsets.append(i * paddedHeight * paddedWidth + ky * paddedWidth + kx) }
            }
        }
        return offsets
    }

    /// `output[o, y, x] (+)= bias[o] + sum weight[o, i, ky, kx] * padded[i, y * stride + ky, x * stride + kx]`;
    /// 3x3 stride-1 shapes with enough channels take ``WinogradConvolution``.
    func forward(padded: UnsafePointer<Float>, paddedHeight: Int, paddedWidth: Int, outHeight: Int, outWidth: Int,
                 weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                 accumulate: Bool, relu: Bool) {
        if WinogradConvolution.applies(to: self) {
            WinogradConvolution(inChannels: inChannels, outChannels: outChannels)
                .forward(padded: padded, paddedHeight: paddedHeight, paddedWidth: paddedWidth, outHeight: outHeight,
                         outWidth: outWidth, weight: weight, bias: bias, output: output, accumulate: accumulate,
                         relu: relu)
            return
        }
        let depth = depth, outPerGroup = outPerGroup
        let kernels = (0..<groups).map { g in
            PlanarGEMM(rows: outPerGroup, depth: depth) { weight[(g * outPerGroup + $0) * depth + $1] }
        }
        let offsets = inputOffsets(paddedHeight: paddedHeight, paddedWidth: paddedWidth)
        let workPerRow = max(1, outWidth * outPerGroup * depth)
        let rowsPerChunk = max(1, min(outHeight, 1 << 18 / workPerRow))
        let chunksPerGroup = (outHeight + rowsPerChunk - 1) / rowsPerChunk
        let inPlane = paddedHeight * paddedWidth, outPlane = outHeight * outWidth
        offsets.withUnsafeBufferPointer { offsetBuffer in
            guard let offsetBase = offsetBuffer.baseAddress else { return }
            Parallel.forEach(groups * chunksPerGroup) { item in
                let g = item / chunksPerGroup, firstRow = (item % chunksPerGroup) * rowsPerChunk
                let groupInput = padded + g * inPerGroup * inPlane
                let groupOutput = output + g * outPerGroup * outPlane
                for y in firstRow..<min(outHeight, firstRow + rowsPerChunk) {
                    kernels[g].runAllRows(offsets: offsetBase, b: groupInput + y * stride * paddedWidth,
                                          columnStride: stride, c: groupOutput + y * outWidth, ldc: outPlane,
                                          bias: bias.map { $0 + g * outPerGroup }, columns: 0..<outWidth,
                                          accumulate: accumulate, relu: relu)
                }
            }
        }
    }

    /// `gradWeight[o, i, ky, kx] += sum_{y, x} gradOutput[o, y, x] * padded[i, y * stride + ky, x * stride + kx]`
    /// and `gradBias[o] += sum gradOutput[o, ., .]`; 3x3 stride-1 shapes with enough channels take
    /// ``WinogradConvolution``.
    func backwardWeight(gradOutput: UnsafePointer<Float>, outHeight: Int, outWidth: Int,
                        padded: UnsafePointer<Float>, paddedHeight: Int, paddedWidth: Int,
                        gradWeight: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>?) {
        if WinogradConvolution.applies(to: self) {
            WinogradConvolution(inChannels: inChannels, outChannels: outChannels)
                .backwardWeight(gradOutput: gradOutput, outHeight: outHeight, outWidth: outWidth, padded: padded,
                                paddedHeight: paddedHeight, paddedWidth: paddedWidth, gradWeight: gradWeight,
                                gradBias: gradBias)
            return
        }
        let outPlane = outHeight * outWidth, inPlane = paddedHeight * paddedWidth
        let depth = depth, outPerGroup = outPerGroup
        let rightOffsets = inputOffsets(paddedHeight: paddedHeight, paddedWidth: paddedWidth)
        let leftOffsets = (0..<outPerGroup).map { $0 * outPlane }
        // Eight row bands per group: long runs between horizontal sums, few partial sums to add.
        let rowsPerChunk = max(1, (outHeight + 7) / 8)
        let chunksPerGroup = (outHeight + rowsPerChunk - 1) / rowsPerChunk
        let groupWeights = outPerGroup * depth
        let stride = groupWeights + outPerGroup
        var partials = [Float](repeating: 0, count: groups * chunksPerGroup * stride)
        partials.withUnsafeMutableBufferPointer { partialBuffer in
            guard let partialBase = partialBuffer.baseAddress else { return }
            rightOffsets.withUnsafeBufferPointer { ro in
                leftOffsets.withUnsafeBufferPointer { lo in
                    guard let ro = ro.baseAddress, let lo = lo.baseAddress else { return }
                    Parallel.forEach(groups * chunksPerGroup) { item in
                        let g = item / chunksPerGroup, firstRow = (item % chunksPerGroup) * rowsPerChunk
                        let sums = partialBase + item * stride
                        let left = gradOutput + g * outPerGroup * outPlane
                        let right = padded + g * inPerGroup * inPlane
                        let lastRow = min(outHeight, firstRow + rowsPerChunk)
                        PlaneCorrelation.addRun(left: left + firstRow * outWidth, leftOffsets: lo, leftCount: outPerGroup,
                                                right: right + firstRow * self.stride * paddedWidth, rightOffsets: ro,
                                                rightCount: depth, n: outWidth, rightStride: self.stride, sums: sums,
                                                rows: lastRow - firstRow, leftRowStride: outWidth,
                                                rightRowStride: self.stride * paddedWidth)
                        for y in firstRow..<lastRow {
                            PlaneCorrelation.addRunSums(left: left + y * outWidth, leftOffsets: lo,
                                                        leftCount: outPerGroup, n: outWidth, sums: sums + groupWeights)
                        }
                    }
                }
            }
            for g in 0..<groups {
                for chunk in 0..<chunksPerGroup {
                    let sums = partialBase + (g * chunksPerGroup + chunk) * stride
                    let weights = gradWeight + g * groupWeights
                    for k in 0..<groupWeights { weights[k] += sums[k] }
                    if let gradBias {
                        for o in 0..<outPerGroup { gradBias[g * outPerGroup + o] += sums[groupWeights + o] }
                    }
                }
            }
        }
    }

    /// The gradient of the forward correlation with respect to its padded input (`paddedHeight x
    /// paddedWidth` planes), computed only on the window `region` of that padded input: a stride-1
    /// correlation of the zero-dilated, zero-padded output gradient with the flipped, transposed
    /// weights. `into` receives `inChannels` planes of `region.height x region.width`, overwritten,
    /// or added to with `accumulate`, after `bias` (one value per input channel) is added.
    /// A zero-padded convolution needs only the window of the unpadded input, which skips the
    /// padding ring's samples and its fold.
    func backwardInput(gradOutput: UnsafePointer<Float>, outHeight: Int, outWidth: Int, weight: UnsafePointer<Float>,
                       paddedHeight: Int, paddedWidth: Int, region: Window, into target: UnsafeMutablePointer<Float>,
                       bias: UnsafePointer<Float>? = nil, accumulate: Bool = false) {
        let transposed = ConvolutionCore(transposing: self)
        let flipped = flippedWeights(weight, count: transposed.weightCount)
        let outPlane = outHeight * outWidth
        if stride == 1 && WinogradConvolution.applies(to: transposed) {
            // The spread gradient would only be the output gradient inside a zero ring of
            // `kernel - 1`: the Winograd input transform reads that ring as zero instead of a copy.
            let source = WinogradConvolution.Source(base: gradOutput, plane: outPlane, rowStride: outWidth,
                                                    top: kernelHeight - 1 - region.top,
                                                    left: kernelWidth - 1 - region.left,
                                                    height: outHeight, width: outWidth)
            flipped.withUnsafeBufferPointer { flippedBuffer in
                guard let flippedBase = flippedBuffer.baseAddress else { return }
                WinogradConvolution(inChannels: transposed.inChannels, outChannels: transposed.outChannels)
                    .forward(source: source, outHeight: region.height, outWidth: region.width, weight: flippedBase,
                             bias: bias, output: target, accumulate: accumulate, relu: false)
            }
            return
        }
        let spreadHeight = paddedHeight + kernelHeight - 1, spreadWidth = paddedWidth + kernelWidth - 1
        var spread = [Float](unsafeUninitializedCapacity: outChannels * spreadHeight * spreadWidth) { _, count in
            count = outChannels * spreadHeight * spreadWidth
        }
        let spreadPlane = spreadHeight * spreadWidth
        spread.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let (kernelHeight, kernelWidth, stride) = (kernelHeight, kernelWidth, stride)
            Parallel.forRanges(count: outChannels, grain: max(1, 65536 / max(1, spreadPlane))) { channels in
                for o in channels {
                    let plane = base + o * spreadPlane
                    plane.update(repeating: 0, count: spreadPlane)
                    for y in 0..<outHeight {
                        let row = plane + (kernelHeight - 1 + y * stride) * spreadWidth + kernelWidth - 1
                        let source = gradOutput + o * outPlane + y * outWidth
                        if stride == 1 {
                            row.update(from: source, count: outWidth)
                        } else {
                            for x in 0..<outWidth { row[x * stride] = source[x] }
                        }
                    }
                }
            }
            flipped.withUnsafeBufferPointer { flippedBuffer in
                guard let flippedBase = flippedBuffer.baseAddress else { return }
                transposed.forward(padded: base + region.top * spreadWidth + region.left, paddedHeight: spreadHeight,
                                   paddedWidth: spreadWidth, outHeight: region.height, outWidth: region.width,
                                   weight: flippedBase, bias: bias, output: target, accumulate: accumulate, relu: false)
            }
        }
    }

    /// The weights of the transposed correlation (`count` values): input and output channels
    /// swapped within each group, kernels rotated by 180 degrees.
    private func flippedWeights(_ weight: UnsafePointer<Float>, count: Int) -> [Float] {
        let outPerGroup = outPerGroup, inPerGroup = inPerGroup, kh = kernelHeight, kw = kernelWidth
        var flipped = [Float](repeating: 0, count: count)
        for g in 0..<groups {
            for i in 0..<inPerGroup {
                for o in 0..<outPerGroup {
                    for ky in 0..<kh {
                        for kx in 0..<kw {
                            let source = (((g * outPerGroup + o) * inPerGroup + i) * kh + kh - 1 - ky) * kw + kw - 1 - kx
                            flipped[(((g * inPerGroup + i) * outPerGroup + o) * kh + ky) * kw + kx] = weight[source]
                        }
                    }
                }
            }
        }
        return flipped
    }

    /// A rectangle of a padded plane: rows `top..<top + height`, columns `left..<left + width`.
    struct Window {
        let top: Int, left: Int, height: Int, width: Int
    }

    /// The stride-1 correlation that maps output gradients back to input gradients.
    private init(transposing core: ConvolutionCore) {
        inChannels = core.outChannels
        outChannels = core.inChannels
        kernelHeight = core.kernelHeight
        kernelWidth = core.kernelWidth
        stride = 1
        groups = core.groups
    }

    var weightCount: Int { outChannels * inPerGroup * taps }
}
