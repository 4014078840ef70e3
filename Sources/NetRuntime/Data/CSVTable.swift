// A reader (and writer) for numeric CSV: the format data sets and exported results
// travel in. Deliberately small: comma-separated numbers, an optional header of names,
// no quoting of numbers. Its job is to load numeric tables and, when a field is bad,
// say exactly where (file:line:column) instead of producing NaNs or a crash.

/// A rectangular table of numbers read from CSV, stored row-major in Float64.
public struct CSVTable: Sendable, Equatable {
    /// Where the table came from (a path, or "<memory>"), used in error messages.
    public let file: String
    /// Column names from the header line, when the table has one.
    public let header: [String]?
    /// Number of data rows (header and blank lines excluded).
    public let rowCount: Int
    /// Number of fields per row.
    public let columnCount: Int
    /// All values, row-major: row i, column j is `values[i * columnCount + j]`.
    public let values: [Double]
    /// The 1-based source line of each data row, so later validation (e.g. a label out
    /// of range) can point at the right line.
    public let lineNumbers: [Int]

    /// A table built in memory (e.g. results to be written out).
    public init(header: [String]? = nil, rows: [[Double]], file: String = "<memory>") throws {
        let columns = header?.count ?? rows.first?.count ?? 0
        for (i, row) in rows.enumerated() where row.count != columns {
            throw DataError.parse(file: file, line: i + 1 + (header == nil ? 0 : 1), column: min(row.count, columns) + 1,
                                  message: "expected \(columns) fields, found \(row.count)")
        }
        self.init(file: file, header: header, rowCount: rows.count, columnCount: columns,
                  values: rows.flatMap { $0 }, lineNumbers: Array((header == nil ? 1 : 2)..<(rows.count + (header == nil ? 1 : 2))))
    }

    private init(file: String, header: [String]?, rowCount: Int, columnCount: Int, values: [Double], lineNumbers: [Int]) {
        self.file = file
        self.header = header
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.values = values
        self.lineNumbers = lineNumbers
    }

    /// The value at (row, column), both 0-based.
    public subscript(row: Int, column: Int) -> Double {
        precondition(row >= 0 && row < rowCount && column >= 0 && column < columnCount,
                     "(\(row), \(column)) outside a \(rowCount)×\(columnCount) table")
        return values[row * columnCount + column]
    }

    /// One column's values, top to bottom.
    public func column(_ j: Int) -> [Double] {
        precondition(j >= 0 && j < columnCount, "column \(j) outside 0..<\(columnCount)")
        return (0..<rowCount).map { values[$0 * columnCount + j] }
    }

    /// The index of the header column called `name`, if there is a header and such a column.
    public func columnIndex(named name: String) -> Int? { header?.firstIndex(of: name) }

    /// The table as a [rows, columns] tensor.
    public func tensor<T: NetScalar>(_ type: T.Type = T.self) -> Tensor<T> {
        Tensor(shape: [rowCount, columnCount], scalars: values.map { T($0) })
    }

    /// Parses CSV text. With `hasHeader`, the first non-blank line holds column names.
    /// Blank lines are skipped; "\r\n" line ends and a UTF-8 byte-order mark are accepted.
    /// Throws `DataError.parse` with line and column for an empty or non-numeric field or
    /// a row with the wrong number of fields.
    public static func parse(_ text: String, file: String = "<memory>", hasHeader: Bool = false) throws -> CSVTable {
        try parse(bytes: Array(text.utf8), file: file, hasHeader: hasHeader)
    }

