// NumPy's .npy format, so arrays move between NetLang and the Python world (reference
// results, plots) without a converter. Format: magic "\x93NUMPY", version byte pair,
// little-endian header length (2 bytes in v1.0, 4 in v2.0/3.0), an ASCII Python dict
// literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with spaces
// to a multiple of 64 bytes and ended by '\n', then the raw data.
// Supported: little-endian '<f4', '<f8', '<i4', '<i8' in C order (what NetLang needs);
// anything else is refused with a clear error rather than misread.

/// The element types this reader understands.
public enum NPYDType: String, Sendable, Equatable, CaseIterable {
    case float32 = "<f4"
    case float64 = "<f8"
    case int32 = "<i4"
    case int64 = "<i8"

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        }
    }
}

/// An array read from a .npy file: its shape, its on-disk type and its elements
/// (converted to Float64 when asked via `tensor`).
public struct NPYArray: Sendable, Equatable {
    /// The array's shape ([] for a 0-d array).
    public let shape: [Int]
    /// The element type stored in the file.
    public let dtype: NPYDType
    /// The raw little-endian element bytes, C order.
    public let data: [UInt8]

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// The array as a tensor of `T`, converting from the stored type (int64 values above
    /// 2⁵³ lose precision in Float64, as in NumPy's astype).
    public func tensor<T: NetScalar>(_ type: T.Type = T.self) -> Tensor<T> {
        Tensor(shape: shape, scalars: doubles().map { T($0) })
    }

    /// The elements as integers (values of float arrays are truncated toward zero).
    public func integers() -> [Int64] {
        switch dtype {
        case .int64: return (0..<count).map { Int64(bitPattern: le64(data, $0 * 8)) }
        case .int32: return (0..<count).map { Int64(Int32(bitPattern: le32(data, $0 * 4))) }
        default: return doubles().map { Int64($0) }
        }
    }

    private func doubles() -> [Double] {
        switch dtype {
        case .float32: return (0..<count).map { Double(Float(bitPattern: le32(data, $0 * 4))) }
        case .float64: return (0..<count).map { Double(bitPattern: le64(data, $0 * 8)) }
        case .int32: return (0..<count).map { Double(Int32(bitPattern: le32(data, $0 * 4))) }
        case .int64: return (0..<count).map { Double(Int64(bitPattern: le64(data, $0 * 8))) }
        }
    }

    /// The largest header this reader accepts (NumPy writes well under 1 KiB).
    static let maximumHeaderBytes = 1 << 20

    /// What a .npy header says: shape, dtype, where the data start and how many bytes they
    /// take. `bytes` may be just the beginning of the file (the header is read from it).
    struct Header {
        var shape: [Int], dtype: NPYDType, dataStart: Int, dataBytes: Int
    }

