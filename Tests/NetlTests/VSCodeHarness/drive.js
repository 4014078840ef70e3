// Runs editors/vscode/extension.js against the stand-in API (node_modules/vscode) and a
// real `netl lsp`: opens SCRIPT, waits for its diagnostics, asks for a hover, completion
// and the outline at the first HOVER, deactivates, and prints what the editor got as JSON.
// Driven by VSCodeExtensionTests.swift.
const vscode = require("vscode");
const extension = require(process.env.EXTENSION);
const fs = require("fs");
const text = fs.readFileSync(process.env.SCRIPT, "utf8");
const uri = "file://" + process.env.SCRIPT;
const document = { uri: vscode.Uri.parse(uri), languageId: "netlang", version: 1, getText: () => text };
const wait = (f) => new Promise((resolve, reject) => {
  const start = Date.now();
  const poll = () => (f() ? resolve() : Date.now() - start > 60000 ? reject(new Error("timeout")) : setTimeout(poll, 20));
  poll();
});
(async () => {
  extension.activate({ subscriptions: [] });
  vscode.recorded.listeners.open(document);
  await wait(() => vscode.recorded.diagnostics.has(uri));
  const lines = text.split("\n");
  const line = lines.findIndex((l) => l.includes(process.env.HOVER));
  const at = new vscode.Position(line, lines[line].indexOf(process.env.HOVER) + 1);
  const hover = await vscode.recorded.providers.hover.provideHover(document, at);
  const completion = await vscode.recorded.providers.completion.provideCompletionItems(document, at);
  const symbols = await vscode.recorded.providers.symbols.provideDocumentSymbols(document);
  const result = {
    diagnostics: vscode.recorded.diagnostics.get(uri).map((d) => ({ line: d.range.start.line, character: d.range.start.character, message: d.message, severity: d.severity })),
    hover: hover && hover.contents.value,
    completions: completion.length,
    symbols: symbols.map((s) => s.name),
  };
  await extension.deactivate();
  console.log(JSON.stringify(result));
})().catch((e) => { console.error(e); process.exit(1); });
