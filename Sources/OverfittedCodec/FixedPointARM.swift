import CNeuralKernels
import NeuralKernels

/// The ARM in integer arithmetic, used by the decoder and by the encoder when it writes the latents,
/// so both sides compute the same Laplace parameters on every machine (Cool-chic does the same with
/// int64 fixed point; Leguay et al. 2023).
///
/// Activations and weights are Int64 in Q16 (`value * 2^16`); a layer computes
/// `roundShift(sum_i w_i * a_i, 16) + bias` and ReLU; residual additions are exact. The outputs leave
/// as Q8 (`roundShift(o, 8)`): the mean, and the log-scale clamped to the training range. Arithmetic
/// wraps on overflow (only a corrupt or hostile file could get there): never a trap, same result on
/// every platform.
struct FixedPointARM: Sendable {
    /// Inputs: the causal neighbours (``offsets``), then the inter-grid features.
    let context: Int
    /// All parameters in one buffer: `w1 (c x c) | w2 (c x c) | wOut (2 x c) | wLinear (2 x c) | b1 (c) |
    /// b2 (c) | bOut (2)`, read through unsafe pointers in the per-latent hot path.
    private let packed: [Int64]
    /// The causal neighbours' offsets (the first `offsets.count` inputs; the rest are inter-grid
    /// features, which the grid-reading paths read as zero).
    let offsets: [(dy: Int, dx: Int)]
    /// The same network on 256-bit vectors when the CPU and the weights allow it (nil otherwise).
    private let wide: FixedPointResidualMLP?
    /// The same network in 32-bit lanes, 8 or 16 positions at a time, when the CPU and the weights allow it.
    let narrow: NarrowARM?
    /// Spacing of the input and the two hidden layers in the scratch buffer.
    private let stride: Int

    /// Log-scale bounds in Q8 (``ARMOutput.logScaleRange`` times 256).
    static let logScaleRangeQ8: ClosedRange<Int32> =
        Int32(ARMOutput.logScaleRange.lowerBound * 256)...Int32(ARMOutput.logScaleRange.upperBound * 256)
    /// Activation bound: keeps sums far from Int64 overflow for any sane network.
    private static let activationBound: Int64 = 1 << 40

    /// The kernels of `level` (at most ``Acceleration/level``) where the weights allow them; `.portable`
    /// keeps to the scalar Int64 path (for tests comparing the paths).
    init(networks: QuantizedNetworks, layout: ARMLayout, spatialContext: Int? = nil,
         level: Acceleration.Level = Acceleration.level) {
        context = layout.context
        offsets = CausalNeighbourhood.offsets(count: min(layout.context, spatialContext ?? layout.context))
        let (rawWeights, weightExponent, rawBiases, biasExponent) = networks.armIntegers(layout: layout)
        let weightShift = Int64(QuantizedNetworks.maximumExponent - weightExponent)
        let biasShift = Int64(QuantizedNetworks.maximumExponent - biasExponent)
        let w = rawWeights.map { $0 << weightShift }
        let b = rawBiases.map { $0 << biasShift }
        // Offsets of each tensor inside the weights or the biases (the layout's ranges, relative to their start).
        let biasStart = layout.layout.weightCount
        func slice(_ values: [Int64], _ range: Range<Int>, start: Int) -> ArraySlice<Int64> {
            values[(range.lowerBound - start)..<(range.upperBound - start)]
        }
        let w1 = Array(slice(w, layout.w1, start: 0)), w2 = Array(slice(w, layout.w2, start: 0))
        let wOut = Array(slice(w, layout.wOut, start: 0)), wLinear = Array(slice(w, layout.wLinear, start: 0))
        let b1 = Array(slice(b, layout.b1, start: biasStart)), b2 = Array(slice(b, layout.b2, start: biasStart))
        packed = w1 + w2 + wOut + wLinear + b1 + b2 + slice(b, layout.bOut, start: biasStart)
        wide = level < .avx2 ? nil : FixedPointResidualMLP(context: context, w1: w1, b1: b1, w2: w2, b2: b2, wOut: wOut, wLinear: wLinear)
        stride = wide?.paddedContext ?? context
        narrow = level < .avx2 ? nil : NarrowARM(context: context, w1: w1, b1: b1, w2: w2, b2: b2, wOut: wOut, wLinear: wLinear,
                                                 level: level)
    }

