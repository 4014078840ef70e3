#!/usr/bin/env python3
"""Ratio table of NetLang against the reference frameworks.

Reads JSON lines as printed by `netl bench` and ../shared/bench/reference.py (one
object per workload, framework and round; other lines are ignored), takes for each
(workload, framework) the median of "ms" over rounds, and prints

    workload | netlang | torch | torch-tuned | jax | numpy | best peer | netlang/best
             | netlang MB | lowest peer MB | rounds

(ms per step; MB: peak resident set size, where the lines carry `peak_rss_mb`). A ratio
below 1 means NetLang is faster. Only the standard library is used.

    python3 scripts/bench_compare.py bench-results/reference-*.jsonl bench-results/netlang-*.jsonl
"""

import argparse
import json
import statistics
import sys
from collections import defaultdict

WORKLOAD_ORDER = ["gemm", "mlp", "iresnet_toy", "iresnet_inverse",
                  "isotopenet", "conv_iresnet", "tiny_ops", "loop_grad", "glow_mnist", "iresnet_flow_mnist"]
PEERS = ["torch", "torch-tuned", "jax", "jax_jit", "numpy"]


def read_lines(paths):
    """(workload, framework) -> {"ms": [...], "rss": [...]}, one entry per round.

    A peer's line that carries "glibc_tunables" (reference.py --malloc-tuned, or
    bench_side_by_side.py) counts as the framework "<name>-tuned"."""
    times = defaultdict(lambda: {"ms": [], "rss": []})
    for path in paths:
        with (sys.stdin if path == "-" else open(path)) as f:
            for raw in f:
                raw = raw.strip()
                if not raw.startswith("{"):
                    continue
                try:
                    line = json.loads(raw)
                except json.JSONDecodeError:
                    continue
                wl, fw, ms = line.get("workload"), line.get("framework"), line.get("ms")
                if wl is None or fw is None or not isinstance(ms, (int, float)):
                    continue
                if line.get("glibc_tunables"):
                    fw += "-tuned"
                entry = times[(wl, fw)]
                entry["ms"].append(float(ms))
                if isinstance(line.get("peak_rss_mb"), (int, float)):
                    entry["rss"].append(float(line["peak_rss_mb"]))
    return times


def median(values):
    return statistics.median(values) if values else None


def fmt_ms(value):
    if value is None:
        return "–"
    return ("%.3g" % value) if value < 100 else ("%.0f" % value)


def table(times):
    workloads = [w for w in WORKLOAD_ORDER if any(wl == w for wl, _ in times)]
    workloads += sorted({w for w, _ in times} - set(workloads))
    peers = [f for f in PEERS if any(fw == f for _, fw in times)]
    peers += sorted({fw for _, fw in times} - set(peers) - {"netlang"})
    header = ["workload", "netlang"] + peers + ["best peer", "netlang/best",
                                                "netlang MB", "lowest peer MB", "rounds"]
    rows = []
    for w in workloads:
        net = median(times.get((w, "netlang"), {}).get("ms", []))
        peer_ms = {f: median(times[(w, f)]["ms"]) for f in peers if (w, f) in times}
        best = min(peer_ms, key=peer_ms.get) if peer_ms else None
        ratio = "%.2f" % (net / peer_ms[best]) if best and net else "–"
        net_rss = median(times.get((w, "netlang"), {}).get("rss", []))
        peer_rss = {f: median(times[(w, f)]["rss"]) for f in peers if (w, f) in times and times[(w, f)]["rss"]}
        low = min(peer_rss, key=peer_rss.get) if peer_rss else None
        rounds = max((len(times[(w, f)]["ms"]) for f in peers + ["netlang"] if (w, f) in times), default=0)
        rows.append([w, fmt_ms(net)] + [fmt_ms(peer_ms.get(f)) for f in peers]
                    + [best or "–", ratio, "%.0f" % net_rss if net_rss else "–",
                       ("%.0f (%s)" % (peer_rss[low], low)) if low else "–", str(rounds)])
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    out = []

    def line(cells):
        return "| " + " | ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i])
                                 for i, c in enumerate(cells)) + " |"
    out.append(line(header))
    out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    out.extend(line(r) for r in rows)
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", help="JSON-lines files ('-' for standard input)")
    args = ap.parse_args(argv)
    times = read_lines(args.files)
    if not times:
        print("bench_compare: no benchmark lines found in %s" % ", ".join(args.files),
              file=sys.stderr)
        return 1
    print("Median ms per step over rounds (tiny_ops: per 10,000 repetitions); "
          "ratio < 1: NetLang faster; MB: median peak RSS.")
    print(table(times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
