import Foundation
import XCTest

/// A real LSP client: headless Neovim (Debian's `neovim`, 0.7) with the runtime files of
/// editors/vim (ftdetect, syntax, and the ftplugin that starts `netl lsp` through
/// `vim.lsp.start_client`/`buf_attach_client`) opens a copy of
/// examples/ch4/iresnet_digits.net with a misspelt layer; the test reads the diagnostics
/// Neovim received, as `vim.diagnostic.get()` reports them.
final class NeovimClientTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The init file: the repository's editors/vim first on the runtime path, netl from the
    /// build; once the buffer has diagnostics (or after 60 s), they and a hover's text are
    /// written as JSON and Neovim quits (stopping the server).
    static func initFile(editors: String, netl: String, output: String, hover: (line: Int, character: Int)) -> String {
        """
        vim.opt.runtimepath:prepend("\(editors)")
        vim.g.netlang_lsp_cmd = { "\(netl)", "lsp" }
        vim.cmd("filetype plugin on")
        vim.cmd("syntax on")
        vim.api.nvim_create_autocmd("VimEnter", { callback = function()
          vim.wait(60000, function() return #vim.diagnostic.get(0) > 0 end, 50)
          local result = { filetype = vim.bo.filetype, syntax = vim.b.current_syntax or "",
                           clients = #vim.lsp.get_active_clients(), diagnostics = {} }
          for _, d in ipairs(vim.diagnostic.get(0)) do
            table.insert(result.diagnostics, { lnum = d.lnum, col = d.col, end_col = d.end_col,
                                               severity = d.severity, message = d.message, source = d.source or "" })
          end
          -- Hover over the layer at the 'hover' mark (line, column from 0), through the same client.
          local params = { textDocument = vim.lsp.util.make_text_document_params(0), position = { line = \(hover.line), character = \(hover.character) } }
          local replies = vim.lsp.buf_request_sync(0, "textDocument/hover", params, 10000) or {}
          for _, reply in pairs(replies) do
            if reply.result then result.hover = reply.result.contents.value end
          end
          local file = io.open("\(output)", "w")
          file:write(vim.fn.json_encode(result))
          file:close()
          vim.cmd("qa!")
        end })
        """
    }

    func testNeovimShowsTheMisspeltLayer() throws {
        try requireNetl()
        guard let nvim = ["/usr/bin/nvim", "/usr/local/bin/nvim"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("nvim is not installed (apt-get install neovim; `make deps` installs it): the real-client test is skipped")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netl-nvim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        let example = try String(contentsOf: Self.root.appendingPathComponent("examples/ch4/iresnet_digits.net"), encoding: .utf8)
        let correct = "residual lipschitz(c: c, tolerance: 1e-3) { conv2d(width, kernel: 3) elu conv2d(4, kernel: 3) }"
        XCTAssertTrue(example.contains(correct), "the example changed: pick another line to misspell")
        let misspeltLine = correct.replacingOccurrences(of: "{ conv2d(width", with: "{ conv2dd(width")
        let script = example.replacingOccurrences(of: correct, with: misspeltLine)
        let file = folder.appendingPathComponent("iresnet_digits.net")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let output = folder.appendingPathComponent("diagnostics.json")
        let initLua = folder.appendingPathComponent("test_init.lua")
        let layer = lspLocation(of: "pad_channels(3)", in: script, offset: 2)
        try Self.initFile(editors: Self.root.appendingPathComponent("editors/vim").path, netl: netl.path, output: output.path, hover: layer)
            .write(to: initLua, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: nvim)
        process.arguments = ["--headless", "-n", "-i", "NONE", "-u", initLua.path, file.path]
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CONFIG_HOME"] = folder.path   // no user configuration
        environment["XDG_DATA_HOME"] = folder.path
        environment["XDG_STATE_HOME"] = folder.path
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        DispatchQueue.global().asyncAfter(deadline: .now() + 120) { if process.isRunning { process.terminate() } }
        process.waitUntilExit()

        let data = try Data(contentsOf: output)
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(result["filetype"] as? String, "netlang")
        XCTAssertEqual(result["syntax"] as? String, "netlang")
        XCTAssertEqual(result["clients"] as? Int, 1)
        let diagnostics = try XCTUnwrap(result["diagnostics"] as? [[String: Any]])
        XCTAssertEqual(diagnostics.count, 1, "\(diagnostics)")
        let misspelt = lspLocation(of: "conv2dd", in: script)
        let d = try XCTUnwrap(diagnostics.first)
        XCTAssertEqual(d["lnum"] as? Int, misspelt.line)
        XCTAssertEqual(d["col"] as? Int, misspelt.character)
        XCTAssertEqual(d["end_col"] as? Int, misspelt.character + "conv2dd".count)
        XCTAssertEqual(d["severity"] as? Int, 1)   // vim.diagnostic.severity.ERROR
        XCTAssertEqual(d["source"] as? String, "netl")
        XCTAssertEqual(d["message"] as? String, "unknown layer 'conv2dd'; did you mean 'conv2d'?")
        let hover = try XCTUnwrap(result["hover"] as? String, "no hover reply")
        XCTAssertTrue(hover.contains("layer pad_channels(channels)"), hover)
    }
}
