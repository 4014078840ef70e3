// NetLang for VS Code: starts `netl lsp` and connects it to the editor through VS Code's
// own API (a small JSON-RPC client over the process's pipes), so the extension needs no
// npm packages and no build step: "Install from location" on this folder is enough.
"use strict";
const vscode = require("vscode");
const { spawn } = require("child_process");

class NetlServer {
  constructor(command, timeBudget, output) {
    this.output = output;
    this.pending = new Map();
    this.nextId = 1;
    this.buffer = Buffer.alloc(0);
    this.diagnostics = vscode.languages.createDiagnosticCollection("netl");
    this.process = spawn(command, ["lsp", "--time-budget", String(timeBudget)], { stdio: ["pipe", "pipe", "pipe"] });
    this.process.on("error", (e) => vscode.window.showWarningMessage(`NetLang: cannot start '${command} lsp' (${e.message}); set netlang.server.path`));
    this.process.stderr.on("data", (d) => output.append(d.toString()));
    this.process.stdout.on("data", (d) => this.receive(d));
    this.process.on("exit", (code) => {
      output.appendLine(`netl lsp exited (${code})`);
      for (const { reject } of this.pending.values()) reject(new Error("netl lsp exited"));
      this.pending.clear();
    });
  }

  write(message) {
    const body = Buffer.from(JSON.stringify(Object.assign({ jsonrpc: "2.0" }, message)), "utf8");
    this.process.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.process.stdin.write(body);
  }

  request(method, params) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.write({ id, method, params });
    });
  }

  notify(method, params) { this.write({ method, params }); }

  // Content-Length framing: headers, a blank line, then the JSON body.
  receive(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const match = /Content-Length:\s*(\d+)/i.exec(this.buffer.slice(0, end).toString());
      if (!match) { this.buffer = this.buffer.slice(end + 4); continue; }
      const length = Number(match[1]);
      if (this.buffer.length < end + 4 + length) return;
      const message = JSON.parse(this.buffer.slice(end + 4, end + 4 + length).toString("utf8"));
      this.buffer = this.buffer.slice(end + 4 + length);
      this.dispatch(message);
    }
  }

  dispatch(message) {
    if (message.id !== undefined && this.pending.has(message.id)) {
      const { resolve, reject } = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) reject(new Error(message.error.message)); else resolve(message.result);
    } else if (message.method === "textDocument/publishDiagnostics") {
      const uri = vscode.Uri.parse(message.params.uri);
      this.diagnostics.set(uri, message.params.diagnostics.map(toDiagnostic));
    }
  }

  stop() {
    this.diagnostics.dispose();
    return this.request("shutdown", null).then(() => this.notify("exit", null)).catch(() => this.process.kill());
  }
}

const toPosition = (p) => new vscode.Position(p.line, p.character);
const toRange = (r) => new vscode.Range(toPosition(r.start), toPosition(r.end));
const toLocation = (l) => new vscode.Location(vscode.Uri.parse(l.uri), toRange(l.range));

function toDiagnostic(d) {
  const severity = [null, vscode.DiagnosticSeverity.Error, vscode.DiagnosticSeverity.Warning,
    vscode.DiagnosticSeverity.Information, vscode.DiagnosticSeverity.Hint][d.severity] ?? vscode.DiagnosticSeverity.Error;
  const diagnostic = new vscode.Diagnostic(toRange(d.range), d.message, severity);
  diagnostic.source = d.source;
  diagnostic.relatedInformation = (d.relatedInformation || []).map((r) => new vscode.DiagnosticRelatedInformation(toLocation(r.location), r.message));
  return diagnostic;
}

function toSymbol(s) {
  const symbol = new vscode.DocumentSymbol(s.name, s.detail || "", s.kind - 1, toRange(s.range), toRange(s.selectionRange));
  symbol.children = (s.children || []).map(toSymbol);
  return symbol;
}

let server;

function activate(context) {
  const settings = vscode.workspace.getConfiguration("netlang");
  const output = vscode.window.createOutputChannel("NetLang");
  server = new NetlServer(settings.get("server.path", "netl"), settings.get("server.timeBudget", 5), output);
  const ready = server.request("initialize", { processId: process.pid, rootUri: null, capabilities: {} })
    .then(() => server.notify("initialized", {}));
  const isNetLang = (document) => document.languageId === "netlang";
  const at = (document, position) => ({ textDocument: { uri: document.uri.toString() }, position: { line: position.line, character: position.character } });
  const open = (document) => {
    if (!isNetLang(document)) return;
    ready.then(() => server.notify("textDocument/didOpen", { textDocument: { uri: document.uri.toString(), languageId: "netlang", version: document.version, text: document.getText() } }));
  };
  vscode.workspace.textDocuments.forEach(open);
  const selector = { language: "netlang" };
  context.subscriptions.push(
    output,
    vscode.workspace.onDidOpenTextDocument(open),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (!isNetLang(e.document)) return;
      ready.then(() => server.notify("textDocument/didChange", { textDocument: { uri: e.document.uri.toString(), version: e.document.version }, contentChanges: [{ text: e.document.getText() }] }));
    }),
    vscode.workspace.onDidCloseTextDocument((document) => {
      if (isNetLang(document)) ready.then(() => server.notify("textDocument/didClose", { textDocument: { uri: document.uri.toString() } }));
    }),
    vscode.languages.registerHoverProvider(selector, {
      provideHover: (document, position) => server.request("textDocument/hover", at(document, position)).then((h) =>
        h && new vscode.Hover(new vscode.MarkdownString(h.contents.value), h.range && toRange(h.range))),
    }),
    vscode.languages.registerCompletionItemProvider(selector, {
      provideCompletionItems: (document, position) => server.request("textDocument/completion", at(document, position)).then((list) =>
        list.items.map((i) => Object.assign(new vscode.CompletionItem(i.label, i.kind - 1), { detail: i.detail }))),
    }, ".", "(", ","),
    vscode.languages.registerDefinitionProvider(selector, {
      provideDefinition: (document, position) => server.request("textDocument/definition", at(document, position)).then((l) => l && toLocation(l)),
    }),
    vscode.languages.registerDocumentSymbolProvider(selector, {
      provideDocumentSymbols: (document) => server.request("textDocument/documentSymbol", { textDocument: { uri: document.uri.toString() } }).then((s) => s.map(toSymbol)),
    }),
  );
}

function deactivate() { return server && server.stop(); }

module.exports = { activate, deactivate };
