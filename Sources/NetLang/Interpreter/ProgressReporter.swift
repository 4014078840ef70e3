import Foundation

/// Shows the progress of long work: a redrawn bar on a terminal, plain lines otherwise
/// (logs, pipes, CI), on standard error so standard output keeps only results.
public struct ProgressReporter {
    public var isTerminal: Bool
    public var enabled = true
    private var lastLine = Date.distantPast

    public init() { isTerminal = isatty(2) != 0 }

    /// Updates a bar "label ▕████░░░░▏ 40% extra"; on a non-terminal prints at most one
    /// line every few seconds and always the last.
    public mutating func update(_ label: String, fraction: Double, extra: String) {
        guard enabled else { return }
        let f = fraction.isNaN ? 0 : Swift.min(Swift.max(fraction, 0), 1)   // Int(NaN) would trap
        if isTerminal {
            let width = 24, filled = Int(f * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write("\r\u{1B}[2K\(label) ▕\(bar)▏ \(Int(f * 100))% \(extra)".data(using: .utf8)!)
        } else if f >= 1 || Date().timeIntervalSince(lastLine) > 5 {
            lastLine = Date()
            FileHandle.standardError.write("\(label) \(Int(f * 100))% \(extra)\n".data(using: .utf8)!)
        }
    }

    /// Ends a bar (newline on a terminal).
    public func finish() {
        guard enabled, isTerminal else { return }
        FileHandle.standardError.write("\n".data(using: .utf8)!)
    }
}
