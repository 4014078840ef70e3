import Foundation
import NetRuntime

/// `--set NAME=EXPR` checked against the script before it runs.
extension Interpreter {
    /// Every name a `let` binds in `file`, in its functions and bodies, and in the files it
    /// imports (relative to `baseDirectory`, recursively); what `--set` may override.
    public func letNames(in file: SourceFile) -> Set<String> {
        var names = Set<String>()
        var visited = Set<String>()
        func collect(_ statements: [Statement], base: String) {
            for s in statements {
                switch s {
                case let .letBinding(name, _, _, _): names.insert(name)
                case let .function(f): collect(f.body, base: base)
                case let .repeatLoop(_, body, _), let .forLoop(_, _, _, body, _): collect(body, base: base)
                case let .ifElse(_, then, otherwise, _): collect(then + (otherwise ?? []), base: base)
                case let .importFile(path, _):
                    let full = path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
                    guard visited.insert(full).inserted, let text = try? readScript(full) else { continue }
                    collect(parse(SourceFile(name: path, text: text)).statements, base: (full as NSString).deletingLastPathComponent)
                default: break
                }
            }
        }
        // Parsing and freeing a deep syntax tree recurse: on the large stack.
        try? LargeStack.run { collect(parse(file).statements, base: baseDirectory) }
        return names
    }

    /// One warning per override the script never binds, with the closest `let` name.
    public func overrideWarnings(for file: SourceFile) -> [String] {
        let defined = letNames(in: file)
        return overrides.keys.sorted().filter { !defined.contains($0) }.map { name in
            let hint = didYouMean(name, among: Array(defined))
            return "warning: --set \(name): the script has no 'let \(name) = …'\(hint)"
        }
    }
}

/// The text of a script file: a regular file (a FIFO or `/dev/zero` is refused before
/// anything is read) of at most 64 MiB, in UTF-8. Throws a message naming the file.
public func readScript(_ path: String) throws -> String {
    let bytes = try readFileBytes(path, limit: 64 << 20)
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw DataError.format(file: path, message: "is not UTF-8 text")
    }
    return text
}