    /// Multiply-accumulates per latent (``Architecture/armMACsPerLatent``).
    var macsPerLatent: Int { 2 * context * context + 4 * context }

    /// Whether the 256-bit vector kernel is in use (the CPU has it and every weight fits in Int32).
    var isVectorized: Bool { wide != nil }

    /// Whether the 32-bit lane kernel (``NarrowARM``) is in use.
    var usesNarrowKernel: Bool { narrow != nil }

    /// Whether layer 1 may run on 32-bit products (see ``FixedPointResidualMLP/usesLatentLayer``).
    var usesLatentLayer: Bool { wide?.usesLatentLayer ?? false }

    /// Values the `scratch` of ``parameters(grid:width:height:x:y:scratch:)`` must hold; they must
    /// be zero-initialised once (the padding of the input must stay zero).
    var scratchCount: Int { 3 * stride }

    /// A zeroed scratch buffer for ``parameters(grid:width:height:x:y:scratch:)`` (deallocate it).
    func makeScratch() -> UnsafeMutablePointer<Int64> {
        let scratch = UnsafeMutablePointer<Int64>.allocate(capacity: scratchCount)
        scratch.initialize(repeating: 0, count: scratchCount)
        return scratch
    }

    /// Working memory of one thread for ``parameters(cells:neighbourOffsets:stride:count:means:logScales:batch:)``.
    final class Batch: @unchecked Sendable {
        /// Latents per call of the vector kernel.
        static let capacity = 256
        /// `capacity` inputs of `stride` values each (zero padding beyond the context).
        let inputs: UnsafeMutablePointer<Int64>
        /// The same inputs as integers, rows of the kernel's `latentStride` (zero padding).
        let latents: UnsafeMutablePointer<Int32>
        let latentStride: Int
        let sums: UnsafeMutablePointer<Int64>
        let done: UnsafeMutablePointer<UInt8>
        /// As from ``FixedPointARM/makeScratch()``.
        let scratch: UnsafeMutablePointer<Int64>

        init(arm: FixedPointARM) {
            inputs = .allocate(capacity: Self.capacity * arm.stride)
            inputs.initialize(repeating: 0, count: Self.capacity * arm.stride)
            latentStride = arm.wide?.latentStride ?? 8
            latents = .allocate(capacity: Self.capacity * latentStride)
            latents.initialize(repeating: 0, count: Self.capacity * latentStride)
            sums = .allocate(capacity: 2 * Self.capacity)
            done = .allocate(capacity: Self.capacity)
            scratch = arm.makeScratch()
        }

        deinit {
            inputs.deallocate()
            latents.deallocate()
            sums.deallocate()
            done.deallocate()
            scratch.deallocate()
        }
    }

    /// Means and log-scales of `count` latents whose neighbours all lie in memory the caller owns:
    /// neighbour `i` of latent `k` is `cells[k * stride + neighbourOffsets[i]]` (`context` offsets, in
    /// the order of ``offsets``; a zero-bordered layout stands for the zeros outside the grid). The
    /// same values as ``parameters(grid:width:height:x:y:scratch:)`` on the grid the cells hold.
    func parameters(cells: UnsafePointer<Int32>, neighbourOffsets: UnsafePointer<Int32>, stride: Int, count: Int,
                    means: UnsafeMutablePointer<Int32>, logScales: UnsafeMutablePointer<Int32>, batch: Batch) {
        var start = 0
        if let narrow {
            while start < count {
                let n = min(Batch.capacity, count - start)
                guard narrow.sums(cells: cells + start * stride, offsets: neighbourOffsets, stride: stride, count: n,
                                  into: batch.sums) else { break }
                finish(sums: batch.sums, count: n, means: means + start, logScales: logScales + start)
                start += n
            }
        }
        if start == count { return }
        // No narrow kernel, or a latent outside its range: the rest on the paths below.
        let c = context
        outputParameters(count: count - start, means: means + start, logScales: logScales + start, batch: batch) { k, store in
            let centre = cells + (start + k) * stride
            for i in 0..<c { store(i, centre[Int(neighbourOffsets[i])]) }
        }
    }

