import CAllocationCounter

/// Heap allocations made by the whole test process (all threads), from the interposed
/// malloc of `CAllocationCounter`.
public enum AllocationCounter {
    /// Whether allocations are counted on this platform (Linux with glibc).
    public static var isAvailable: Bool { netl_allocation_count() >= 0 }

    /// The allocations made since the process started.
    public static var count: Int { netl_allocation_count() }

    /// The allocations made while `body` runs: the fewest over `attempts` runs. The counter
    /// sees every thread of the process, so a stray allocation of another thread (XCTest,
    /// the dispatch runtime) can land in one run; an allocation of `body` itself shows in
    /// every run.
    public static func allocations(attempts: Int = 3, during body: () throws -> Void) rethrows -> Int {
        var fewest = Int.max
        for _ in 0..<max(1, attempts) {
            let before = count
            try body()
            fewest = min(fewest, count - before)
        }
        return fewest
    }
}