    /// Parses the header at the start of `bytes`; throws `DataError.format` ("malformed
    /// .npy header: …") for anything NumPy would not have written.
    static func header(_ bytes: [UInt8], file: String) throws -> Header {
        func fail(_ message: String) -> DataError { .format(file: file, message: message) }
        func malformed(_ message: String) -> DataError { .format(file: file, message: "malformed .npy header: \(message)") }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]   // \x93NUMPY
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("not a .npy file (bad magic)") }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw malformed("truncated") }
            headerLength = Int(le32(bytes, 8))
            headerStart = 12
        default:
            throw fail("unsupported .npy version \(major).\(bytes[7])")
        }
        guard headerLength <= maximumHeaderBytes else { throw malformed("its length \(headerLength) is implausible") }
        guard bytes.count >= headerStart + headerLength else { throw malformed("truncated (\(headerLength) bytes announced)") }
        let headerBytes = bytes[headerStart..<(headerStart + headerLength)]
        guard headerBytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F || $0 == 0x0A }) else {
            throw malformed("it is not ASCII text")
        }
        let header = String(decoding: headerBytes, as: UTF8.self)
        let shown = header.trimmingCharacters(in: " ").prefix(120)

        guard let descr = dictValue(header, "descr") else { throw malformed("no 'descr' in \(shown)") }
        let descrText = descr.trimmingQuotes()
        guard let dtype = NPYDType(rawValue: descrText) else {
            throw fail("unsupported dtype '\(descrText.prefix(40))' (supported: <f4, <f8, <i4, <i8)")
        }
        guard let fortran = dictValue(header, "fortran_order") else { throw malformed("no 'fortran_order' in \(shown)") }
        guard fortran == "False" else {
            if fortran == "True" { throw fail("Fortran-order arrays are not supported (save with C order)") }
            throw malformed("'fortran_order' is \(fortran.prefix(20)), not True or False")
        }
        guard let shapeText = dictValue(header, "shape"), shapeText.hasPrefix("("), shapeText.hasSuffix(")") else {
            throw malformed("no valid 'shape' in \(shown)")
        }
        var shape: [Int] = []
        for part in shapeText.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false) {
            let t = part.trimmingCharacters(in: " ")
            if t.isEmpty { continue }
            guard let d = Int(t.hasSuffix("L") ? String(t.dropLast()) : t), d >= 0 else {
                throw malformed("bad dimension '\(t.prefix(20))' in shape \(shapeText.prefix(60))")
            }
            shape.append(d)
        }
        let (count, overflow1) = shape.reduce((1, false)) { acc, d in
            let r = acc.0.multipliedReportingOverflow(by: d); return (r.partialValue, acc.1 || r.overflow)
        }
        let (needed, overflow2) = count.multipliedReportingOverflow(by: dtype.itemSize)
        guard !overflow1, !overflow2 else { throw fail("shape \(shape) is too large") }
        return Header(shape: shape, dtype: dtype, dataStart: headerStart + headerLength, dataBytes: needed)
    }

    /// Checks that a file of `fileSize` bytes holds exactly the data its header announces.
    static func checkSize(_ h: Header, fileSize: Int, file: String) throws {
        let available = fileSize - h.dataStart
        guard available >= h.dataBytes else {
            throw DataError.format(file: file, message: "truncated data: shape \(h.shape) of \(h.dtype.rawValue) needs \(h.dataBytes) bytes, file has \(available)")
        }
        guard available == h.dataBytes else {
            throw DataError.format(file: file, message: "\(available - h.dataBytes) unexpected bytes after the data of shape \(h.shape)")
        }
    }

    /// Decodes .npy bytes. `file` names the source in errors; malformed, truncated or
    /// unsupported input throws `DataError.format`.
    public static func decode(_ bytes: [UInt8], file: String = "<memory>") throws -> NPYArray {
        let h = try header(bytes, file: file)
        try checkSize(h, fileSize: bytes.count, file: file)
        return NPYArray(shape: h.shape, dtype: h.dtype, data: Array(bytes[h.dataStart...]))
    }

    /// Encodes a tensor as .npy v1.0 ('<f4' for Float, '<f8' for Double; v2.0 when the
    /// header would not fit v1.0's 16-bit length).
    public static func encode<T: NetScalar>(_ tensor: Tensor<T>) -> [UInt8] {
        let descr = T.self == Float.self ? "<f4" : "<f8"
        let shapeText = tensor.shape.isEmpty ? "()"
            : tensor.shape.count == 1 ? "(\(tensor.shape[0]),)"
            : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        var version: UInt8 = 1
        var prefix = 10
        if dict.utf8.count + 1 + prefix > 65535 { version = 2; prefix = 12 }
        let padded = ((prefix + dict.utf8.count + 1 + 63) / 64) * 64
        dict += String(repeating: " ", count: padded - prefix - dict.utf8.count - 1) + "\n"
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
        let length = dict.utf8.count
        if version == 1 {
            out += [UInt8(length & 0xFF), UInt8(length >> 8)]
        } else {
            out += (0..<4).map { UInt8((length >> (8 * $0)) & 0xFF) }
        }
        out += Array(dict.utf8)
        out.reserveCapacity(out.count + tensor.count * (T.self == Float.self ? 4 : 8))
        if T.self == Float.self {
            for x in tensor.scalars { appendLE(&out, UInt64(Float(x).bitPattern), bytes: 4) }
        } else {
            for x in tensor.scalars { appendLE(&out, Double(x).bitPattern, bytes: 8) }
        }
        return out
    }
}

