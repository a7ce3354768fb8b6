import CNeuralKernels

/// A small multilayer perceptron applied independently at every position (a stack of 1x1
/// convolutions), with forward and backward fused per chunk of positions so activations stay in
/// cache: the entropy-model MLP of overfitted codecs (e.g. 20 -> 20 -> 20 -> 2 with residual
/// hidden layers) and their point-wise synthesis (e.g. 7 -> 48 -> 3).
///
/// Layer `l` computes `z = W_l h + b_l`, `s = residual ? h + z : z` and `h' = relu ? max(0, s) : s`
/// (a residual layer applies its ReLU after the sum, as Cool-chic's ARM does). Parameters are one
/// flat buffer: for each layer in order, its weights (row-major `outFeatures x inFeatures`) then its
/// biases (``parameterOffsets``).
/// Inputs and outputs are planar as in ``Linear``: feature `i` of position `p` at `[i * count + p]`.
/// Arithmetic is that of ``Linear`` (fixed order, fused multiply-add), and gradient partial sums are formed
/// over fixed blocks of positions and added in block order: results are bit-identical for every
/// thread count and kernel level.
public struct PointwiseMLP: Sendable, Equatable {
    /// One fully connected layer.
    public struct Layer: Sendable, Equatable {
        public let inFeatures: Int
        public let outFeatures: Int
        public let relu: Bool
        public let residual: Bool

        public init(inFeatures: Int, outFeatures: Int, relu: Bool = false, residual: Bool = false) {
            self.inFeatures = inFeatures
            self.outFeatures = outFeatures
            self.relu = relu
            self.residual = residual
        }
    }

    public let layers: [Layer]
    /// Positions per chunk (activations of one chunk stay in the L1/L2 caches); the stride of the
    /// planes ``train``'s loss callback sees.
    public static let chunk = 256
    /// Chunks per work item (one gradient partial sum each).
    static let chunksPerItem = 16
    /// Positions per work item of ``trainItems``: it cuts `0 ..< count` into items starting at
    /// multiples of this (callers that keep per-item state index it the same way).
    public static let itemSize = chunk * chunksPerItem

    /// Validates the chain: at least one layer, positive widths, each layer's input width equal
    /// to the previous output width, residual layers square.
    public init(layers: [Layer]) throws(KernelError) {
        guard let first = layers.first, first.inFeatures > 0 else { throw .invalidGeometry("an MLP needs at least one layer") }
        var width = first.inFeatures
        for (index, layer) in layers.enumerated() {
            guard layer.inFeatures == width, layer.outFeatures > 0 else {
                throw .invalidGeometry("layer \(index) takes \(layer.inFeatures) features, the previous layer gives \(width)")
            }
            guard !layer.residual || layer.inFeatures == layer.outFeatures else {
                throw .invalidGeometry("residual layer \(index) must be square, is \(layer.inFeatures) -> \(layer.outFeatures)")
            }
            width = layer.outFeatures
        }
        self.layers = layers
    }

    public var inFeatures: Int { layers[0].inFeatures }
    public var outFeatures: Int { layers[layers.count - 1].outFeatures }

    /// Offsets of each layer's weights and biases in the flat parameter buffer.
    public var parameterOffsets: [(weights: Int, biases: Int)] {
        var offset = 0
        return layers.map { layer in
            defer { offset += layer.outFeatures * (layer.inFeatures + 1) }
            return (offset, offset + layer.outFeatures * layer.inFeatures)
        }
    }

