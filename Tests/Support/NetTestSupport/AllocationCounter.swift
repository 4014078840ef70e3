import CAllocationCounter

/// Heap allocations made by the whole test process (all threads), from the interposed
/// malloc of `CAllocationCounter`.
public enum AllocationCounter {
    /// Whether allocations are counted on this platform (Linux with glibc).
    public static var isAvailable: Bool { netl_allocation_count() >= 0 }

    /// The allocations made since the process started.
    public static var count: Int { netl_allocation_count() }

    /// The allocations made while `body` runs.
    public static func allocations(during body: () throws -> Void) rethrows -> Int {
        let before = count
        try body()
        return count - before
    }
}
