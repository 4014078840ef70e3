/// Per-parameter state buffers of an optimiser (momentum, moment estimates, …).
///
/// Each named slot is one contiguous, zero-initialised allocation holding a region for every
/// parameter, laid out in parameter order. Allocated once when the optimiser is built so that
/// `step` never allocates; freed on deinit.
final class OptimizerState<T: NetScalar> {
    let slotNames: [String]
    let sizes: [Int]
    let offsets: [Int]
    let total: Int
    private let storage: [UnsafeMutablePointer<T>]

    init(slotNames: [String], sizes: [Int]) {
        precondition(sizes.allSatisfy { $0 >= 0 }, "negative parameter size in \(sizes)")
        self.slotNames = slotNames
        self.sizes = sizes
        var offsets = [Int](), running = 0
        for n in sizes { offsets.append(running); running += n }
        self.offsets = offsets
        self.total = running
        let total = running
        storage = slotNames.map { _ in
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(total, 1))
            p.initialize(repeating: 0, count: max(total, 1))
            return p
        }
    }

    deinit { for p in storage { p.deallocate() } }

    /// The region of slot `slot` that belongs to parameter `index`.
    @inline(__always)
    func pointer(slot: Int, parameter index: Int) -> UnsafeMutablePointer<T> {
        storage[slot] + offsets[index]
    }

    /// Sets every slot of every parameter to zero.
    func reset() {
        for p in storage { p.update(repeating: 0, count: total) }
    }

    /// The slots as tensors named "<slot>.<parameter index>", e.g. "exp_avg.3".
    func tensors() -> [String: Tensor<T>] {
        var out = [String: Tensor<T>]()
        for (s, name) in slotNames.enumerated() {
            for (i, n) in sizes.enumerated() {
                let buf = UnsafeBufferPointer(start: pointer(slot: s, parameter: i), count: n)
                out["\(name).\(i)"] = Tensor(shape: [n], scalars: Array(buf))
            }
        }
        return out
    }

    /// Copies tensors produced by `tensors()` back into the slots.
    func restore(_ tensors: [String: Tensor<T>]) throws {
        // Validate everything first so a failed restore leaves the state untouched.
        for name in slotNames {
            for (i, n) in sizes.enumerated() {
                let key = "\(name).\(i)"
                guard let t = tensors[key] else { throw OptimizerStateError.missing(key) }
                guard t.count == n else {
                    throw OptimizerStateError.sizeMismatch(key, expected: n, got: t.count)
                }
            }
        }
        for (s, name) in slotNames.enumerated() {
            for (i, n) in sizes.enumerated() where n > 0 {
                let t = tensors["\(name).\(i)"]!
                t.scalars.withUnsafeBufferPointer {
                    pointer(slot: s, parameter: i).update(from: $0.baseAddress!, count: n)
                }
            }
        }
    }
}

/// Why `Optimizer.restoreState` rejected a checkpoint.
public enum OptimizerStateError: Error, Equatable, CustomStringConvertible {
    case missing(String)
    case sizeMismatch(String, expected: Int, got: Int)

    public var description: String {
        switch self {
        case .missing(let key): return "optimizer state has no entry '\(key)'"
        case let .sizeMismatch(key, expected, got):
            return "optimizer state '\(key)' has \(got) values, the parameter has \(expected)"
        }
    }
}
