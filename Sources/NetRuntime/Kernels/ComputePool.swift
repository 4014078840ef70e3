import Dispatch
import Foundation

/// Runs `body(i)` for every i in 0..<iterations on the compute threads — the calling
/// thread and persistent workers — and returns when all are done.
///
/// It replaces `DispatchQueue.concurrentPerform` in the planned kernels because the Swift
/// overlay of that call boxes its closure at every call, so each threaded kernel
/// allocated at every training step; this allocates nothing per call (checked by
/// TrainingStepAllocationTests). Indices are handed out one at a time under a lock, so
/// any number of iterations works with any number of workers. A call made while the pool
/// is busy (from inside a body, or from a second thread) runs serially instead of waiting.
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

final class ComputePool: @unchecked Sendable {
    /// One worker per further core (at least one, so two threads always share the work).
    static let shared = ComputePool(workers: Swift.max(1, ProcessInfo.processInfo.activeProcessorCount - 1))

    private let workerCount: Int
    private let starts: [DispatchSemaphore]
    private let done = DispatchSemaphore(value: 0)
    /// Held for the whole of `run`: a second caller finds it taken and runs serially.
    private let busy = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Guards `job`, `total` and `next`.
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var job: ((Int) -> Void)?
    private var total = 0
    private var next = 0

    private init(workers: Int) {
        workerCount = workers
        starts = (0..<workers).map { _ in DispatchSemaphore(value: 0) }
        pthread_mutex_init(busy, nil)
        pthread_mutex_init(lock, nil)
        for w in 0..<workers {
            let thread = Thread { [self] in
                while true {
                    starts[w].wait()
                    work()
                    done.signal()
                }
            }
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
        pthread_mutex_lock(lock)
        job = body
        total = iterations
        next = 0
        pthread_mutex_unlock(lock)
        let helpers = Swift.min(workerCount, iterations - 1)
        var w = 0
        while w < helpers { starts[w].signal(); w += 1 }
        work()
        w = 0
        while w < helpers { done.wait(); w += 1 }
        pthread_mutex_lock(lock)
        job = nil
        pthread_mutex_unlock(lock)
        pthread_mutex_unlock(busy)
        return true
    }

    /// Takes indices until none is left.
    private func work() {
        while true {
            pthread_mutex_lock(lock)
            let i = next
            next += 1
            let body = i < total ? job : nil
            pthread_mutex_unlock(lock)
            guard let body else { return }
            body(i)
        }
    }
}
