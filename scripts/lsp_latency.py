#!/usr/bin/env python3
"""How long `netl lsp` takes from opening a script to publishing its diagnostics.

    python3 scripts/lsp_latency.py [--netl .build/release/netl] [--rounds 3] FILE.net …

For each file: one server, `initialize`, then `didOpen` and `rounds` × `didChange` with the
same text; prints the median seconds to each publishDiagnostics and the diagnostics' count.
"""
import argparse
import pathlib
import statistics
import time

from lsp_client import LSPClient


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--netl", default=".build/release/netl")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    for name in args.files:
        path = pathlib.Path(name).resolve()
        client = LSPClient(args.netl, "--time-budget", "60")
        client.initialize()
        text, uri, times, count = path.read_text(), path.as_uri(), [], 0
        for version in range(args.rounds + 1):
            start = time.perf_counter()
            diagnostics = client.open(uri, text) if version == 0 else client.change(uri, version + 1, text)
            times.append(time.perf_counter() - start)
            count = len(diagnostics)
        client.close()
        print(f"{name}: open {times[0]:.2f} s, change (median of {args.rounds}) {statistics.median(times[1:]):.2f} s, {count} diagnostics")


if __name__ == "__main__":
    main()
