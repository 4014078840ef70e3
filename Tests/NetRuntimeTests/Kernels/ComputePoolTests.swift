import XCTest
import Foundation
@testable import NetRuntime

/// The compute pool's hand-off (`parallelFor`, `ComputePool`): every index runs exactly
/// once, whether the worker is polling or asleep when the job is posted, from nested calls
/// and from several threads at once. A lost wake-up would hang these tests (the suite's
/// timeout catches it), a double hand-out would count an index twice.
final class ComputePoolTests: XCTestCase {
    private var savedPolling = 0

    override func setUp() { savedPolling = ComputePoolPolling.microseconds }
    override func tearDown() { ComputePoolPolling.microseconds = savedPolling }

    /// Runs `parallelFor(n)` and returns how often each index ran.
    private func counts(_ n: Int) -> [Int] {
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(n, 1))
        hits.initialize(repeating: 0, count: Swift.max(n, 1))
        defer { hits.deallocate() }
        // Indices are disjoint, so each slot has one writer.
        parallelFor(n) { i in hits[i] += 1 }
        return Array(UnsafeBufferPointer(start: hits, count: n))
    }

    func testEveryIndexRunsOnceAcrossManyBackToBackJobs() {
        // Back to back, so the worker is polling when most jobs arrive.
        for job in 0..<20_000 {
            let n = job % 9
            XCTAssertEqual(counts(n), Array(repeating: 1, count: n), "job \(job)")
        }
    }

    func testJobsPostedWhileTheWorkerSleeps() {
        for polling in [0, 50] {
            ComputePoolPolling.microseconds = polling
            for job in 0..<200 {
                // Longer than the polling budget: the worker has gone to sleep.
                if job % 4 == 0 { usleep(300) }
                XCTAssertEqual(counts(2 + job % 5), Array(repeating: 1, count: 2 + job % 5), "polling \(polling), job \(job)")
            }
        }
    }

    func testNestedCallsRunSeriallyInsideAJob() {
        let outer = 4, inner = 6
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: outer * inner)
        hits.initialize(repeating: 0, count: outer * inner)
        defer { hits.deallocate() }
        for _ in 0..<500 {
            parallelFor(outer) { o in parallelFor(inner) { i in hits[o * inner + i] += 1 } }
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: hits, count: outer * inner)), Array(repeating: 500, count: outer * inner))
    }

    func testCallsFromSeveralThreadsAtOnce() {
        // One caller gets the pool, the others run their iterations serially; all finish.
        let threads = 4, jobs = 2_000, n = 5
        let totals = UnsafeMutablePointer<Int>.allocate(capacity: threads * n)
        totals.initialize(repeating: 0, count: threads * n)
        defer { totals.deallocate() }
        nonisolated(unsafe) let shared = totals
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for _ in 0..<jobs { parallelFor(n) { i in shared[t * n + i] += 1 } }
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: totals, count: threads * n)), Array(repeating: jobs, count: threads * n))
    }
}
