import Foundation

/// The safetensors format (readable by PyTorch's `safetensors.torch.load_file`): an 8-byte
/// little-endian header length, a JSON header mapping names to dtype, shape and byte
/// offsets, then the raw little-endian data. NetLang writes F32 tensors, atomically.
public enum Safetensors {
    public enum FormatError: Error, CustomStringConvertible {
        case malformed(String)
        public var description: String { switch self { case let .malformed(m): "not a valid safetensors file: \(m)" } }
    }

    /// Writes tensors (in the given order) with optional string metadata.
    public static func write(_ tensors: [(String, Tensor<Float>)], metadata: [String: String] = [:], to path: String) throws {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for (name, t) in tensors {
            let bytes = t.count * 4
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }   // pad with spaces to an 8-byte boundary
        var out = [UInt8]()
        out.reserveCapacity(8 + json.count + offset)
        var n = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        for (_, t) in tensors {
            t.scalars.withUnsafeBytes { raw in out.append(contentsOf: raw) }   // x86-64 and arm64 are little-endian
        }
        try writeAtomically(out, to: path)
    }

    /// Reads every tensor (F32 or F64, converted to Float), validated as the format
    /// requires: every entry has a dtype, a shape of non-negative whole numbers and two
    /// offsets [begin, end) inside the data buffer with end − begin = elements × dtype
    /// size; the entries do not overlap and cover the buffer exactly, without holes or
    /// trailing bytes. Anything else is `FormatError.malformed` — never garbage read from
    /// another tensor's bytes.
    public static func read(_ path: String) throws -> [String: Tensor<Float>] {
        let bytes = try readFileBytes(path)
        guard bytes.count >= 8 else { throw FormatError.malformed("\(path) is \(bytes.count) bytes long") }
        let length = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(bytes.count - 8) else { throw FormatError.malformed("header length \(length) exceeds the file") }
        let body = 8 + Int(length)
        let bufferSize = bytes.count - body
        guard let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<body])) as? [String: Any] else {
            throw FormatError.malformed("the header is not a JSON object")
        }
        struct Entry { let name: String; let shape: [Int]; let width: Int; let begin: Int; let end: Int }
        var entries: [Entry] = []
        for (name, entry) in header where name != "__metadata__" {
            guard let e = entry as? [String: Any], let dtype = e["dtype"] as? String,
                  let rawShape = e["shape"] as? [Any], let rawOffsets = e["data_offsets"] as? [Any] else {
                throw FormatError.malformed("entry '\(name)' lacks dtype, shape or data_offsets")
            }
            let shape = rawShape.compactMap(wholeNumber), offsets = rawOffsets.compactMap(wholeNumber)
            guard shape.count == rawShape.count, shape.allSatisfy({ $0 >= 0 }) else {
                throw FormatError.malformed("'\(name)': the shape must be non-negative whole numbers")
            }
            guard offsets.count == 2, rawOffsets.count == 2 else {
                throw FormatError.malformed("'\(name)': data_offsets must be two whole numbers [begin, end]")
            }
            let width = dtype == "F32" ? 4 : dtype == "F64" ? 8 : 0
            guard width > 0 else { throw FormatError.malformed("'\(name)' has dtype \(dtype); NetLang reads F32 and F64") }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= bufferSize else {
                throw FormatError.malformed("'\(name)': offsets [\(begin), \(end)] lie outside the \(bufferSize)-byte data buffer")
            }
            var count = 1, overflow = false
            for d in shape { let r = count.multipliedReportingOverflow(by: d); count = r.partialValue; overflow = overflow || r.overflow }
            let bytesNeeded = count.multipliedReportingOverflow(by: width)
            guard !overflow, !bytesNeeded.overflow, bytesNeeded.partialValue == end - begin else {
                throw FormatError.malformed("'\(name)': shape \(shape) of \(dtype) needs \(overflow ? "too many" : String(count * width)) bytes, its offsets give \(end - begin)")
            }
            entries.append(Entry(name: name, shape: shape, width: width, begin: begin, end: end))
        }
        // Sorted by position, the entries must tile the buffer: each starts where the
        // previous one ends, the first at 0 and the last at the buffer's end.
        var position = 0
        for e in entries.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            if e.begin < position { throw FormatError.malformed("'\(e.name)' overlaps another tensor's bytes (offset \(e.begin) < \(position))") }
            if e.begin > position { throw FormatError.malformed("bytes \(position)..<\(e.begin) of the data buffer belong to no tensor") }
            position = e.end
        }
        guard position == bufferSize else {
            throw FormatError.malformed("\(bufferSize - position) trailing bytes after the last tensor")
        }
        var out: [String: Tensor<Float>] = [:]
        for e in entries {
            let count = e.shape.reduce(1, *)
            let start = body + e.begin
            var scalars = [Float](repeating: 0, count: count)
            bytes.withUnsafeBytes { raw in
                for i in 0..<count {
                    if e.width == 4 {
                        scalars[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self).littleEndian)
                    } else {
                        scalars[i] = Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: start + 8 * i, as: UInt64.self).littleEndian))
                    }
                }
            }
            out[e.name] = Tensor(shape: e.shape, scalars: scalars)
        }
        return out
    }

    /// The header's `__metadata__` strings (empty when the file has none).
    public static func metadata(_ path: String) throws -> [String: String] {
        let bytes = try readFileBytes(path)
        guard bytes.count >= 8 else { throw FormatError.malformed("\(path) is \(bytes.count) bytes long") }
        let length = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(bytes.count - 8) else { throw FormatError.malformed("header length \(length) exceeds the file") }
        guard let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + Int(length))])) as? [String: Any] else {
            throw FormatError.malformed("the header is not a JSON object")
        }
        return header["__metadata__"] as? [String: String] ?? [:]
    }

    /// A JSON number that is a whole number an Int holds exactly, or nil.
    private static func wholeNumber(_ any: Any) -> Int? {
        if let i = any as? Int { return i }
        guard let n = any as? NSNumber else { return nil }
        let d = n.doubleValue
        guard d.isFinite, d == d.rounded(), Swift.abs(d) <= 9_007_199_254_740_992 else { return nil }
        return Int(d)
    }
}
