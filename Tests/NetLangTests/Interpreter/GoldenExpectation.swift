import Foundation
@testable import NetLang

/// The inline expectations of a golden script (Tests/NetLangTests/Golden/expect), in the
/// spirit of Crafting Interpreters' test suite:
///
///     print sum([1, 2])          # expect: 3
///     print 1 / 3                # expect: 0.333333
///     print mean(ys)             # expect within 1e-3: 0.8123
///     print undefined_name       # expect error: 4:7 'undefined_name' is not defined
///
/// `# expect: TEXT` is the next line the script prints (`# expect prefix: TEXT`: a line
/// starting with TEXT, for lines that end in a timing). Numbers in TEXT are compared as
/// numbers: to half a unit of the last digit written ("0.8123" accepts 0.81225…0.81235,
/// "20" only 20), or within the stated tolerance (`# expect within 1e-3: …`); the text
/// between the numbers must match exactly. `# expect error: LINE:COLUMN SUBSTRING` is a
/// diagnostic the run must end with (at that position, its message containing
/// SUBSTRING); the location may be left out. Every printed line must be expected.
struct GoldenExpectation {
    enum Kind {
        case output(String, tolerance: Double?)
        /// A printed line that starts with the text (for lines that end in timings).
        case outputPrefix(String)
        case error(line: Int?, column: Int?, substring: String)
    }
    let kind: Kind
    /// The script line the expectation is written on (for failure messages).
    let sourceLine: Int

    /// Every expectation of a script, in order.
    static func parse(_ source: String) -> [GoldenExpectation] {
        var result: [GoldenExpectation] = []
        for (index, line) in source.components(separatedBy: "\n").enumerated() {
            guard let marker = line.range(of: "# expect") else { continue }
            let rest = line[marker.upperBound...]
            guard let colon = rest.firstIndex(of: ":") else { continue }
            let qualifier = rest[..<colon].trimmingCharacters(in: .whitespaces)
            // One space after the colon separates; further spaces belong to the text
            // (the rows of a printed matrix are indented).
            var text = String(rest[rest.index(after: colon)...])
            if text.hasPrefix(" ") { text.removeFirst() }
            while text.last?.isWhitespace == true { text.removeLast() }
            if qualifier.isEmpty {
                result.append(GoldenExpectation(kind: .output(text, tolerance: nil), sourceLine: index + 1))
            } else if qualifier.hasPrefix("within "), let tolerance = Double(qualifier.dropFirst("within ".count).trimmingCharacters(in: .whitespaces)) {
                result.append(GoldenExpectation(kind: .output(text, tolerance: tolerance), sourceLine: index + 1))
            } else if qualifier == "prefix" {
                result.append(GoldenExpectation(kind: .outputPrefix(text), sourceLine: index + 1))
            } else if qualifier == "error" {
                result.append(GoldenExpectation(kind: errorKind(text), sourceLine: index + 1))
            }
        }
        return result
    }

    /// "3:7 message" → line 3, column 7, "message"; a text without a location is a substring only.
    private static func errorKind(_ text: String) -> Kind {
        let parts = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        if let first = parts.first {
            let position = first.split(separator: ":")
            if position.count == 2, let l = Int(position[0]), let c = Int(position[1]) {
                return .error(line: l, column: c, substring: parts.count > 1 ? String(parts[1]) : "")
            }
        }
        return .error(line: nil, column: nil, substring: text)
    }

    /// Whether a printed line matches the expected text (numbers to their written precision).
    static func matches(actual: String, expected: String, tolerance: Double?) -> Bool {
        let (actualText, actualNumbers) = splitNumbers(actual)
        let (expectedText, expectedNumbers) = splitNumbers(expected)
        guard actualText == expectedText, actualNumbers.count == expectedNumbers.count else { return false }
        for (a, e) in zip(actualNumbers, expectedNumbers) {
            if a.value.isNaN || e.value.isNaN { if !(a.value.isNaN && e.value.isNaN) { return false }; continue }
            if a.value.isInfinite || e.value.isInfinite { if a.value != e.value { return false }; continue }
            let allowed = tolerance ?? e.halfUnit
            if Swift.abs(a.value - e.value) > allowed + 1e-12 * Swift.abs(e.value) { return false }
        }
        return true
    }

    struct WrittenNumber { let value: Double; let halfUnit: Double }

    /// The text with every number replaced by "#", and the numbers with their precision.
    static func splitNumbers(_ s: String) -> (String, [WrittenNumber]) {
        let pattern = try! NSRegularExpression(pattern: #"(?<![A-Za-z_0-9.])-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|(?<![A-Za-z_])-?(nan|inf)(?![A-Za-z_])"#)
        let ns = s as NSString
        var text = "", numbers: [WrittenNumber] = [], last = 0
        for m in pattern.matches(in: s, range: NSRange(location: 0, length: ns.length)) {
            text += ns.substring(with: NSRange(location: last, length: m.range.location - last)) + "#"
            last = m.range.location + m.range.length
            let written = ns.substring(with: m.range)
            numbers.append(WrittenNumber(value: Double(written) ?? .nan, halfUnit: halfUnit(of: written)))
        }
        text += ns.substring(from: last)
        return (text, numbers)
    }

    /// Half a unit of the last digit written: "0.8123" → 5e-5, "1.5e-3" → 5e-5, "20" → 0.5… but
    /// whole numbers written without a point or exponent must match exactly.
    static func halfUnit(of written: String) -> Double {
        let lower = written.lowercased()
        let mantissa = lower.split(separator: "e").first.map(String.init) ?? lower
        let exponent = lower.contains("e") ? Int(lower.split(separator: "e")[1]) ?? 0 : 0
        guard let point = mantissa.firstIndex(of: ".") else { return lower.contains("e") ? 0.5 * pow(10, Double(exponent)) : 0 }
        let decimals = mantissa.distance(from: point, to: mantissa.endIndex) - 1
        return 0.5 * pow(10, Double(exponent - decimals))
    }
}
