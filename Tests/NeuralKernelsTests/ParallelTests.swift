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

    /// ``Parallel/sumOverRanges(count:grain:_:)`` cuts `0..<count` into ranges of `grain` (the last
    /// shorter) and adds their parts in range order, whatever order the threads finish in: parts
    /// whose floating-point sum depends on the order give the left-to-right sum every time.
    @Test func sumOverRangesAddsThePartsInRangeOrder() {
        let parts: [Double] = [1e16, 1, -1e16, 1, 0.5, -3, 1e-9]
        let expected = parts.reduce(0, +)  // left to right: (1e16 + 1) rounds to 1e16
        for _ in 0..<50 {
            let ranges = Mutex([Range<Int>]())
            let sum = Parallel.sumOverRanges(count: 7 * 10 - 4, grain: 10) { range in
                ranges.withLock { $0.append(range) }
                return parts[range.lowerBound / 10]
            }
            #expect(sum == expected)
            #expect(ranges.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
                        == (0..<7).map { $0 * 10..<min(66, $0 * 10 + 10) })
        }
    }
}
