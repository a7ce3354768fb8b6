import CNeuralKernels
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The persistent worker threads behind ``Parallel/run(threads:chunks:_:)``.
///
/// A training step runs dozens of parallel loops separated by short serial stretches. Waking a
/// sleeping thread for each loop (as `DispatchQueue.concurrentPerform` does) costs a futex system
/// call and the wake-up latency every time (7% of a low-complexity training step's samples were the
/// kernel's wake-up path). These workers instead spin on the job counter for about a millisecond
/// after each loop (with the CPU's pause hint) and only then sleep on a condition variable.
///
/// Every worker takes part in every loop (so each sees each job exactly once), with the caller's
/// thread: the pool serves callers that ask for all the processors. One loop runs on it at a time: a
/// caller that finds it taken (a loop started inside another one, or two callers on different
/// threads) or that asks for fewer threads runs elsewhere (``Parallel``). Which thread runs which
/// chunk never matters to the results.
final class WorkerPool: @unchecked Sendable {
    /// One parallel loop: `body(chunk)` for the chunks taken in turn from `next`.
    private struct Job {
        let body: (Int) -> Void
        let chunks: Int
        let level: Acceleration.Level
    }

    /// Threads of the pool (the processors but one: the caller's thread is the other).
    private(set) var workerCount = 0
    /// Incremented when a job is published; workers wait for it to change.
    private let generation = Atomic<Int>(0)
    private let next = Atomic<Int>(0)
    /// Workers that have not finished the current job.
    private let unfinished = Atomic<Int>(0)
    /// Workers asleep (or about to be) on the condition variable.
    private let sleepers = Atomic<Int>(0)
    private let taken = Atomic<Bool>(false)
    /// Written by the owner before it publishes a generation, read by workers after they see it.
    private var job: Job?
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    /// How long an idle worker spins before it sleeps.
    private static let spinNanoseconds: UInt64 = 1_000_000

    /// The pool of this process, started on first use (nil on a single processor).
    static let shared: WorkerPool? = {
        let processors = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        return processors > 1 ? WorkerPool(workers: processors - 1) : nil
    }()

    private init(workers: Int) {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        for _ in 0..<workers {
            let context = Unmanaged.passRetained(self).toOpaque()
            var thread = pthread_t()
            if pthread_create(&thread, nil, { WorkerPool.workerMain($0) }, context) == 0 {
                pthread_detach(thread)
                workerCount += 1
            } else {
                Unmanaged<WorkerPool>.fromOpaque(context).release()
            }
        }
    }

    private static func workerMain(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
        guard let argument else { return nil }
        Unmanaged<WorkerPool>.fromOpaque(argument).takeRetainedValue().serve()
        return nil
    }

    /// Runs `body(chunk)` for every chunk in `0..<chunks` on the caller's thread and every worker;
    /// false (nothing run) when the pool is taken or `threads` is less than the pool's threads.
    func run(threads: Int, chunks: Int, _ body: (Int) -> Void) -> Bool {
        guard threads > workerCount,
              taken.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { taken.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            job = Job(body: body, chunks: chunks, level: Acceleration.maximumLevel)
            next.store(0, ordering: .relaxed)
            unfinished.store(workerCount, ordering: .relaxed)
            // Sequentially consistent with the sleepers' count (see `serve`), so no wake-up is lost.
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(condition)
                pthread_mutex_unlock(mutex)
            }
            take(body, chunks: chunks)
            while unfinished.load(ordering: .acquiring) > 0 { nk_spin_pause() }
            job = nil
        }
        return true
    }

    private func take(_ body: (Int) -> Void, chunks: Int) {
        while true {
            let chunk = next.add(1, ordering: .relaxed).oldValue
            if chunk >= chunks { return }
            body(chunk)
        }
    }

    /// A worker's life: wait for each new job and take part in it. A job is published only after
    /// every worker finished the one before, so a worker sees every generation, once.
    private func serve() {
        var seen = 0  // the first generation (no job can end before this worker took part in it)
        while true {
            seen = waitForJob(after: seen)
            work()
            unfinished.subtract(1, ordering: .releasing)
        }
    }

    /// A worker's part of the current job; not inlined, so that the worker's references to the job
    /// are released before it reports the job finished (the caller's closure must not outlive the loop).
    @inline(never)
    private func work() {
        guard let job else { return }
        Acceleration.withMaximumLevel(job.level) { take(job.body, chunks: job.chunks) }
    }

    /// Spins, then sleeps, until the generation is no longer `seen`; returns the new one.
    private func waitForJob(after seen: Int) -> Int {
        let start = Self.now()
        var spins = 0
        while true {
            let current = generation.load(ordering: .acquiring)
            if current != seen { return current }
            spins += 1
            if spins % 256 == 0, Self.now() - start > Self.spinNanoseconds { break }
            nk_spin_pause()
        }
        pthread_mutex_lock(mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        var current = generation.load(ordering: .sequentiallyConsistent)
        while current == seen {
            pthread_cond_wait(condition, mutex)
            current = generation.load(ordering: .sequentiallyConsistent)
        }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
        return current
    }

    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
