import Testing
import Synchronization
import NeuralKernels

/// ``Parallel/run(threads:chunks:_:)`` on the persistent workers and off them: every chunk runs
/// exactly once, loop after loop, with loops started inside loops and from several tasks at once.
@Suite struct ParallelTests {
    /// How many times each chunk of one loop ran.
    static func counts(threads: Int, chunks: Int, nested: Bool) -> [Int] {
        let counts = Mutex([Int](repeating: 0, count: chunks))
        Parallel.run(threads: threads, chunks: chunks) { chunk in
            if nested, chunk == 0 {
                let inner = Self.counts(threads: threads, chunks: 5, nested: false)
                counts.withLock { $0[chunk] += inner == [1, 1, 1, 1, 1] ? 0 : 100 }
            }
            counts.withLock { $0[chunk] += 1 }
        }
        return counts.withLock { $0 }
    }

    @Test func everyChunkRunsOnce() async {
        await withTaskGroup(of: Bool.self) { group in
            for task in 0..<3 {
                group.addTask {
                    (0..<300).allSatisfy { loop in
                        let chunks = 1 + (loop * 7 + task) % 40
                        return Self.counts(threads: 1 + loop % 4, chunks: chunks, nested: loop % 10 == 0)
                            == [Int](repeating: 1, count: chunks)
                    }
                }
            }
            for await allOnce in group { #expect(allOnce) }
        }
    }
}
