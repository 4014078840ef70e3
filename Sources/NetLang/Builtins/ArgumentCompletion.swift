/// REPL completion of argument names from the built-in descriptions: Tab after
/// `flow_nll(f, x, ` offers `method:`, `terms:`, … — the parameters of the innermost call
/// still open before the cursor that are not given yet.
public enum ArgumentCompletion {
    /// The candidates (`terms:`) for the text before the cursor; nil when the cursor is not
    /// inside the argument list of a described built-in.
    public static func candidates(before text: String) -> [String]? {
        let chars = Array(text)
        // The innermost unclosed "(" (skipping strings and closed brackets).
        var depth = 0, inString = false, open: Int? = nil
        for i in stride(from: chars.count - 1, through: 0, by: -1) {
            let c = chars[i]
            if c == "\"" { inString.toggle(); continue }
            if inString { continue }
            if c == ")" || c == "]" || c == "}" { depth += 1 } else if c == "[" || c == "{" {
                if depth == 0 { return nil }
                depth -= 1
            } else if c == "(" {
                if depth == 0 { open = i; break }
                depth -= 1
            }
        }
        guard let open else { return nil }
        var start = open
        while start > 0, chars[start - 1].isLetter || chars[start - 1].isNumber || chars[start - 1] == "_" { start -= 1 }
        guard let d = BuiltinDescriptions.byName[String(chars[start..<open])] else { return nil }
        let given = namedArguments(in: String(chars[(open + 1)...]))
        return d.namedParameterNames.filter { !given.contains($0) }.map { $0 + ":" }
    }

    /// The `name:` labels written at the top level of an argument list so far.
    private static func namedArguments(in arguments: String) -> Set<String> {
        var names = Set<String>(), depth = 0, word = "", inString = false
        for c in arguments {
            if c == "\"" { inString.toggle(); word = ""; continue }
            if inString { continue }
            switch c {
            case "(", "[", "{": depth += 1; word = ""
            case ")", "]", "}": depth -= 1; word = ""
            case ":" where depth == 0: if !word.isEmpty { names.insert(word) }; word = ""
            default:
                if c.isLetter || c.isNumber || c == "_" { word.append(c) } else if c != " " { word = "" } else if !word.isEmpty { word = "" }
            }
        }
        return names
    }

    /// `:help NAME`: the signature, summary, differentiability and an example of a
    /// described built-in; nil for other names.
    public static func help(_ name: String) -> String? {
        guard let d = BuiltinDescriptions.byName[name] else { return nil }
        var lines = [d.signature, "  " + d.summary, "  gradients: \(d.differentiability.rawValue)"]
        if !d.parameters.isEmpty {
            lines.append("  parameters:")
            for p in d.parameters {
                let place = p.variadic ? "positions \(p.position! + 1) on, not named"
                    : p.position.map { "position \($0 + 1) or named" } ?? "named only"
                lines.append("    \(p.name): \(p.type), \(place)" + (p.defaultValue.map { ", default \($0)" } ?? ", required"))
            }
        }
        lines.append("  example: \(d.example)")
        return lines.joined(separator: "\n")
    }
}
