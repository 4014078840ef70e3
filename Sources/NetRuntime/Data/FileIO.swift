#if canImport(Glibc)
import Glibc
#endif

// Whole-file reads and crash-safe writes, on POSIX calls so NetRuntime needs no
// Foundation. Checkpoints, exported arrays and data sets are written atomically: a
// training run killed mid-write must leave either the old file or the new one, never a
// torn file that fails (or worse, half-succeeds) on the next load.

/// The largest file a loader reads (data sets, arrays, checkpoints): 4 GiB.
public let maximumFileBytes = 1 << 32

/// The complete contents of the regular file at `path`. A FIFO, a device (`/dev/zero`,
/// `/dev/urandom`) or a directory is refused before anything is read — such "files" can
/// block forever or never end — and so is a file over `limit` bytes. Throws
/// `DataError.io` naming the file.
public func readFileBytes(_ path: String, limit: Int = maximumFileBytes) throws -> [UInt8] {
    try readFileBytes(path, limit: limit, prefix: nil)
}

/// At most the first `count` bytes of the regular file at `path`, and its size; for
/// checking a header against the file's size before reading the rest.
public func readFilePrefix(_ path: String, count: Int) throws -> (bytes: [UInt8], fileSize: Int) {
    var size = 0
    let bytes = try readFileBytes(path, limit: Int.max, prefix: count, size: &size)
    return (bytes, size)
}

private func readFileBytes(_ path: String, limit: Int, prefix: Int?) throws -> [UInt8] {
    var size = 0
    return try readFileBytes(path, limit: limit, prefix: prefix, size: &size)
}

private func readFileBytes(_ path: String, limit: Int, prefix: Int?, size: inout Int) throws -> [UInt8] {
    // O_NONBLOCK: opening a FIFO without a writer must not block; it is refused below.
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { throw DataError.io(file: path, message: "cannot open: \(errnoMessage())") }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw DataError.io(file: path, message: "cannot stat: \(errnoMessage())") }
    if let kind = nonRegularKind(st.st_mode) { throw DataError.io(file: path, message: "is \(kind), not a regular file") }
    size = Int(st.st_size)
    guard size <= limit else {
        throw DataError.io(file: path, message: "is \(size) bytes long; files over \(limit) bytes are not read")
    }
    let wanted = min(size, prefix ?? size)
    var result = [UInt8](repeating: 0, count: wanted)
    var offset = 0
    while offset < wanted {
        let n = result.withUnsafeMutableBytes { read(fd, $0.baseAddress! + offset, wanted - offset) }
        if n < 0 {
            if errno == EINTR { continue }
            throw DataError.io(file: path, message: "read failed: \(errnoMessage())")
        }
        if n == 0 { break }   // the file shrank while being read
        offset += n
    }
    result.removeLast(wanted - offset)
    return result
}

/// "a directory", "a FIFO", "a device" for anything but a regular file (nil for one).
func nonRegularKind(_ mode: mode_t) -> String? {
    switch mode & S_IFMT {
    case S_IFREG: return nil
    case S_IFDIR: return "a directory"
    case S_IFIFO: return "a FIFO"
    case S_IFCHR, S_IFBLK: return "a device"
    case S_IFSOCK: return "a socket"
    default: return "not a plain file"
    }
}

