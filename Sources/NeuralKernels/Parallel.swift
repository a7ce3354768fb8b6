import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Multi-core execution for the kernels.
///
/// Work is cut into chunks whose boundaries depend only on the problem size (never on the thread
/// count), and every reduction across chunks is summed in chunk order, so every kernel returns
/// bit-identical results for any thread count.
public enum Parallel {
    private static let threadLimit = Atomic<Int>(0)

    /// The number of threads the kernels may use (at least 1). Defaults to the number of active
    /// processors.
    public static var maxThreads: Int {
        let limit = threadLimit.load(ordering: .relaxed)
        return limit > 0 ? limit : max(1, activeProcessorCount)
    }

    /// Sets the number of threads the kernels may use; `0` restores the default (all processors).
    public static func setMaxThreads(_ count: Int) {
        threadLimit.store(max(0, count), ordering: .relaxed)
    }

    private static let activeProcessorCount: Int = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))

    /// Runs `body(chunk)` for every `chunk` in `0..<chunkCount`, spreading chunks over up to
    /// `maxThreads` threads. Chunks run on one thread in order when `chunkCount == 1` or one
    /// thread is allowed.
    public static func forEach(_ chunkCount: Int, _ body: (Int) -> Void) {
        run(threads: maxThreads, chunks: chunkCount, body)
    }

    /// Runs `body(chunk)` for every `chunk` in `0..<chunks` on up to `threads` threads (the
    /// caller's among them), each taking the next chunk when it is free; in order on the caller's
    /// thread when `threads` or `chunks` is 1. Loops that ask for every processor run on the
    /// persistent workers of ``WorkerPool``, others on `DispatchQueue.concurrentPerform`. The
    /// level cap of ``Acceleration/withMaximumLevel(_:_:)`` holds in every thread.
    public static func run(threads: Int, chunks: Int, _ body: (Int) -> Void) {
        let threads = min(threads, chunks)
        if threads <= 1 {
            for chunk in 0..<chunks { body(chunk) }
            return
        }
        if let pool = WorkerPool.shared, pool.run(threads: threads, chunks: chunks, body) { return }
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(body) { escapable in
            let box = UnsafeSendableBox(escapable)
            let level = Acceleration.maximumLevel
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                Acceleration.withMaximumLevel(level) { takeChunks(from: next, count: chunks, box.value) }
            }
        }
    }

    /// One thread's share of a loop: `body(chunk)` for each chunk it takes from `next` (shared by
    /// the loop's threads), until the chunks run out.
    static func takeChunks(from next: borrowing Atomic<Int>, count: Int, _ body: (Int) -> Void) {
        while true {
            let chunk = next.add(1, ordering: .relaxed).oldValue
            if chunk >= count { return }
            body(chunk)
        }
    }

    /// Splits `0..<count` into consecutive ranges of `grain` elements (the last one shorter) and
    /// runs `body` on each, in parallel.
    public static func forRanges(count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let step = max(1, grain)
        let chunks = (count + step - 1) / step
        forEach(chunks) { chunk in
            let start = chunk * step
            body(start..<min(count, start + step))
        }
    }

    /// ``forRanges(count:grain:_:)`` for a sum: `body` returns each range's part, and the parts
    /// are added in range order, so the sum is the same at every thread count.
    public static func sumOverRanges(count: Int, grain: Int, _ body: (Range<Int>) -> Double) -> Double {
        guard count > 0 else { return 0 }
        let step = max(1, grain)
        var parts = [Double](repeating: 0, count: (count + step - 1) / step)
        parts.withUnsafeMutableBufferPointer { buffer in
            guard let parts = buffer.baseAddress else { return }
            forRanges(count: count, grain: step) { range in parts[range.lowerBound / step] = body(range) }
        }
        return parts.reduce(0, +)
    }
}

/// Carries a non-Sendable value (a closure, or pointers into buffers whose disjoint use the caller
/// guarantees) into concurrent work.
public struct UnsafeSendableBox<Value>: @unchecked Sendable {
    public let value: Value
    @inlinable public init(_ value: Value) { self.value = value }
}