    /// The batch on the 256-bit Int64 kernel (or the scalar path), without the narrow kernel;
    /// `neighbours(k, store)` calls `store(i, value)` with each neighbour `i` of latent `k`.
    @inline(__always)
    private func outputParameters(count: Int, means: UnsafeMutablePointer<Int32>, logScales: UnsafeMutablePointer<Int32>,
                                  batch: Batch, neighbours: (Int, (Int, Int32) -> Void) -> Void) {
        let input = batch.scratch
        guard let wide else {
            for k in 0..<count {
                neighbours(k) { i, value in input[i] = Int64(value) << 16 }
                let p = finish(scalarSums(input: input, scratch: input))
                means[k] = p.mean
                logScales[k] = p.logScale
            }
            return
        }
        var start = 0
        while start < count {
            let n = min(Batch.capacity, count - start)
            for k in 0..<n {
                let inputs = batch.inputs + k * stride, latents = batch.latents + k * batch.latentStride
                neighbours(start + k) { i, value in
                    inputs[i] = Int64(value) << 16
                    latents[i] = value
                }
            }
            wide.batchSums(batch.inputs, latents: batch.latents, count: n, scratch: batch.scratch + stride,
                           sums: batch.sums, done: batch.done)
            for k in 0..<n {
                var sums = (batch.sums[2 * k], batch.sums[2 * k + 1])
                if batch.done[k] == 0 {  // an activation left the Int32 range: the scalar path
                    neighbours(start + k) { i, value in input[i] = Int64(value) << 16 }
                    sums = scalarSums(input: input, scratch: input)
                }
                let p = finish(sums)
                means[start + k] = p.mean
                logScales[start + k] = p.logScale
            }
            start += n
        }
    }

    @inline(__always)
    private static func roundShift(_ value: Int64, _ shift: Int64) -> Int64 {
        (value &+ (1 << (shift - 1))) >> shift
    }

    @inline(__always)
    private static func bounded(_ value: Int64) -> Int64 {
        min(max(value, -activationBound), activationBound)
    }

    /// Mean and log-scale (Q8) of the latent at `(x, y)` of a `width x height` grid whose decoded
    /// values are in `grid` (row-major; only causal positions are read), one latent at a time: the
    /// definition the batched ``parameters(cells:neighbourOffsets:stride:count:means:logScales:batch:)``
    /// is tested against. `scratch` comes from ``makeScratch()``.
    func parameters(grid: UnsafeBufferPointer<Int32>, width: Int, height: Int, x: Int, y: Int,
                    scratch: UnsafeMutablePointer<Int64>) -> (mean: Int32, logScale: Int32) {
        finish(outputSums(grid: grid, width: width, height: height, x: x, y: y, scratch: scratch))
    }

    /// The two output sums (Q32) the mean and log-scale come from, from the vector kernel when it
    /// applies, else from the scalar path.
    func outputSums(grid: UnsafeBufferPointer<Int32>, width: Int, height: Int, x: Int, y: Int,
                    scratch: UnsafeMutablePointer<Int64>) -> (Int64, Int64) {
        let input = scratch
        gatherInput(grid: grid, width: width, height: height, x: x, y: y, into: input)
        if let wide, let sums = wide.sums(input, scratch: scratch + stride) { return sums }
        return scalarSums(input: input, scratch: scratch)
    }

    /// The two output sums in scalar Int64 arithmetic (the definition the vector path reproduces).
    private func scalarSums(input: UnsafeMutablePointer<Int64>, scratch: UnsafeMutablePointer<Int64>) -> (Int64, Int64) {
        let c = context
        let h1 = scratch + stride, h2 = scratch + 2 * stride
        return packed.withUnsafeBufferPointer { p in
            guard let w1 = p.baseAddress else { return (0, 0) }
            let w2 = w1 + c * c, wOut = w2 + c * c, wLinear = wOut + 2 * c
            let b1 = wLinear + 2 * c, b2 = b1 + c
            Self.layer(c, weights: w1, bias: b1, input: input, output: h1)
            Self.layer(c, weights: w2, bias: b2, input: h1, output: h2)
            // Wrapping sums are exact in any order, so the four dot products share one loop.
            var mean: Int64 = 0, scale: Int64 = 0
            for i in 0..<c {
                mean = mean &+ wOut[i] &* h2[i] &+ wLinear[i] &* input[i]
                scale = scale &+ wOut[c + i] &* h2[i] &+ wLinear[c + i] &* input[i]
            }
            return (mean, scale)
        }
    }

