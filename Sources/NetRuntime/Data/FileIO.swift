#if canImport(Glibc)
import Glibc
#endif

// Whole-file reads and crash-safe writes, on POSIX calls so NetRuntime needs no
// Foundation. Checkpoints, exported arrays and data sets are written atomically: a
// training run killed mid-write must leave either the old file or the new one, never a
// torn file that fails (or worse, half-succeeds) on the next load.

/// The complete contents of the file at `path`. Throws `DataError.io` naming the file.
public func readFileBytes(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw DataError.io(file: path, message: "cannot open: \(errnoMessage())") }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw DataError.io(file: path, message: "cannot stat: \(errnoMessage())") }
    if (st.st_mode & S_IFMT) == S_IFDIR { throw DataError.io(file: path, message: "is a directory") }
    var result: [UInt8] = []
    result.reserveCapacity(max(0, Int(st.st_size)))
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw DataError.io(file: path, message: "read failed: \(errnoMessage())")
        }
        if n == 0 { break }
        result.append(contentsOf: chunk[0..<n])
    }
    return result
}

/// Writes `bytes` to `path` atomically: the data go to a temporary file in the same
/// directory, which is fsync'ed and then renamed over `path` (rename is atomic within a
/// file system), and the directory is fsync'ed so the rename itself survives a crash.
/// Readers see the old contents or the new ones, never a partial file.
/// Throws `DataError.io` naming `path`; the temporary file is removed on failure.
public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let directory = parentDirectory(of: path)
    let base = path.split(separator: "/").last.map(String.init) ?? "file"
    var template = Array("\(directory)/.\(base).tmp-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else {
        throw DataError.io(file: path, message: "cannot create a temporary file in \(directory): \(errnoMessage())")
    }
    let tempPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    var committed = false
    defer { if !committed { unlink(tempPath) } }
    do {
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DataError.io(file: path, message: "write failed: \(errnoMessage())")
            }
            offset += n
        }
        // mkstemp creates 0600; give the file the usual permissions (subject to umask).
        let mask = umask(0); umask(mask)
        fchmod(fd, 0o666 & ~mask)
        guard fsync(fd) == 0 else { throw DataError.io(file: path, message: "fsync failed: \(errnoMessage())") }
    }
    guard rename(tempPath, path) == 0 else {
        throw DataError.io(file: path, message: "cannot rename temporary file into place: \(errnoMessage())")
    }
    committed = true
    let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dfd >= 0 { _ = fsync(dfd); close(dfd) }   // best effort: some file systems refuse
}

/// `writeAtomically` for text, encoded as UTF-8.
public func writeAtomically(_ text: String, to path: String) throws {
    try writeAtomically(Array(text.utf8), to: path)
}

/// The directory part of a path ("." for a bare file name).
func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
}

/// The C library's message for the current `errno`.
func errnoMessage() -> String { String(cString: strerror(errno)) }
