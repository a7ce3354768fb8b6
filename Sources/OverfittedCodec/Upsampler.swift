/// Learned x2 up-sampling of the latent grids to full resolution (Cool-chic's separable transposed
/// convolution: Ladune et al., "Cool-chic: Coordinate-based low complexity hierarchical image codec",
/// 2023, and Leguay et al. 2023).
///
/// Coarse to fine, a stack of planes starts as the coarsest grid; each step up-samples every plane of
/// the stack by two (rows then columns, the same symmetric 8-tap kernel, replicate padding), crops
/// it to the next grid's size and appends that grid. The result has one full-resolution plane per
/// grid, coarsest first.
struct Upsampler {
    let geometry: LatentGeometry

    /// Saved by ``forward`` for ``backward``: per step, the stack before up-sampling and after the
    /// horizontal pass.
    struct Trace {
        var sources: [[[Float]]] = []
        var horizontal: [[[Float]]] = []
    }

    /// Output `j` of a x2 transposed filter reads input `j / 2 + tapOffsets[j & 1][t]` with kernel
    /// value `tapCoefficients[j & 1][t]` (coefficient 0 is nearest to the output position).
    static let tapOffsets: [[Int]] = [[-2, -1, 0, 1], [-1, 0, 1, 2]]
    static let tapCoefficients: [[Int]] = [[3, 1, 0, 2], [2, 0, 1, 3]]

    /// Full-resolution planes (coarsest grid first) from the latents (all grids, finest first).
    func forward(latents: [Float], kernels: [Float], parallel: ParallelChunks, trace: inout Trace?) -> [[Float]] {
        let levels = geometry.levels
        var stack = [grid(latents, level: levels - 1)]
        var saved = Trace()
        for level in stride(from: levels - 2, through: 0, by: -1) {
            let source = geometry.gridSizes[level + 1]
            let target = geometry.gridSizes[level]
            let kernel = Array(kernels[(4 * (levels - 2 - level))..<(4 * (levels - 1 - level))])
            var horizontal = [[Float]](repeating: [], count: stack.count)
            var upsampled = [[Float]](repeating: [], count: stack.count)
            horizontal.withUnsafeMutableBufferPointer { hBuffer in
                upsampled.withUnsafeMutableBufferPointer { uBuffer in
                    let h = UnsafeSendableBox(hBuffer)
                    let u = UnsafeSendableBox(uBuffer)
                    parallel.run(chunks: stack.count) { channel in
                        let rows = Self.filterRows(stack[channel], width: source.width, height: source.height,
                                                   targetWidth: target.width, kernel: kernel)
                        u.value[channel] = Self.filterColumns(rows, width: target.width, height: source.height,
                                                              targetHeight: target.height, kernel: kernel)
                        h.value[channel] = rows
                    }
                }
            }
            saved.sources.append(stack)
            saved.horizontal.append(horizontal)
            stack = upsampled
            stack.append(grid(latents, level: level))
        }
        if trace != nil { trace = saved }
        return stack
    }

