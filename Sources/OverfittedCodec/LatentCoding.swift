import EntropyCoding

/// Writes and reads the latent stream: one range-coded stream for all grids, coarsest grid first,
/// each grid in ``WavefrontOrder``; every latent coded with the entropy layer's quantized Laplace
/// (16-bit tables) under the mean and log-scale the ``FixedPointARM`` computes from its already
/// coded neighbours.
struct LatentCoding {
    let geometry: LatentGeometry
    let arm: FixedPointARM
    let parallel: ParallelChunks

    /// ARM multiply-accumulates a wavefront step must hold to be split over threads. Below it the
    /// threads' wake-up and the barrier at the end of each step cost more than they save: a Kodak
    /// step (at most 256 latents, a few thousand steps per image) is 9 to 20 microseconds of work
    /// on one core, and with 2 threads it measured no faster than 1.
    static let defaultParallelStepWork = 400_000
    /// This coder's threshold (``defaultParallelStepWork``; tests lower it to reach the parallel path).
    var parallelStepWork = Self.defaultParallelStepWork
    static let family = QuantizedFamily.laplace16
    /// Bounds of a coded latent.
    static let latentRange: ClosedRange<Int32> = -64...63
    /// Bytes the decoder may read past the end of the stream: the encoder drops trailing zero bytes,
    /// so a valid stream reads a few; a damaged one that keeps going is stopped after each grid.
    static let maximumPaddingBytes = 256

    /// Codes `latents` (all grids, finest first, integers in ``latentRange``).
    func encode(_ latents: [Int32]) -> [UInt8] {
        var encoder = RangeEncoder(capacity: geometry.totalLatents / 2)
        for level in stride(from: geometry.levels - 1, through: 0, by: -1) {
            let size = geometry.gridSizes[level]
            let offset = geometry.offset(level: level)
            let grid = Array(latents[offset..<(offset + size.width * size.height)])
            let parameters = allParameters(grid: grid, width: size.width, height: size.height)
            let order = WavefrontOrder(width: size.width, height: size.height,
                                       slope: CausalNeighbourhood.wavefrontSlope(contextSize: arm.context))
            for index in order.indices {
                let i = Int(index)
                encoder.encode(grid[i], mean: parameters.means[i], logScale: parameters.logScales[i], using: Self.family)
            }
        }
        return encoder.finish()
    }

    /// Reads the latents back (all grids, finest first); adds the time spent in the ARM to `armSeconds`.
    func decode(_ bytes: [UInt8], armSeconds: inout Double) throws(OverfittedDecodeError) -> [Int32] {
        var decoder = RangeDecoder(bytes: bytes)
        var latents = [Int32](repeating: 0, count: geometry.totalLatents)
        for level in stride(from: geometry.levels - 1, through: 0, by: -1) {
            let size = geometry.gridSizes[level]
            let grid = try decodeGrid(width: size.width, height: size.height, decoder: &decoder, armSeconds: &armSeconds)
            guard decoder.paddingBytesRead <= Self.maximumPaddingBytes else {
                throw .corruptStream("latent stream ends \(decoder.paddingBytesRead) bytes early")
            }
            let offset = geometry.offset(level: level)
            latents.replaceSubrange(offset..<(offset + grid.count), with: grid)
        }
        return latents
    }

