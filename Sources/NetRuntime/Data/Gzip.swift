import CZlib

// Gzip through the system zlib, in memory. Data sets ship compressed (digits.csv.gz);
// reading the whole file and inflating it in one pass keeps the C stream state local to
// one function call instead of a long-lived gzFile handle.

/// True when `bytes` start with the gzip magic number 1f 8b.
public func isGzip(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
}

/// Decompresses gzip (or zlib) data, including files made of several concatenated gzip
/// members, up to `limit` bytes of output (a small "gzip bomb" would otherwise fill memory). `file` names the source in errors (`DataError.format` for corrupt or
/// truncated data).
public func gunzip(_ compressed: [UInt8], file: String = "<memory>", limit: Int = 1 << 32) throws -> [UInt8] {
    var input = compressed
    var output: [UInt8] = []
    output.reserveCapacity(compressed.count * 4)
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    var stream = z_stream()
    // 15 + 32: maximum window, detect gzip or zlib header automatically.
    guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw DataError.format(file: file, message: "zlib initialisation failed")
    }
    defer { inflateEnd(&stream) }
    try input.withUnsafeMutableBufferPointer { inBuf in
        guard let base = inBuf.baseAddress, inBuf.count > 0 else {
            throw DataError.format(file: file, message: "empty gzip data")
        }
        stream.next_in = base
        stream.avail_in = UInt32(inBuf.count)
        while true {
            var status: Int32 = Z_OK
            let produced = chunk.withUnsafeMutableBufferPointer { out -> Int in
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                status = inflate(&stream, Z_NO_FLUSH)
                return out.count - Int(stream.avail_out)
            }
            output.append(contentsOf: chunk[0..<produced])
            guard output.count <= limit else {
                throw DataError.format(file: file, message: "gzip data decompress to more than \(limit) bytes; not read")
            }
            switch status {
            case Z_STREAM_END:
                if stream.avail_in == 0 { return }
                // Another gzip member follows (concatenated .gz files are valid gzip).
                guard inflateReset(&stream) == Z_OK else {
                    throw DataError.format(file: file, message: "zlib reset failed")
                }
            case Z_OK:
                continue
            case Z_BUF_ERROR where stream.avail_in == 0:
                throw DataError.format(file: file, message: "truncated gzip data (the stream ends early)")
            default:
                let detail = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                throw DataError.format(file: file, message: "corrupt gzip data: \(detail)")
            }
        }
    }
    return output
}

/// Compresses `bytes` into the gzip format (default compression level).
public func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
    var input = bytes
    var stream = z_stream()
    // 15 + 16: maximum window, gzip header and trailer.
    guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                        zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw DataError.format(file: "<memory>", message: "zlib initialisation failed")
    }
    defer { deflateEnd(&stream) }
    guard bytes.count < Int(UInt32.max) else {
        throw DataError.invalidArgument(message: "gzip: input larger than 4 GiB")
    }
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    try input.withUnsafeMutableBufferPointer { inBuf in
        stream.next_in = inBuf.baseAddress
        stream.avail_in = UInt32(inBuf.count)
        while true {
            var status: Int32 = Z_OK
            let produced = chunk.withUnsafeMutableBufferPointer { out -> Int in
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                status = deflate(&stream, Z_FINISH)
                return out.count - Int(stream.avail_out)
            }
            output.append(contentsOf: chunk[0..<produced])
            if status == Z_STREAM_END { return }
            guard status == Z_OK || status == Z_BUF_ERROR else {
                throw DataError.format(file: "<memory>", message: "gzip compression failed (zlib error \(status))")
            }
        }
    }
    return output
}

/// The contents of a file, decompressed when it is gzip (detected by its magic number,
/// not its name). Errors name `path`.
public func readPossiblyCompressedFile(_ path: String, limit: Int = 1 << 32) throws -> [UInt8] {
    let bytes = try readFileBytes(path, limit: min(limit, maximumFileBytes))
    return isGzip(bytes) ? try gunzip(bytes, file: path, limit: limit) : bytes
}
