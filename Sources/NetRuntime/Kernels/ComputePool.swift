import Dispatch
import Foundation
import Synchronization

/// Runs `body(i)` for every i in 0..<iterations on the compute threads — the calling
/// thread and persistent workers — and returns when all are done.
///
/// It replaces `DispatchQueue.concurrentPerform` in the planned kernels because the Swift
/// overlay of that call boxes its closure at every call, so each threaded kernel
/// allocated at every training step; this allocates nothing per call (checked by
/// TrainingStepAllocationTests). Indices are handed out one at a time, so any number of
/// iterations works with any number of workers. A call made while the pool is busy (from
/// inside a body, or from a second thread) runs serially instead of waiting.
@inline(__always)
func parallelFor(_ iterations: Int, _ body: (Int) -> Void) {
    if iterations <= 1 {
        if iterations == 1 { body(0) }
        return
    }
    withoutActuallyEscaping(body) { ComputePool.shared.run(iterations, $0) }
}

/// `parallelFor` when the pool is idle; returns false without running anything when it is
/// busy (called from inside a parallel body, or while another thread uses the pool).
@inline(__always)
func parallelForIfIdle(_ iterations: Int, _ body: (Int) -> Void) -> Bool {
    withoutActuallyEscaping(body) { ComputePool.shared.runIfIdle(iterations, $0) }
}

/// How long an idle worker keeps polling for the next job before it sleeps.
///
/// Why: a training step runs tens to thousands of short parallel kernels back to back
/// (mlp: 37 per step; iresnet_toy: about 2,800). A worker asleep on a semaphore takes a
/// futex wake-up and a context switch to start each one (perf showed the scheduler's
/// functions at about 7 % of an mlp step). Polling for a few tens of microseconds after a
/// job bridges the gaps between the kernels of a step; between steps of an idle REPL the
/// worker still sleeps. The poll yields the core (`sched_yield`), so a thread that has
/// work (OpenBLAS's own worker in a large product) is not kept waiting by it.
/// `NETL_POOL_SPIN_US` sets it (0: sleep at once, the old behaviour, for A/B timings).
public enum ComputePoolPolling {
    nonisolated(unsafe) public static var microseconds: Int = {
        if let text = ProcessInfo.processInfo.environment["NETL_POOL_SPIN_US"], let v = Int(text), v >= 0 { return v }
        return 100
    }()
    /// A `sched_yield` longer than this (ns) ends the polling: the core is contended.
    static let contendedYield: UInt64 = 20_000
}

final class ComputePool: @unchecked Sendable {
    /// One worker per further core (at least one, so two threads always share the work).
    static let shared = ComputePool(workers: Swift.max(1, ProcessInfo.processInfo.activeProcessorCount - 1))

    /// Incremented once per job: a worker that sees it change takes part in the new job.
    private let epoch = Atomic<Int>(0)
    /// Workers that have not yet finished the current job.
    private let remaining = Atomic<Int>(0)
    /// The next index to hand out.
    private let next = Atomic<Int>(0)
    /// One per worker.
    private let slots: [WorkerSlot]
    /// Held for the whole of `runIfIdle`: a second caller finds it taken and runs serially.
    private let busy = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    // Written by the caller before `epoch` is incremented and read by the workers after they
    // see the new epoch (the atomic's ordering publishes them).
    private nonisolated(unsafe) var job: ((Int) -> Void)?
    private nonisolated(unsafe) var total = 0

    private init(workers: Int) {
        slots = (0..<workers).map { _ in WorkerSlot() }
        pthread_mutex_init(busy, nil)
        for w in 0..<workers {
            let thread = Thread { [self] in workerLoop(w) }
            thread.name = "netl-compute-\(w + 1)"
            thread.start()
        }
    }

    func run(_ iterations: Int, _ body: @escaping (Int) -> Void) {
        if runIfIdle(iterations, body) { return }
        var i = 0
        while i < iterations { body(i); i += 1 }
    }

    /// Runs the iterations on the pool and returns true, or returns false at once when the
    /// pool is busy.
    func runIfIdle(_ iterations: Int, _ body: @escaping (Int) -> Void) -> Bool {
        guard pthread_mutex_trylock(busy) == 0 else { return false }
        job = body
        total = iterations
        next.store(0, ordering: .relaxed)
        remaining.store(slots.count, ordering: .relaxed)
        epoch.wrappingAdd(1, ordering: .sequentiallyConsistent)
        // Wake the workers that went to sleep; a polling worker sees the epoch by itself.
        for slot in slots where slot.sleeping.exchange(false, ordering: .sequentiallyConsistent) {
            slot.wakeUp.signal()
        }
        work()
        // The workers' share is at most one index each by now; wait for them to finish it.
        var polls = 0
        while remaining.load(ordering: .acquiring) > 0 {
            polls += 1
            if polls > 64 { sched_yield() }
        }
        job = nil
        pthread_mutex_unlock(busy)
        return true
    }

    /// Takes indices until none is left.
    @inline(__always)
    private func work() {
        let body = job!, total = total
        while true {
            let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard i < total else { return }
            body(i)
        }
    }

    private func workerLoop(_ w: Int) {
        let slot = slots[w]
        // Epoch 0 is the one before the first job; a job may be posted before this thread
        // starts, and it must still take part in it (the caller waits for every worker).
        var seen = 0
        while true {
            // Poll for a new job for a while, then sleep until the caller wakes us.
            let budget = UInt64(ComputePoolPolling.microseconds) * 1000
            var current = epoch.load(ordering: .acquiring)
            if current == seen && budget > 0 {
                let start = DispatchTime.now().uptimeNanoseconds
                var polls = 0
                while current == seen {
                    polls += 1
                    if polls & 15 == 0 {
                        let before = DispatchTime.now().uptimeNanoseconds
                        if before - start > budget { break }
                        sched_yield()
                        // A yield that took long means another thread wanted this core (a
                        // loaded machine): polling would only slow it down, so sleep.
                        if DispatchTime.now().uptimeNanoseconds - before > ComputePoolPolling.contendedYield { break }
                    }
                    current = epoch.load(ordering: .acquiring)
                }
            }
            while current == seen {
                slot.sleeping.store(true, ordering: .sequentiallyConsistent)
                current = epoch.load(ordering: .sequentiallyConsistent)
                if current != seen {
                    // A job arrived while going to sleep: if the caller already cleared the
                    // flag, its signal is on the way and must be consumed.
                    if !slot.sleeping.exchange(false, ordering: .sequentiallyConsistent) { slot.wakeUp.wait() }
                    break
                }
                slot.wakeUp.wait()
                current = epoch.load(ordering: .acquiring)
            }
            seen = current
            work()
            remaining.subtract(1, ordering: .releasing)
        }
    }
}

/// A worker's sleep flag and the semaphore it sleeps on.
private final class WorkerSlot: Sendable {
    /// True while the worker sleeps (or is about to) on `wakeUp`.
    let sleeping = Atomic<Bool>(false)
    let wakeUp = DispatchSemaphore(value: 0)
}