    private func decodeGrid(width: Int, height: Int, decoder: inout RangeDecoder,
                            armSeconds: inout Double) throws(OverfittedDecodeError) -> [Int32] {
        // The grid with `pad` zero columns on both sides and `pad` zero rows on top: every neighbour
        // the ARM reads is inside this buffer, and off the grid it reads 0 as on an unpadded grid.
        let pad = CausalNeighbourhood.reach
        let padded = PaddedGrid(width: width + 2 * pad, height: height + pad)
        var cells = [Int32](repeating: 0, count: padded.width * padded.height)
        let order = WavefrontOrder(width: width, height: height,
                                   slope: CausalNeighbourhood.wavefrontSlope(contextSize: arm.context))
        var means = [Int32](repeating: 0, count: width + 1)
        var logScales = means
        // ARM working memory per chunk of a step (a step has at most `parallel.threads` chunks).
        let batches = (0..<parallel.threads).map { _ in FixedPointARM.Batch(arm: arm) }
        let slope = CausalNeighbourhood.wavefrontSlope(contextSize: arm.context)
        let family = Self.family, latentRange = Self.latentRange  // read once, not per latent
        let memberStride = padded.width - slope  // one row down, `slope` columns left
        for step in 0..<order.stepCount {
            let members = order.indices[order.stepStarts[step]..<order.stepStarts[step + 1]]
            guard let firstIndex = members.first.map(Int.init) else { continue }
            let x = firstIndex % width + pad, y = firstIndex / width + pad
            var clock = ContinuousClock.now
            stepParameters(grid: cells, padded: padded, x: x, y: y, slope: slope, count: members.count, batches: batches,
                           means: &means, logScales: &logScales)
            armSeconds += DecodePhases.lap(&clock)
            var cell = y * padded.width + x
            for k in 0..<members.count {
                let value: Int32
                do {
                    value = try decoder.decode(mean: means[k], logScale: logScales[k], using: family)
                } catch {
                    throw .corruptStream("latents: \(error)")
                }
                guard latentRange.contains(value) else { throw .corruptStream("latent \(value) outside \(latentRange)") }
                cells[cell] = value
                cell += memberStride
            }
        }
        var grid = [Int32](repeating: 0, count: width * height)
        for row in 0..<height {
            let start = (row + pad) * padded.width + pad
            grid.replaceSubrange((row * width)..<(row * width + width), with: cells[start..<(start + width)])
        }
        return grid
    }

    /// Size of the decoder's zero-bordered grid.
    private struct PaddedGrid {
        let width: Int
        let height: Int
    }

    /// ARM outputs for the `count` latents of one wavefront step (they only read earlier steps), the
    /// first at `(x, y)` of the padded grid, each next one row below and `slope` columns left.
    private func stepParameters(grid: [Int32], padded: PaddedGrid, x: Int, y: Int, slope: Int, count: Int,
                                batches: [FixedPointARM.Batch], means: inout [Int32], logScales: inout [Int32]) {
        let chunks = count * arm.macsPerLatent >= parallelStepWork ? parallel.threads : 1
        grid.withUnsafeBufferPointer { g in
            means.withUnsafeMutableBufferPointer { mBuffer in
                logScales.withUnsafeMutableBufferPointer { sBuffer in
                    let out = UnsafeSendableBox((mBuffer, sBuffer))
                    parallel.run(chunks: chunks) { chunk in
                        let range = ParallelChunks.range(of: chunk, chunks: chunks, count: count)
                        guard let first = range.first, let m = out.value.0.baseAddress, let s = out.value.1.baseAddress else { return }
                        arm.parameters(grid: g, width: padded.width, height: padded.height, x: x - first * slope, y: y + first,
                                       stepX: -slope, stepY: 1, count: range.count, means: m + first, logScales: s + first,
                                       batch: batches[chunk])
                    }
                }
            }
        }
    }

    /// ARM outputs for every latent of a fully known grid (encoder side).
    private func allParameters(grid: [Int32], width: Int, height: Int) -> (means: [Int32], logScales: [Int32]) {
        var means = [Int32](repeating: 0, count: grid.count)
        var logScales = means
        let chunks = 16
        grid.withUnsafeBufferPointer { g in
            means.withUnsafeMutableBufferPointer { mBuffer in
                logScales.withUnsafeMutableBufferPointer { sBuffer in
                    let out = UnsafeSendableBox((mBuffer, sBuffer))
                    parallel.run(chunks: chunks) { chunk in
                        let batch = FixedPointARM.Batch(arm: arm)
                        guard let m = out.value.0.baseAddress, let s = out.value.1.baseAddress else { return }
                        for y in ParallelChunks.range(of: chunk, chunks: chunks, count: height) {
                            arm.parameters(grid: g, width: width, height: height, x: 0, y: y, stepX: 1, stepY: 0,
                                           count: width, means: m + y * width, logScales: s + y * width, batch: batch)
                        }
                    }
                }
            }
        }
        return (means, logScales)
    }
}
