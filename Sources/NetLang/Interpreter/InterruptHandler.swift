#if canImport(Glibc)
import Glibc
#endif
import NetRuntime

/// Installs and restores SIGINT handlers with `sigaction`, so the handler being restored
/// gets back its exact flags (`signal()` would add SA_RESTART, and a REPL waiting in
/// readline then never sees Ctrl-C).
public enum InterruptHandler {
    /// Installs `handler` for SIGINT without SA_RESTART; returns the previous action.
    @discardableResult
    public static func install(_ handler: @convention(c) (Int32) -> Void) -> sigaction {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        var previous = sigaction()
        sigaction(SIGINT, &action, &previous)
        return previous
    }

    /// Puts back an action returned by `install`.
    public static func restore(_ previous: sigaction) {
        var action = previous
        sigaction(SIGINT, &action, nil)
    }
}
