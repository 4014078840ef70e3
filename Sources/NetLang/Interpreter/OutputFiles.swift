import Foundation

/// Where the files a script reads and writes are.
///
/// - Writing (pictures, `save … to`, `save_npy`): a relative path goes to the output
///   directory (`netl run --out DIR`, `:out DIR` in the REPL, `Interpreter.outputDirectory`
///   in Swift), or next to the script when there is none. The folders on the way are
///   created, so `--out results/run1` needs no `mkdir`.
/// - Reading (`load … from`, `load_csv`, `load_npy`): a relative path is looked up in the
///   output directory first (so a script, or a later script run with the same `--out`, finds
///   the checkpoints it wrote there), then next to the script (data shipped with it).
///   Imports always resolve next to the importing script.
///
/// So a read-only checkout runs with `--out` somewhere writable, and the test suite runs the
/// examples with a temporary output directory instead of overwriting the pictures a user's
/// own runs left next to them.
extension Interpreter {
    /// The absolute (or working-directory-relative) path a script's relative file name is
    /// written to; creates its folder.
    func outputPath(_ path: String) throws -> String {
        // "" (and "dir/") name no file: an empty name trapped in path handling, and with a
        // fresh --out the checkpoint became the file the folder should have been.
        guard !path.isEmpty, !path.hasSuffix("/") else { throw OutputNameError(path: path) }
        let full = path.hasPrefix("/") ? path : ((outputDirectory ?? baseDirectory) as NSString).appendingPathComponent(path)
        let folder = (full as NSString).deletingLastPathComponent
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw OutputFolderError(folder: folder, reason: error.localizedDescription)
            }
        }
        return full
    }

    /// Creates the output folder (`--out`, `:out`) with the folders on the way, or says why
    /// it cannot be one (a file of that name): before the first statement runs, so a run
    /// never trains for an hour and then fails at its first write.
    public static func prepareOutputDirectory(_ folder: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw OutputFolderError(folder: folder, reason: "it is a file, not a folder") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw OutputFolderError(folder: folder, reason: error.localizedDescription)
        }
    }

    /// Whether a written file's name leaves the output folder (absolute, or climbing out with "..").
    func leavesOutputFolder(_ path: String) -> Bool { path.hasPrefix("/") || path.split(separator: "/").contains("..") }

    /// Says where a file went when it is outside the output folder (an absolute path, or one
    /// climbing out with ".."), so a write there is never silent.
    func announceIfOutsideOutput(_ path: String, written full: String) {
        guard leavesOutputFolder(path) else { return }
        output("wrote \(URL(fileURLWithPath: full).standardizedFileURL.path)")
    }

    /// The path a script's relative file name is read from: the output directory when the
    /// file is there, else the script's folder.
    func resolve(_ path: String) -> String {
        if !path.hasPrefix("/"), let out = outputDirectory {
            let candidate = (out as NSString).appendingPathComponent(path)
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return resolveBesideScript(path)
    }

    /// How "wrote …" messages name a written file: as the script wrote it, prefixed by the
    /// output directory when that is not the script's folder (so the user sees where it went).
    func writtenName(_ path: String) -> String {
        guard !path.hasPrefix("/"), let out = outputDirectory,
              (out as NSString).standardizingPath != (baseDirectory as NSString).standardizingPath else { return path }
        return (out as NSString).appendingPathComponent(path)
    }

    /// A quick run (the examples' convention: `let quick = false` at the top, `--set
    /// quick=true` in the tests): pictures then say so in their title, so a one-epoch
    /// picture is never mistaken for a full run's.
    var isQuickRun: Bool {
        if case .boolean(true)? = globals.lookup("quick") { return true }
        return false
    }

    /// The title a picture carries: the script's title, marked when the run is quick.
    func pictureTitle(_ title: String) -> String {
        guard isQuickRun else { return title }
        return title.isEmpty ? Self.quickRunMark : title + " — " + Self.quickRunMark
    }

    /// The words that mark a quick run's pictures.
    static let quickRunMark = "QUICK RUN, not the full result"
}

/// The output folder (or a folder in a written file's path) cannot be created.
struct OutputFolderError: Error, CustomStringConvertible {
    let folder: String
    let reason: String
    var description: String { "cannot create the folder '\(folder)': \(reason)" }
}

/// A file name that names no file ("" or a folder path ending in "/").
struct OutputNameError: Error, CustomStringConvertible {
    let path: String
    var description: String { path.isEmpty ? "an empty file name names no file" : "'\(path)' names a folder, not a file" }
}
