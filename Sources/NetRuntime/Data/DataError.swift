/// Why a data file could not be read or written, or a data-set helper refused its
/// arguments.
///
/// Data problems are user problems (a stray letter in a CSV, a truncated download), so
/// every case names the file — and, for text formats, the 1-based line and column of
/// the offending field — to make the fix obvious without opening a debugger.
public enum DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The operating system refused to open, read, write or rename the file.
    case io(file: String, message: String)
    /// A bad field in a text file: `line` is the 1-based line in the file (header and
    /// blank lines included), `column` the 1-based field number within that line.
    case parse(file: String, line: Int, column: Int, message: String)
    /// The file's structure is wrong or unsupported (bad magic, header, dtype,
    /// truncated or corrupt data).
    case format(file: String, message: String)
    /// A helper was called with arguments that cannot work (e.g. k-fold with k > n).
    case invalidArgument(message: String)

    /// The file the error is about, when there is one.
    public var file: String? {
        switch self {
        case let .io(file, _), let .parse(file, _, _, _), let .format(file, _): return file
        case .invalidArgument: return nil
        }
    }

    /// The 1-based line of a parse error.
    public var line: Int? { if case let .parse(_, line, _, _) = self { return line }; return nil }

    /// The 1-based column (field number) of a parse error.
    public var column: Int? { if case let .parse(_, _, column, _) = self { return column }; return nil }

    public var description: String {
        switch self {
        case let .io(file, message): return "\(file): \(message)"
        case let .parse(file, line, column, message): return "\(file):\(line):\(column): \(message)"
        case let .format(file, message): return "\(file): \(message)"
        case let .invalidArgument(message): return message
        }
    }
}
