"""A minimal LSP client over a `netl lsp` process, for the scripts (lsp_latency.py,
editor_screenshots.py): framed JSON-RPC on the process's pipes."""
import json
import re
import subprocess


class LSPClient:
    def __init__(self, netl, *options):
        self.process = subprocess.Popen([str(netl), "lsp", *options], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 1

    def send(self, message):
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def receive(self):
        header = b""
        while not header.endswith(b"\r\n\r\n"):
            byte = self.process.stdout.read(1)
            if not byte:
                raise EOFError("netl lsp closed its output")
            header += byte
        length = int(re.search(rb"Content-Length:\s*(\d+)", header).group(1))
        return json.loads(self.process.stdout.read(length))

    def request(self, method, params=None):
        """Sends a request and returns its result (notifications before it are dropped)."""
        id = self.next_id
        self.next_id += 1
        self.send({"id": id, "method": method, "params": params})
        while True:
            message = self.receive()
            if message.get("id") == id:
                return message.get("result")

    def notify(self, method, params):
        self.send({"method": method, "params": params})

    def initialize(self):
        self.request("initialize", {"capabilities": {}})
        self.notify("initialized", {})

    def open(self, uri, text):
        """didOpen, then the diagnostics published for it."""
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "netlang", "version": 1, "text": text}})
        return self.next_diagnostics()

    def change(self, uri, version, text):
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]})
        return self.next_diagnostics()

    def next_diagnostics(self):
        while True:
            message = self.receive()
            if message.get("method") == "textDocument/publishDiagnostics":
                return message["params"]["diagnostics"]

    def close(self):
        self.request("shutdown")
        self.notify("exit", None)
        return self.process.wait()