    /// Gradients w.r.t. the latents (added to `gradLatents`) and the kernels (added to `gradKernels`).
    func backward(gradPlanes: [[Float]], kernels: [Float], trace: Trace, parallel: ParallelChunks,
                  gradLatents: inout [Float], gradKernels: inout [Float]) {
        let levels = geometry.levels
        var grad = gradPlanes
        // Steps were recorded coarse to fine (step s produces grid levels - 2 - s); walk them back.
        for step in stride(from: levels - 2, through: 0, by: -1) {
            let fineLevel = levels - 2 - step
            let source = geometry.gridSizes[fineLevel + 1]
            let target = geometry.gridSizes[fineLevel]
            let kernel = Array(kernels[(4 * step)..<(4 * step + 4)])
            addGrid(grad[grad.count - 1], to: &gradLatents, level: fineLevel)
            let channels = grad.count - 1
            var gradSources = [[Float]](repeating: [], count: channels)
            var kernelGrads = [[Float]](repeating: [0, 0, 0, 0], count: channels)
            gradSources.withUnsafeMutableBufferPointer { sBuffer in
                kernelGrads.withUnsafeMutableBufferPointer { kBuffer in
                    let s = UnsafeSendableBox(sBuffer)
                    let k = UnsafeSendableBox(kBuffer)
                    parallel.run(chunks: channels) { channel in
                        var kg: [Float] = [0, 0, 0, 0]
                        let gradRows = Self.filterColumnsBackward(
                            grad[channel], rows: trace.horizontal[step][channel], width: target.width,
                            height: source.height, targetHeight: target.height, kernel: kernel, gradKernel: &kg)
                        s.value[channel] = Self.filterRowsBackward(
                            gradRows, source: trace.sources[step][channel], width: source.width,
                            height: source.height, targetWidth: target.width, kernel: kernel, gradKernel: &kg)
                        k.value[channel] = kg
                    }
                }
            }
            for channel in 0..<channels {
                for t in 0..<4 { gradKernels[4 * step + t] += kernelGrads[channel][t] }
            }
            grad = gradSources
        }
        addGrid(grad[0], to: &gradLatents, level: levels - 1)
    }

    private func grid(_ latents: [Float], level: Int) -> [Float] {
        let offset = geometry.offset(level: level)
        return Array(latents[offset..<(offset + geometry.count(level: level))])
    }

    private func addGrid(_ values: [Float], to all: inout [Float], level: Int) {
        let offset = geometry.offset(level: level)
        for i in 0..<values.count { all[offset + i] += values[i] }
    }

    /// Up-samples each row of a `width x height` plane to `targetWidth` columns.
    static func filterRows(_ plane: [Float], width: Int, height: Int, targetWidth: Int, kernel: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: targetWidth * height)
        for y in 0..<height {
            for x in 0..<targetWidth {
                let phase = x & 1
                var sum: Float = 0
                for t in 0..<4 {
                    let i = min(max(x / 2 + tapOffsets[phase][t], 0), width - 1)
                    sum = sum + kernel[tapCoefficients[phase][t]] * plane[y * width + i]
                }
                out[y * targetWidth + x] = sum
            }
        }
        return out
    }

    /// Up-samples each column of a `width x height` plane to `targetHeight` rows.
    static func filterColumns(_ plane: [Float], width: Int, height: Int, targetHeight: Int, kernel: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: width * targetHeight)
        for y in 0..<targetHeight {
            let phase = y & 1
            for t in 0..<4 {
                let row = min(max(y / 2 + tapOffsets[phase][t], 0), height - 1)
                let c = kernel[tapCoefficients[phase][t]]
                for x in 0..<width {
                    out[y * width + x] = out[y * width + x] + c * plane[row * width + x]
                }
            }
        }
        return out
    }

    static func filterColumnsBackward(_ grad: [Float], rows: [Float], width: Int, height: Int, targetHeight: Int,
                                      kernel: [Float], gradKernel: inout [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: width * height)
        for y in 0..<targetHeight {
            let phase = y & 1
            for t in 0..<4 {
                let row = min(max(y / 2 + tapOffsets[phase][t], 0), height - 1)
                let coefficient = tapCoefficients[phase][t]
                let c = kernel[coefficient]
                var dc: Float = 0
                for x in 0..<width {
                    let g = grad[y * width + x]
                    out[row * width + x] = out[row * width + x] + c * g
                    dc = dc + g * rows[row * width + x]
                }
                gradKernel[coefficient] += dc
            }
        }
        return out
    }

    static func filterRowsBackward(_ grad: [Float], source: [Float], width: Int, height: Int, targetWidth: Int,
                                   kernel: [Float], gradKernel: inout [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<targetWidth {
                let phase = x & 1
                let g = grad[y * targetWidth + x]
                for t in 0..<4 {
                    let i = min(max(x / 2 + tapOffsets[phase][t], 0), width - 1)
                    let coefficient = tapCoefficients[phase][t]
                    out[y * width + i] = out[y * width + i] + kernel[coefficient] * g
                    gradKernel[coefficient] += g * source[y * width + i]
                }
            }
        }
        return out
    }
}
