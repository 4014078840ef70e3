import Synchronization

/// A request to stop the evaluation in progress (Ctrl-C in the REPL).
///
/// The SIGINT handler only stores `true` into a lock-free atomic (which is safe inside a
/// signal handler); long-running code polls `isRequested` at points where stopping leaves
/// every value consistent — between statements, loop iterations, training steps and
/// fixed-point iterations, never inside a kernel — and throws there.
public enum Interruption {
    private static let flag = Atomic<Bool>(false)

    /// Whether an interruption was requested and not yet taken.
    public static var isRequested: Bool { flag.load(ordering: .relaxed) }

    /// Records a request (async-signal-safe).
    public static func request() { flag.store(true, ordering: .relaxed) }

    /// Takes a pending request: true once per request, and clears it.
    public static func take() -> Bool { flag.exchange(false, ordering: .relaxed) }

    /// Forgets a pending request (before a new evaluation starts).
    public static func clear() { flag.store(false, ordering: .relaxed) }

    /// Throws `Interrupted` when a request is pending: for library code (linear programs,
    /// spectra) whose caller turns any error into a diagnostic at the call.
    public static func check() throws { if isRequested { throw Interrupted() } }
}

/// The error of work stopped by Ctrl-C; its description is the interpreter's "interrupted".
public struct Interrupted: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "interrupted" }
}
