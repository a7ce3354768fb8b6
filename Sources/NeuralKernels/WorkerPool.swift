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
/// after each loop (with the CPU's pause hint, and offering the processor to other threads every
/// 64 turns) and only then sleep on a condition variable.
///
/// A worker joins a loop only while it is open: the caller's thread takes chunks too and closes the
/// loop when none is left, then waits only for the workers that joined (a worker the system has not
/// scheduled in time misses the loop instead of holding it up). The pool serves callers that ask
/// for all the processors. One loop runs on it at a time: a caller that finds it taken (a loop
/// started inside another one, or two callers on different threads) or that asks for fewer threads
/// runs elsewhere (``Parallel``). Which thread runs which chunk never matters to the results.
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
    /// The current job's state: ``closed`` once the caller has finished taking chunks, plus the
    /// number of workers inside it.
    private let state = Atomic<Int>(WorkerPool.closed)
    private static let closed = 1 << 40
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
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        defer { pthread_attr_destroy(&attributes) }
        for _ in 0..<workers {
            let context = Unmanaged.passRetained(self).toOpaque()
            #if canImport(Darwin)
            var thread: pthread_t?
            #else
            var thread = pthread_t()
            #endif
            if pthread_create(&thread, &attributes, { WorkerPool.workerMain($0) }, context) == 0 {
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

    /// Runs `body(chunk)` for every chunk in `0..<chunks` on the caller's thread and the workers
    /// that join in time; false (nothing run) when the pool is taken or `threads` does not exceed
    /// the pool's workers (the caller asked for fewer threads than the pool would use).
    func run(threads: Int, chunks: Int, _ body: (Int) -> Void) -> Bool {
        guard threads > workerCount,
              taken.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { taken.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            job = Job(body: body, chunks: chunks, level: Acceleration.maximumLevel)
            next.store(0, ordering: .relaxed)
            state.store(0, ordering: .releasing)  // open, nobody inside
            // Sequentially consistent with the sleepers' count (see `serve`), so no wake-up is lost.
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(condition)
                pthread_mutex_unlock(mutex)
            }
            Parallel.takeChunks(from: next, count: chunks, body)
            state.add(Self.closed, ordering: .acquiringAndReleasing)
            var spins = 0
            while state.load(ordering: .acquiring) != Self.closed { Self.pause(&spins) }
            job = nil
        }
        return true
    }

    /// A worker's life: wait for a new job, and take part in it if it is still open. (Joining a
    /// later job than the generation seen, or one job twice, is harmless: chunks are taken from
    /// the job's counter, and the job cannot change while a worker is inside.)
    private func serve() {
        var seen = 0
        while true {
            seen = waitForJob(after: seen)
            guard join() else { continue }
            work()
            state.subtract(1, ordering: .releasing)
        }
    }

    /// Enters the current job unless it is closed.
    private func join() -> Bool {
        var current = state.load(ordering: .relaxed)
        while current & Self.closed == 0 {
            let (exchanged, original) = state.compareExchange(expected: current, desired: current + 1, ordering: .acquiring)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// A worker's part of the current job; not inlined, so that the worker's references to the job
    /// are released before it leaves the job (the caller's closure must not outlive the loop).
    @inline(never)
    private func work() {
        guard let job else { return }
        Acceleration.withMaximumLevel(job.level) { Parallel.takeChunks(from: next, count: job.chunks, job.body) }
    }

    /// Spins, then sleeps, until the generation is no longer `seen`; returns the new one.
    private func waitForJob(after seen: Int) -> Int {
        let start = Self.now()
        var spins = 0
        while true {
            let current = generation.load(ordering: .acquiring)
            if current != seen { return current }
            if spins % 256 == 255, Self.now() - start > Self.spinNanoseconds { break }
            Self.pause(&spins)
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

    /// One turn of a spin-wait: the CPU's pause hint, and every 64th turn the processor offered to
    /// other threads (when the machine has more runnable threads than processors, the thread
    /// waited for may be one of them).
    private static func pause(_ spins: inout Int) {
        spins += 1
        if spins % 64 == 0 { sched_yield() } else { nk_spin_pause() }
    }

    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