    /// Parses CSV from UTF-8 bytes; see `parse(_:file:hasHeader:)`. More than
    /// `maximumValues` numbers is an error as soon as the row that exceeds it is read.
    public static func parse(bytes: [UInt8], file: String = "<memory>", hasHeader: Bool = false,
                             maximumValues: Int = .max) throws -> CSVTable {
        var header: [String]? = nil
        var columns: Int? = nil
        var values: [Double] = []
        var lineNumbers: [Int] = []
        var i = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }
        var line = 0
        var fields: [Range<Int>] = []
        while i < bytes.count {
            line += 1
            var end = i
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            var lineEnd = end
            if lineEnd > i && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            defer { i = end + 1 }
            // Split on commas, trimming blanks around each field.
            fields.removeAll(keepingCapacity: true)
            var start = i
            for p in i...lineEnd where p == lineEnd || bytes[p] == 0x2C {
                var a = start, b = p
                while a < b && isBlank(bytes[a]) { a += 1 }
                while b > a && isBlank(bytes[b - 1]) { b -= 1 }
                fields.append(a..<b)
                start = p + 1
            }
            if fields.count == 1 && fields[0].isEmpty { continue }   // blank line
            if hasHeader && header == nil {
                header = fields.map { r in
                    var name = String(decoding: bytes[r], as: UTF8.self)
                    if name.count >= 2 && name.hasPrefix("\"") && name.hasSuffix("\"") { name = String(name.dropFirst().dropLast()) }
                    return name
                }
                columns = fields.count
                continue
            }
            if let expected = columns, fields.count != expected {
                throw DataError.parse(file: file, line: line, column: min(fields.count, expected) + 1,
                                      message: "expected \(expected) fields, found \(fields.count)")
            }
            columns = fields.count
            guard values.count <= maximumValues - fields.count else {
                throw DataError.format(file: file, message: "it holds more than \(maximumValues) values (line \(line)); not read")
            }
            for (c, r) in fields.enumerated() {
                guard !r.isEmpty else {
                    throw DataError.parse(file: file, line: line, column: c + 1, message: "empty field")
                }
                guard let v = parseNumber(bytes, r) else {
                    let text = String(decoding: bytes[r], as: UTF8.self)
                    throw DataError.parse(file: file, line: line, column: c + 1, message: "'\(text)' is not a number")
                }
                values.append(v)
            }
            lineNumbers.append(line)
        }
        return CSVTable(file: file, header: header, rowCount: lineNumbers.count, columnCount: columns ?? 0,
                        values: values, lineNumbers: lineNumbers)
    }

    /// Reads a CSV file, gzip-compressed or not (detected from the content), of at most
    /// `maximumValues` numbers; a compressed file may inflate to at most `maximumBytes`
    /// (an 8.5 MB .csv.gz inflating to 3.5 GB was read whole). Errors name `path`.
    public static func load(path: String, hasHeader: Bool = false, maximumValues: Int = .max,
                            maximumBytes: Int = 1 << 32) throws -> CSVTable {
        try parse(bytes: readPossiblyCompressedFile(path, limit: maximumBytes), file: path, hasHeader: hasHeader, maximumValues: maximumValues)
    }

    /// The table as CSV text (header first when there is one). Integral values are
    /// written without a decimal point; others in Swift's shortest round-tripping form,
    /// so `parse(csvText())` gives back the same numbers.
    public func csvText() -> String {
        var out = ""
        if let header { out += header.joined(separator: ",") + "\n" }
        for i in 0..<rowCount {
            out += (0..<columnCount).map { j -> String in
                let v = values[i * columnCount + j]
                if v == v.rounded() && Swift.abs(v) < 1e15 { return String(Int64(v)) }
                return "\(v)"
            }.joined(separator: ",")
            out += "\n"
        }
        return out
    }

    /// Writes the table as CSV, atomically; gzip-compressed when `path` ends in ".gz".
    public func write(to path: String) throws {
        let text = Array(csvText().utf8)
        try writeAtomically(path.hasSuffix(".gz") ? try gzip(text) : text, to: path)
    }
}

@inline(__always) private func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }

/// A field's number: plain integers (the common case in pixel data) are converted
/// directly; anything else goes through `Double(String)` (decimals, exponents, nan, inf).
private func parseNumber(_ bytes: [UInt8], _ r: Range<Int>) -> Double? {
    var p = r.lowerBound
    var negative = false
    if bytes[p] == 0x2D || bytes[p] == 0x2B { negative = bytes[p] == 0x2D; p += 1 }
    if p < r.upperBound && r.upperBound - p <= 15 {
        var v: Int64 = 0
        var allDigits = true
        for q in p..<r.upperBound {
            let d = bytes[q] &- 0x30
            if d > 9 { allDigits = false; break }
            v = v * 10 + Int64(d)
        }
        if allDigits { return Double(negative ? -v : v) }
    }
    return Double(String(decoding: bytes[r], as: UTF8.self))
}
