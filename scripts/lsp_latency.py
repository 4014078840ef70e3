#!/usr/bin/env python3
"""How long `netl lsp` takes from opening a script to publishing its diagnostics.

    python3 scripts/lsp_latency.py [--netl .build/release/netl] [--rounds 3] FILE.net …

For each file: one server, `initialize`, then `didOpen` and `rounds` × `didChange` with the
same text; prints the median seconds to each publishDiagnostics and the diagnostics' count.
"""
import argparse
import json
import pathlib
import re
import statistics
import subprocess
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--netl", default=".build/release/netl")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    for name in args.files:
        path = pathlib.Path(name).resolve()
        process = subprocess.Popen([args.netl, "lsp", "--time-budget", "60"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

        def send(message):
            body = json.dumps(message).encode()
            process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            process.stdin.flush()

        def receive():
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                header += process.stdout.read(1)
            return json.loads(process.stdout.read(int(re.search(rb"Content-Length:\s*(\d+)", header).group(1))))

        send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})
        receive()
        text, uri, times, count = path.read_text(), path.as_uri(), [], 0
        for version in range(args.rounds + 1):
            start = time.perf_counter()
            if version == 0:
                send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
                    "uri": uri, "languageId": "netlang", "version": 1, "text": text}}})
            else:
                send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                    "textDocument": {"uri": uri, "version": version + 1}, "contentChanges": [{"text": text}]}})
            count = len(receive()["params"]["diagnostics"])
            times.append(time.perf_counter() - start)
        send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        receive()
        send({"jsonrpc": "2.0", "method": "exit"})
        process.wait()
        print(f"{name}: open {times[0]:.2f} s, change (median of {args.rounds}) {statistics.median(times[1:]):.2f} s, {count} diagnostics")


if __name__ == "__main__":
    main()