    /// Total number of parameters.
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.outFeatures * ($1.inFeatures + 1) } }

    /// Forward pass on `count` positions: `output` gets ``outFeatures`` planes.
    public func forward(parameters: UnsafePointer<Float>, input: UnsafePointer<Float>, count: Int,
                        output: UnsafeMutablePointer<Float>) {
        guard count > 0 else { return }
        let plan = Plan(self, parameters: parameters, backward: false)
        // No partial sums here, so the split does not matter: one work item per thread (at least
        // `chunksPerItem` chunks), each with one scratch (allocated and zeroed once per item).
        let threads = Parallel.maxThreads
        let perThread = ((count + threads - 1) / threads + Self.chunk - 1) / Self.chunk * Self.chunk
        Parallel.forRanges(count: count, grain: max(Self.itemSize, perThread)) { item in
            let scratch = Scratch(self, inputStride: count)
            var start = item.lowerBound
            while start < item.upperBound {
                let n = min(Self.chunk, item.upperBound - start)
                scratch.forward(plan, input: input + start, n: n)
                let result = scratch.output
                for o in 0..<outFeatures {
                    (output + o * count + start).update(from: result + o * Self.chunk, count: n)
                }
                start += n
            }
        }
    }

    /// Backward pass given dL/doutput (``outFeatures`` planes), recomputing the activations.
    /// `gradParameters` is ADDED to, summed over the chunks `weightGradients` takes (as in
    /// ``train``); `gradInput`, if given, is overwritten (or added to with `accumulateInput`).
    ///
    /// `firstLayerSigns`, for an MLP of a ReLU layer and a plain layer (e.g. 7 -> 48 -> 3), tells
    /// which of the first layer's outputs the forward pass found positive: bit `p % 8` of byte
    /// `p / 8 * width + r` for position `p` and output `r`. The chunks whose weight gradients are
    /// not taken then recompute nothing (their input gradient needs only those signs); the results
    /// are the same bit for bit. It is ignored for other MLPs and below AVX2 (its reader,
    /// `nk_copy_where_bits_avx2`, needs AVX2, as does the kernel that writes such signs).
    public func backward(parameters: UnsafePointer<Float>, input: UnsafePointer<Float>, count: Int,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         accumulateInput: Bool = false, gradParameters: UnsafeMutablePointer<Float>,
                         weightGradients: ChunkSampling = .all, firstLayerSigns: UnsafePointer<UInt8>? = nil) {
        let outFeatures = outFeatures
        // The backward needs the last layer's input, not its output, unless a ReLU or a residual
        // sum makes its gradient depend on it: a plain last layer is left out of the recomputation.
        let last = layers[layers.count - 1]
        let signsApply = layers.count == 2 && layers[0].relu && !layers[0].residual && !last.relu && !last.residual
            && Acceleration.level >= .avx2
        _ = train(parameters: parameters, input: input, count: count, gradParameters: gradParameters,
                  gradInput: gradInput, accumulateInput: accumulateInput, weightGradients: weightGradients,
                  forwardLayers: last.relu || last.residual ? layers.count : layers.count - 1,
                  firstLayerSigns: signsApply ? firstLayerSigns : nil) { range, _, gradChunk in
            for o in 0..<outFeatures {
                (gradChunk + o * Self.chunk).update(from: gradOutput + o * count + range.lowerBound, count: range.count)
            }
            return 0
        }
    }

    /// Fused forward, loss and backward. For each chunk of positions, after the forward pass,
    /// `lossGradient(range, outputs, gradOutputs)` receives the chunk's outputs (planar, feature
    /// `o` of position `range.lowerBound + j` at `outputs[o * 256 + j]`), must write dL/doutputs
    /// in the same layout and returns the chunk's loss; it is called concurrently on disjoint
    /// ranges. Returns the sum of the returned losses (in chunk order, in Double).
    /// `gradParameters` is ADDED to, summed over the chunks `weightGradients` takes (scaled by its
    /// stride); `gradInput`, if given, is overwritten (or added to with `accumulateInput`) at every
    /// position.
    public func train(parameters: UnsafePointer<Float>, input: UnsafePointer<Float>, count: Int,
                      gradParameters: UnsafeMutablePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                      accumulateInput: Bool = false, weightGradients: ChunkSampling = .all,
                      lossGradient: (Range<Int>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Double) -> Double {
        train(parameters: parameters, input: input, count: count, gradParameters: gradParameters, gradInput: gradInput,
              accumulateInput: accumulateInput, weightGradients: weightGradients, forwardLayers: layers.count,
              firstLayerSigns: nil, lossGradient: lossGradient)
    }

    /// ``train`` running only the first `forwardLayers` layers forward (the loss callback then
    /// sees a chunk's outputs only if that is all of them), and none on the chunks whose weight
    /// gradients are not taken when `firstLayerSigns` (see ``backward``) is given.
    private func train(parameters: UnsafePointer<Float>, input: UnsafePointer<Float>, count: Int,
                       gradParameters: UnsafeMutablePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                       accumulateInput: Bool, weightGradients: ChunkSampling, forwardLayers: Int,
                       firstLayerSigns: UnsafePointer<UInt8>?,
                       lossGradient: (Range<Int>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Double) -> Double {
        guard count > 0 else { return 0 }
        let plan = Plan(self, parameters: parameters, backward: true)
        return Self.trainItems(count: count, parameterCount: parameterCount, gradParameters: gradParameters,
                               scale: weightGradients.scale) { item, partial in
            let scratch = Scratch(self, inputStride: count)
            var start = item.lowerBound
            var loss = 0.0
            while start < item.upperBound {
                let n = min(Self.chunk, item.upperBound - start)
                let takesWeights = weightGradients.includes(chunk: start / Self.chunk)
                let signs = takesWeights ? nil : firstLayerSigns.map { $0 + start / 8 * layers[0].outFeatures }
                scratch.forward(plan, input: input + start, n: n, layerCount: signs == nil ? forwardLayers : 0)
                loss += lossGradient(start..<start + n, scratch.output, scratch.gradOutput)
                scratch.backward(plan, input: input + start, n: n,
                                 gradInput: gradInput.map { $0 + start }, accumulateInput: accumulateInput,
                                 gradParameters: takesWeights ? partial : nil, firstLayerSigns: signs)
                start += n
            }
            return loss
        }
    }

    /// The work split of ``train``, for callers that run a chunk's whole training pass in one fused
    /// kernel: `0 ..< count` is cut into work items of ``itemSize`` positions (``chunksPerItem``
    /// chunks of ``chunk``); `item(positions, partial)` runs concurrently on disjoint items, adds the item's
    /// parameter gradient to `partial` (`parameterCount` floats, zeroed) and returns its loss (its
    /// chunks' losses summed in order). The partials, times `scale`, are added to `gradParameters`
    /// in item order; returns the items' losses summed in item order.
    public static func trainItems(count: Int, parameterCount: Int, gradParameters: UnsafeMutablePointer<Float>,
                                  scale: Float = 1, _ item: (Range<Int>, UnsafeMutablePointer<Float>) -> Double) -> Double {
        guard count > 0 else { return 0 }
        let items = (count + itemSize - 1) / itemSize
        // (One float more, so that the buffer has an address even without parameters.)
        var partials = [Float](repeating: 0, count: items * parameterCount + 1)
        let loss = partials.withUnsafeMutableBufferPointer { partialBuffer in
            let partialBase = partialBuffer.baseAddress!
            return Parallel.sumOverRanges(count: count, grain: itemSize) { positions in
                item(positions, partialBase + positions.lowerBound / itemSize * parameterCount)
            }
        }
        for index in 0..<items {
            for k in 0..<parameterCount { gradParameters[k] += scale * partials[index * parameterCount + k] }
        }
        return loss
    }
}

extension PointwiseMLP {
    /// Packed weights and offset tables for one call.
    struct Plan {
        let layers: [Layer]
        let forwardKernels: [PlanarGEMM]
        let backwardKernels: [PlanarGEMM]
        let biases: [UnsafePointer<Float>]
        let parameterOffsets: [(weights: Int, biases: Int)]
        let maxWidth: Int

        init(_ mlp: PointwiseMLP, parameters: UnsafePointer<Float>, backward: Bool) {
            layers = mlp.layers
            parameterOffsets = mlp.parameterOffsets
            var forwardKernels = [PlanarGEMM](), backwardKernels = [PlanarGEMM](), biases = [UnsafePointer<Float>]()
            for (layer, offsets) in zip(mlp.layers, mlp.parameterOffsets) {
                let w = parameters + offsets.weights, inFeatures = layer.inFeatures
                forwardKernels.append(PlanarGEMM(rows: layer.outFeatures, depth: inFeatures) { w[$0 * inFeatures + $1] })
                if backward {
                    backwardKernels.append(PlanarGEMM(rows: inFeatures, depth: layer.outFeatures) { w[$1 * inFeatures + $0] })
                }
                biases.append(parameters + offsets.biases)
            }
            self.forwardKernels = forwardKernels
            self.backwardKernels = backwardKernels
            self.biases = biases
            maxWidth = mlp.layers.reduce(mlp.inFeatures) { max($0, $1.outFeatures) }
        }
    }

    /// Per-thread activations and gradients of one chunk, each feature a row of `chunk` floats.
    final class Scratch {
        let chunk = PointwiseMLP.chunk
        /// Branch outputs `a_l`, then (residual layers) `h_{l+1}`, per layer.
        var branches: [UnsafeMutablePointer<Float>]
        var states: [UnsafeMutablePointer<Float>]
        let gradA: UnsafeMutablePointer<Float>
        let gradB: UnsafeMutablePointer<Float>
        let gradZ: UnsafeMutablePointer<Float>
        let scratchOffsets: [Int]
        let inputOffsets: [Int]
        let inputStride: Int
        let storage: UnsafeMutablePointer<Float>
        private let layers: [Layer]

        deinit { storage.deallocate() }

        init(_ mlp: PointwiseMLP, inputStride: Int) {
            self.inputStride = inputStride
            inputOffsets = (0..<mlp.inFeatures).map { $0 * inputStride }
            layers = mlp.layers
            let maxWidth = mlp.layers.reduce(mlp.inFeatures) { max($0, $1.outFeatures) }
            let perLayer = mlp.layers.map { ($0.residual ? 2 : 1) * $0.outFeatures * PointwiseMLP.chunk }
            let total = perLayer.reduce(0, +) + 3 * maxWidth * PointwiseMLP.chunk
            storage = .allocate(capacity: total)
            storage.initialize(repeating: 0, count: total)
            var cursor = storage
            var branches = [UnsafeMutablePointer<Float>](), states = [UnsafeMutablePointer<Float>]()
            for layer in mlp.layers {
                branches.append(cursor)
                cursor += layer.outFeatures * PointwiseMLP.chunk
                if layer.residual {
                    states.append(cursor)
                    cursor += layer.outFeatures * PointwiseMLP.chunk
                } else {
                    states.append(branches[branches.count - 1])
                }
            }
            gradA = cursor
            gradB = cursor + maxWidth * PointwiseMLP.chunk
            gradZ = gradB + maxWidth * PointwiseMLP.chunk
            self.branches = branches
            self.states = states
            scratchOffsets = (0..<maxWidth).map { $0 * PointwiseMLP.chunk }
        }

        /// The last layer's output for the current chunk.
        var output: UnsafePointer<Float> { UnsafePointer(states[states.count - 1]) }
        /// Where the loss writes dL/doutput.
        var gradOutput: UnsafeMutablePointer<Float> { gradA }

        /// The first `layerCount` layers (all by default) on the chunk's `n` positions.
        func forward(_ plan: Plan, input: UnsafePointer<Float>, n: Int, layerCount: Int? = nil) {
            for (l, layer) in layers.prefix(layerCount ?? layers.count).enumerated() {
                let useInput = l == 0
                let source = useInput ? input : UnsafePointer(states[l - 1])
                let offsets = useInput ? inputOffsets : scratchOffsets
                offsets.withUnsafeBufferPointer { table in
                    plan.forwardKernels[l].runAllRows(offsets: table.baseAddress!, b: source, columnStride: 1,
                                                      c: branches[l], ldc: chunk, bias: plan.biases[l], columns: 0..<n,
                                                      accumulate: false, relu: layer.relu && !layer.residual)
                }
                if layer.residual {
                    let stride = useInput ? inputStride : chunk
                    for f in 0..<layer.outFeatures {
                        addVectors(source + f * stride, branches[l] + f * chunk, into: states[l] + f * chunk, count: n)
                        if layer.relu { clampBelowAtZero(states[l] + f * chunk, count: n) }
                    }
                }
            }
        }

        /// The chunk's input gradient, and its weight and bias gradients added to `gradParameters`
        /// unless that is nil.
        ///
        /// With `firstLayerSigns` (the chunk's, see ``PointwiseMLP/backward``) the first layer's ReLU
        /// reads its mask there instead of from the activations.
        func backward(_ plan: Plan, input: UnsafePointer<Float>, n: Int, gradInput: UnsafeMutablePointer<Float>?,
                      accumulateInput: Bool, gradParameters: UnsafeMutablePointer<Float>?,
                      firstLayerSigns: UnsafePointer<UInt8>? = nil) {
            var gradH = gradA, spare = gradB
            for l in stride(from: layers.count - 1, through: 0, by: -1) {
                let layer = layers[l]
                // dL/dz = dL/dh', masked by ReLU.
                for f in 0..<layer.outFeatures {
                    let g = gradH + f * chunk, z = gradZ + f * chunk
                    if layer.relu && layer.residual {
                        // ReLU after the sum: both the branch and the residual path see the masked gradient.
                        copyWherePositive(g, mask: states[l] + f * chunk, into: z, count: n)
                        g.update(from: z, count: n)
                    } else if layer.relu, l == 0, let firstLayerSigns {
                        nk_copy_where_bits_avx2(g, firstLayerSigns + f, layer.outFeatures, z, n)
                    } else if layer.relu {
                        copyWherePositive(g, mask: branches[l] + f * chunk, into: z, count: n)
                    } else {
                        z.update(from: g, count: n)
                    }
                }
                let source = l == 0 ? input : UnsafePointer(states[l - 1])
                let sourceOffsets = l == 0 ? inputOffsets : scratchOffsets
                let offsets = plan.parameterOffsets[l]
                if let gradParameters {
                    scratchOffsets.withUnsafeBufferPointer { left in
                        sourceOffsets.withUnsafeBufferPointer { right in
                            PlaneCorrelation.addRun(left: gradZ, leftOffsets: left.baseAddress!, leftCount: layer.outFeatures,
                                                    right: source, rightOffsets: right.baseAddress!,
                                                    rightCount: layer.inFeatures, n: n, rightStride: 1,
                                                    sums: gradParameters + offsets.weights)
                            PlaneCorrelation.addRunSums(left: gradZ, leftOffsets: left.baseAddress!,
                                                        leftCount: layer.outFeatures, n: n,
                                                        sums: gradParameters + offsets.biases)
                        }
                    }
                }
                if l == 0 {
                    guard let gradInput else { return }
                    var accumulate = accumulateInput
                    if layer.residual {
                        for f in 0..<layer.inFeatures {
                            let target = gradInput + f * inputStride, g = gradH + f * chunk
                            if accumulate {
                                addVectors(target, g, into: target, count: n)
                            } else {
                                target.update(from: g, count: n)
                            }
                        }
                        accumulate = true
                    }
                    scratchOffsets.withUnsafeBufferPointer { table in
                        plan.backwardKernels[l].runAllRows(offsets: table.baseAddress!, b: gradZ, columnStride: 1,
                                                           c: gradInput, ldc: inputStride, bias: nil, columns: 0..<n,
                                                           accumulate: accumulate, relu: false)
                    }
                    return
                }
                // dL/dh_l = W^T dL/dz (+ dL/dh_{l+1} through the residual path).
                let target = layer.residual ? gradH : spare
                scratchOffsets.withUnsafeBufferPointer { table in
                    plan.backwardKernels[l].runAllRows(offsets: table.baseAddress!, b: gradZ, columnStride: 1,
                                                       c: target, ldc: chunk, bias: nil, columns: 0..<n,
                                                       accumulate: layer.residual, relu: false)
                }
                if !layer.residual { swap(&gradH, &spare) }
            }
        }
    }
}
