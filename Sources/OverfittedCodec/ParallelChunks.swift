import NeuralKernels

/// Runs work split into a fixed number of chunks on up to `threads` threads.
///
/// Chunk boundaries never depend on the thread count, and callers reduce per-chunk results in chunk
/// order, so floating-point results are identical for every thread count.
struct ParallelChunks: Sendable {
    let threads: Int

    init(threads: Int) { self.threads = max(1, threads) }

    /// Calls `body(chunk)` for every chunk in `0 ..< chunks`, spreading chunks over the threads.
    func run(chunks: Int, _ body: (Int) -> Void) {
        Parallel.run(threads: threads, chunks: chunks, body)
    }

    /// Calls `body(chunk, range)` for `0 ..< count` split into `chunks` contiguous ranges
    /// (``range(of:chunks:count:)``), spreading chunks over the threads.
    func run(chunks: Int, over count: Int, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        run(chunks: chunks) { chunk in body(chunk, Self.range(of: chunk, chunks: chunks, count: count)) }
    }

    /// `all[offset + i] += values[i]` for every `i` of `values` (nothing when they do not fit), over
    /// ``elementwiseChunks`` ranges in parallel (one addition per element, so the result is the same
    /// for any split).
    func add(_ values: ArraySlice<Float>, into all: inout [Float], at offset: Int) {
        values.withUnsafeBufferPointer { source in
            all.withUnsafeMutableBufferPointer { target in
                guard let from = source.baseAddress, let to = target.baseAddress, offset >= 0,
                      offset + source.count <= target.count else { return }
                let pointers = UnsafeSendableBox((from, to + offset))
                run(chunks: Self.elementwiseChunks, over: source.count) { _, range in
                    let (source, target) = pointers.value
                    VectorOps.axpy(1, source + range.lowerBound, target + range.lowerBound, count: range.count)
                }
            }
        }
    }

    /// `target[i] = source[i]` for `i < count`, over ``elementwiseChunks`` ranges in parallel.
    func copy(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
        let pointers = UnsafeSendableBox((source, target))
        run(chunks: Self.elementwiseChunks, over: count) { _, range in
            let (source, target) = pointers.value
            (target + range.lowerBound).update(from: source + range.lowerBound, count: range.count)
        }
    }

    /// Chunks of the element-wise passes over latents or planes.
    static let elementwiseChunks = 16

    /// Splits `0 ..< count` into `chunks` contiguous ranges (the last ones may be empty).
    static func range(of chunk: Int, chunks: Int, count: Int) -> Range<Int> {
        let start = count * chunk / chunks
        let end = count * (chunk + 1) / chunks
        return start..<end
    }
}
