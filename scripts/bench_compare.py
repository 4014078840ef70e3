#!/usr/bin/env python3
"""Ratio table of NetLang against the reference frameworks.

Reads JSON lines as printed by `netl bench` and ../shared/bench/reference.py (one
object per workload, framework and round; other lines are ignored), takes for each
(workload, framework) the median of "ms" over rounds, and prints

    workload | netlang ms | torch ms | jax ms | numpy ms | netlang/torch | netlang/jax

A ratio below 1 means NetLang is faster. Only the standard library is used.

    python3 scripts/bench_compare.py bench-results/reference-*.jsonl bench-results/netlang-*.jsonl
"""

import argparse
import json
import statistics
import sys
from collections import defaultdict

WORKLOAD_ORDER = ["gemm", "mlp", "iresnet_toy", "iresnet_inverse",
                  "isotopenet", "conv_iresnet", "tiny_ops"]
FRAMEWORKS = ["netlang", "torch", "jax", "numpy"]


def read_lines(paths):
    """(workload, framework) -> list of ms, one per round; also the rounds seen."""
    times = defaultdict(list)
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
                times[(wl, fw)].append(float(ms))
    return times


def fmt_ms(values):
    if not values:
        return "–"
    m = statistics.median(values)
    return ("%.3g" % m) if m < 100 else ("%.0f" % m)


def fmt_ratio(a, b):
    if not a or not b:
        return "–"
    return "%.2f" % (statistics.median(a) / statistics.median(b))


def table(times):
    workloads = [w for w in WORKLOAD_ORDER if any((w, f) in times for f in FRAMEWORKS)]
    workloads += sorted({w for w, _ in times} - set(workloads))
    header = ["workload", "netlang ms", "torch ms", "jax ms", "numpy ms",
              "netlang/torch", "netlang/jax", "rounds"]
    rows = []
    for w in workloads:
        net = times.get((w, "netlang"), [])
        rounds = max((len(times.get((w, f), [])) for f in FRAMEWORKS), default=0)
        rows.append([w, fmt_ms(net), fmt_ms(times.get((w, "torch"))),
                     fmt_ms(times.get((w, "jax"))), fmt_ms(times.get((w, "numpy"))),
                     fmt_ratio(net, times.get((w, "torch"))),
                     fmt_ratio(net, times.get((w, "jax"))), str(rounds)])
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
          "ratio < 1: NetLang faster.")
    print(table(times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
