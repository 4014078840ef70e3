#if canImport(Glibc)
import Glibc
#endif

/// Runs interpreter work on a thread with a large stack.
///
/// The interpreter is recursive (nested expressions, user functions calling each other,
/// the AST's own deallocation). Its depth limits (`Interpreter.maximumCallDepth`,
/// `maximumExpressionDepth`) are sized so that the limit, not the stack, stops a runaway
/// recursion — which needs far more than the 8 MiB of the main thread. The stack is
/// reserved address space; only the pages a computation touches are committed.
public enum LargeStack {
    /// Bytes of stack for interpreter threads.
    public static let size = 1 << 30

    /// Runs `body` on a fresh thread with `size` bytes of stack and waits for it; runs it
    /// directly when already on such a thread. Errors are rethrown on the caller.
    public static func run<T>(_ body: () throws -> T) throws -> T {
        if isCurrentThreadLarge { return try body() }
        var result: Result<T, Error>?
        let started = withoutActuallyEscaping(body) { body in
            runOnLargeThread(Work { result = Result { try body() } })
        }
        // No thread (resource limits): run here rather than not at all.
        if !started { return try body() }
        return try result!.get()
    }

    private final class Work {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Runs `work` on a new large-stack thread and joins it; false if no thread started.
    private static func runOnLargeThread(_ work: Work) -> Bool {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, size)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(work).toOpaque()
        let status = pthread_create(&thread, &attributes, { raw in
            let work = Unmanaged<Work>.fromOpaque(raw!).takeRetainedValue()
            LargeStack.markCurrentThread()
            work.run()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<Work>.fromOpaque(context).release()
            return false
        }
        pthread_join(thread, nil)
        return true
    }

    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    private static func markCurrentThread() { pthread_setspecific(key, UnsafeRawPointer(bitPattern: 1)) }

    /// Whether the current thread was started by `run`.
    public static var isCurrentThreadLarge: Bool { pthread_getspecific(key) != nil }
}