/// Writes `bytes` to `path` atomically: the data go to a temporary file in the same
/// directory, which is fsync'ed and then renamed over `path` (rename is atomic within a
/// file system), and the directory is fsync'ed so the rename itself survives a crash.
/// Readers see the old contents or the new ones, never a partial file.
///
/// What the user had is kept: a symbolic link is followed and its target replaced (the
/// link stays a link), an existing file's permissions are kept, and a directory or a
/// device at `path` is an error. Temporary files left by an earlier save of the same
/// target that was killed (`.NAME.tmp-XXXXXX`) are removed.
/// Throws `DataError.io` naming `path`; the temporary file is removed on failure.
public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let target = try resolveSymbolicLinks(path)
    var existing = stat()
    let exists = lstat(target, &existing) == 0
    if exists, let kind = nonRegularKind(existing.st_mode) {
        throw DataError.io(file: path, message: "is \(kind); only a regular file can be replaced")
    }
    let directory = parentDirectory(of: target)
    let base = target.split(separator: "/").last.map(String.init) ?? "file"
    removeStaleTemporaryFiles(of: base, in: directory)
    let (fd, tempPath) = try createLockedTemporaryFile(of: base, in: directory, for: path)
    // The lock lives as long as the descriptor: it is closed only after the rename, so no
    // other writer's clean-up can take this file away in between.
    defer { close(fd) }
    var committed = false
    defer { if !committed { unlink(tempPath) } }
    do {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DataError.io(file: path, message: "write failed: \(errnoMessage())")
            }
            offset += n
        }
        if exists {
            // Keep the replaced file's permissions (and owner, where allowed).
            fchmod(fd, existing.st_mode & 0o7777)
            _ = fchown(fd, existing.st_uid, existing.st_gid)
        } else {
            // mkstemp creates 0600; give the file the usual permissions (subject to umask).
            let mask = umask(0); umask(mask)
            fchmod(fd, 0o666 & ~mask)
        }
        guard fsync(fd) == 0 else { throw DataError.io(file: path, message: "fsync failed: \(errnoMessage())") }
    }
    guard rename(tempPath, target) == 0 else {
        throw DataError.io(file: path, message: "cannot rename temporary file into place: \(errnoMessage())")
    }
    committed = true
    let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dfd >= 0 { _ = fsync(dfd); close(dfd) }   // best effort: some file systems refuse
}

/// The path a write to `path` should replace: `path` itself, or the final target of the
/// symbolic links it names (relative targets resolve against the link's directory).
func resolveSymbolicLinks(_ path: String) throws -> String {
    var current = path
    for _ in 0..<40 {
        var st = stat()
        guard lstat(current, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK else { return current }
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = readlink(current, &buffer, 4096)
        guard n > 0 else { throw DataError.io(file: path, message: "cannot read the symbolic link: \(errnoMessage())") }
        let link = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        current = link.hasPrefix("/") ? link : parentDirectory(of: current) + "/" + link
    }
    throw DataError.io(file: path, message: "too many levels of symbolic links")
}

/// Creates `.BASE.tmp-XXXXXX` in `directory` and holds an exclusive advisory lock (flock)
/// on it until its descriptor is closed: the proof that its writer is alive. A concurrent
/// clean-up may have removed the file between its creation and the lock (it was unlocked
/// then); the name is then checked to still be this file, and a fresh one is made if not.
func createLockedTemporaryFile(of base: String, in directory: String, for path: String) throws -> (fd: Int32, path: String) {
    while true {
        var template = Array("\(directory)/.\(base).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw DataError.io(file: path, message: "cannot create a temporary file in \(directory): \(errnoMessage())")
        }
        let tempPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let message = errnoMessage()
                close(fd); unlink(tempPath)
                throw DataError.io(file: path, message: "cannot lock the temporary file \(tempPath): \(message)")
            }
        }
        var opened = stat(), named = stat()
        if fstat(fd, &opened) == 0, lstat(tempPath, &named) == 0, opened.st_ino == named.st_ino, opened.st_dev == named.st_dev {
            return (fd, tempPath)
        }
        close(fd)   // removed as stale before it was locked: make another
    }
}

/// Removes `.BASE.tmp-XXXXXX` files in `directory` whose writer is gone: what a save of
/// BASE killed between creating its temporary file and renaming it leaves behind. A file is
/// stale only when its advisory lock can be taken (the kernel releases a dead writer's
/// lock); a live writer's file, locked, is left alone, so concurrent saves of one file both
/// succeed (the last rename wins, the file always whole).
func removeStaleTemporaryFiles(of base: String, in directory: String) {
    guard let dir = opendir(directory) else { return }
    defer { closedir(dir) }
    let prefix = ".\(base).tmp-"
    var stale: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name.hasPrefix(prefix), name.utf8.count == prefix.utf8.count + 6 { stale.append(name) }
    }
    for name in stale {
        let candidate = "\(directory)/\(name)"
        let fd = open(candidate, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { continue }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { unlink(candidate) }   // unlinked while locked: its writer sees it gone
        close(fd)
    }
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