/// Reads a .npy file. Errors (`DataError`) name `path`.
/// The header is checked against the file's size before the data are read, so a header
/// announcing terabytes fails at once.
public func readNPY(path: String, maximumValues: Int = .max) throws -> NPYArray {
    let (prefix, size) = try readFilePrefix(path, count: 12 + NPYArray.maximumHeaderBytes)
    let h = try NPYArray.header(prefix, file: path)
    let count = h.shape.reduce(1, *)   // the header checked it for overflow
    guard count <= maximumValues else {
        throw DataError.format(file: path, message: "its shape \(h.shape) holds \(count) values, more than \(maximumValues); not read")
    }
    try NPYArray.checkSize(h, fileSize: size, file: path)
    return try NPYArray.decode(readFileBytes(path), file: path)
}

/// Reads a .npy file of any supported dtype as a tensor of `T`.
public func readNPYTensor<T: NetScalar>(path: String, as type: T.Type = T.self, maximumValues: Int = .max) throws -> Tensor<T> {
    try readNPY(path: path, maximumValues: maximumValues).tensor(T.self)
}

/// Writes a tensor as .npy ('<f4' or '<f8'), atomically (see `writeAtomically`).
public func writeNPY<T: NetScalar>(_ tensor: Tensor<T>, to path: String) throws {
    try writeAtomically(NPYArray.encode(tensor), to: path)
}

// MARK: - helpers

private func le32(_ b: [UInt8], _ o: Int) -> UInt32 {
    UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
}

private func le64(_ b: [UInt8], _ o: Int) -> UInt64 {
    UInt64(le32(b, o)) | UInt64(le32(b, o + 4)) << 32
}

private func appendLE(_ out: inout [UInt8], _ v: UInt64, bytes: Int) {
    for i in 0..<bytes { out.append(UInt8((v >> (8 * UInt64(i))) & 0xFF)) }
}

/// The raw text of `key`'s value in a Python dict literal: a quoted string, a
/// parenthesised tuple, or a bare word, with surrounding blanks removed.
private func dictValue(_ header: String, _ key: String) -> String? {
    let chars = Array(header)
    for quote in ["'", "\""] {
        guard let keyRange = header.firstRange(of: quote + key + quote) else { continue }
        var i = header.distance(from: header.startIndex, to: keyRange.upperBound)
        while i < chars.count && chars[i] == " " { i += 1 }
        guard i < chars.count, chars[i] == ":" else { return nil }
        i += 1
        while i < chars.count && chars[i] == " " { i += 1 }
        guard i < chars.count else { return nil }
        let start = i
        if chars[i] == "(" {
            while i < chars.count && chars[i] != ")" { i += 1 }
            guard i < chars.count else { return nil }
            return String(chars[start...i])
        }
        if chars[i] == "'" || chars[i] == "\"" {
            let q = chars[i]; i += 1
            while i < chars.count && chars[i] != q { i += 1 }
            guard i < chars.count else { return nil }
            return String(chars[start...i])
        }
        while i < chars.count && chars[i] != "," && chars[i] != "}" { i += 1 }
        return String(chars[start..<i]).trimmingCharacters(in: " ")
    }
    return nil
}

private extension String {
    func trimmingQuotes() -> String {
        guard count >= 2, let f = first, let l = last, f == l, f == "'" || f == "\"" else { return self }
        return String(dropFirst().dropLast())
    }
}

private extension StringProtocol {
    func trimmingCharacters(in blank: Character) -> String {
        var s = Substring(self)
        while s.first == blank { s = s.dropFirst() }
        while s.last == blank { s = s.dropLast() }
        return String(s)
    }
}
