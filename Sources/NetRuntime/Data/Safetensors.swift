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

    /// Reads every tensor (F32 or F64, converted to Float).
    public static func read(_ path: String) throws -> [String: Tensor<Float>] {
        let bytes = try readFileBytes(path)
        guard bytes.count >= 8 else { throw FormatError.malformed("\(path) is \(bytes.count) bytes long") }
        let length = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(bytes.count - 8) else { throw FormatError.malformed("header length \(length) exceeds the file") }
        let body = 8 + Int(length)
        guard let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<body])) as? [String: Any] else {
            throw FormatError.malformed("the header is not a JSON object")
        }
        var out: [String: Tensor<Float>] = [:]
        for (name, entry) in header where name != "__metadata__" {
            guard let e = entry as? [String: Any], let dtype = e["dtype"] as? String,
                  let shape = (e["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (e["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }), offsets.count == 2 else {
                throw FormatError.malformed("entry '\(name)' lacks dtype, shape or data_offsets")
            }
            let count = shape.reduce(1, *)
            let width = dtype == "F32" ? 4 : dtype == "F64" ? 8 : 0
            guard width > 0 else { throw FormatError.malformed("'\(name)' has dtype \(dtype); NetLang reads F32 and F64") }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[1] - offsets[0] == count * width,
                  body + offsets[1] <= bytes.count else {
                throw FormatError.malformed("'\(name)': offsets \(offsets) do not fit shape \(shape) or the file")
            }
            let start = body + offsets[0]
            var scalars = [Float](repeating: 0, count: count)
            bytes.withUnsafeBytes { raw in
                for i in 0..<count {
                    if width == 4 {
                        scalars[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self).littleEndian)
                    } else {
                        scalars[i] = Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: start + 8 * i, as: UInt64.self).littleEndian))
                    }
                }
            }
            out[name] = Tensor(shape: shape, scalars: scalars)
        }
        return out
    }
}
