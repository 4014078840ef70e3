import Foundation
import Synchronization

/// The memory a run may use, like Python's MemoryError: an allocation that would take the
/// process past the limit is refused with a diagnostic instead of ending in the OOM killer
/// or "failed to allocate" (signal 6). Each limit on one value (10⁸ values) holds per
/// tensor; this bounds their total (five 10000×10000 tensors, each within the 10⁸ limit).
///
/// "In use" is what the kernel counts against the process: the resident size, or — under an
/// address-space limit (`ulimit -v`), where that is what fails — the virtual size.
public enum MemoryBudget {
    private static let configured = Atomic<Int>(0)

    /// The limit in bytes: set by `--memory-limit`, else `defaultLimit`.
    public static var limit: Int {
        get { let v = configured.load(ordering: .relaxed); return v > 0 ? v : defaultLimit }
        set { configured.store(newValue, ordering: .relaxed) }
    }

    /// 80% of physical memory, and under `ulimit -v` 80% of that limit.
    public static var defaultLimit: Int {
        let physical = Int(Double(ProcessInfo.processInfo.physicalMemory) * 0.8)
        guard let space = addressSpaceLimit else { return physical }
        return min(physical, Int(Double(space) * 0.8))
    }

    /// RLIMIT_AS when one is set.
    static var addressSpaceLimit: Int? {
        var r = rlimit()
        guard getrlimit(Int32(RLIMIT_AS.rawValue), &r) == 0, r.rlim_cur != rlim_t.max else { return nil }
        return Int(clamping: r.rlim_cur)
    }

    /// The bytes the process uses now (/proc/self/statm: virtual size under an address-space
    /// limit, else resident size); 0 where that file does not exist.
    public static var inUse: Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ").compactMap { Int($0) }
        guard fields.count >= 2 else { return 0 }
        return (addressSpaceLimit == nil ? fields[1] : fields[0]) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Nil when `bytes` more fit in the budget; otherwise what was asked and what is in use.
    public static func shortage(for bytes: Int) -> (requested: Int, inUse: Int, limit: Int)? {
        let used = inUse, limit = limit
        guard bytes > limit - used else { return nil }
        return (bytes, used, limit)
    }

    /// Parses "4G", "512M", "1.5G", "100000K" or a number of bytes.
    public static func parse(_ text: String) -> Int? {
        let units: [Character: Double] = ["K": 0x1p10, "M": 0x1p20, "G": 0x1p30, "T": 0x1p40]
        var digits = text.uppercased()
        if digits.hasSuffix("B") { digits.removeLast() }
        var scale = 1.0
        if let last = digits.last, let unit = units[last] { scale = unit; digits.removeLast() }
        guard let value = Double(digits), value > 0, value.isFinite, value * scale < 9e18 else { return nil }
        return Int(value * scale)
    }

    /// Bytes as gigabytes with two decimals ("0.80 GB").
    public static func gigabytes(_ bytes: Int) -> String { String(format: "%.2f GB", Double(bytes) / 1e9) }
}