    /// ``finish(_:)`` of `count` positions whose sums are `sums[2n]`, `sums[2n + 1]`, in one C call
    /// (AVX2 on x86-64, or AVX-512 with the narrow kernel's AVX-512 form: only for the narrow kernel's
    /// batches, which imply them).
    func finish(sums: UnsafePointer<Int64>, count: Int, means: UnsafeMutablePointer<Int32>, logScales: UnsafeMutablePointer<Int32>) {
        let kernel = narrow?.usesAVX512 == true ? nk_arm_finish_avx512 : nk_arm_finish
        kernel(sums, count, packed[packed.count - 2], packed[packed.count - 1], Self.logScaleRangeQ8.lowerBound,
               Self.logScaleRangeQ8.upperBound, means, logScales)
    }

    /// Mean and log-scale (Q8) from the two output sums.
    @inline(__always)
    func finish(_ sums: (Int64, Int64)) -> (mean: Int32, logScale: Int32) {
        let bOut = packed.count - 2
        let outputs = (Self.roundShift(sums.0, 16) &+ packed[bOut], Self.roundShift(sums.1, 16) &+ packed[bOut + 1])
        let mean = Int32(clamping: Self.roundShift(Self.bounded(outputs.0), 8))
        let range = Self.logScaleRangeQ8
        let logScale = min(max(Int32(clamping: Self.roundShift(Self.bounded(outputs.1), 8)), range.lowerBound), range.upperBound)
        return (min(max(mean, -(1 << 20)), 1 << 20), logScale)
    }

    /// The neighbours of `(x, y)` in Q16 into `input` (zero outside the grid).
    private func gatherInput(grid: UnsafeBufferPointer<Int32>, width: Int, height: Int, x: Int, y: Int,
                             into input: UnsafeMutablePointer<Int64>) {
        for (k, offset) in offsets.enumerated() {
            let yy = y + offset.dy, xx = x + offset.dx
            let inside = yy >= 0 && xx >= 0 && xx < width && yy < height
            input[k] = inside ? Int64(grid[yy * width + xx]) << 16 : 0
        }
    }

    /// `output = relu(input + roundShift(W input, 16) + b)`.
    @inline(__always)
    private static func layer(_ c: Int, weights: UnsafePointer<Int64>, bias: UnsafePointer<Int64>,
                              input: UnsafeMutablePointer<Int64>, output: UnsafeMutablePointer<Int64>) {
        // Four rows at a time share each input load (wrapping sums are exact in any order).
        var o = 0
        while o + 4 <= c {
            let r0 = weights + o * c, r1 = r0 + c, r2 = r1 + c, r3 = r2 + c
            var s0: Int64 = 0, s1: Int64 = 0, s2: Int64 = 0, s3: Int64 = 0
            for i in 0..<c {
                let a = input[i]
                s0 = s0 &+ r0[i] &* a
                s1 = s1 &+ r1[i] &* a
                s2 = s2 &+ r2[i] &* a
                s3 = s3 &+ r3[i] &* a
            }
            output[o] = activate(s0, bias: bias[o], residual: input[o])
            output[o + 1] = activate(s1, bias: bias[o + 1], residual: input[o + 1])
            output[o + 2] = activate(s2, bias: bias[o + 2], residual: input[o + 2])
            output[o + 3] = activate(s3, bias: bias[o + 3], residual: input[o + 3])
            o += 4
        }
        while o < c {
            let row = weights + o * c
            var sum: Int64 = 0
            for i in 0..<c { sum = sum &+ row[i] &* input[i] }
            output[o] = activate(sum, bias: bias[o], residual: input[o])
            o += 1
        }
    }

    /// `relu(residual + roundShift(sum, 16) + bias)`, bounded.
    @inline(__always)
    private static func activate(_ sum: Int64, bias: Int64, residual: Int64) -> Int64 {
        bounded(max(residual &+ roundShift(sum, 16) &+ bias, 0))
    }
}
