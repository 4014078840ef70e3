#!/usr/bin/env python3
"""Ratio table of NetLang against the reference frameworks.

Reads JSON lines as printed by `netl bench` and ../shared/bench/reference.py (one
object per workload, framework and round; other lines are ignored), takes for each
(workload, framework) the median of "ms" over rounds, and prints

    workload | netlang | torch | torch-tuned | jax | numpy | best peer | netlang/best
             | per-round ratios | ratio spread | netlang spread | peer spread
             | roofline | at goal | netlang MB | lowest peer MB | rounds

(ms per step; MB: peak resident set size, where the lines carry `peak_rss_mb`). A ratio
below 1 means NetLang is faster. The best peer is the one with the lowest median; the
per-round ratios divide NetLang's time by that peer's in the same round (rounds are
interleaved, so a slow phase of the machine hits both), and netlang/best is their
median. Spreads are (max - min) / median over the rounds, in %: of the ratios, of
NetLang's times and of the best peer's own times. "roofline" is the median share of the
roofline bound NetLang's step reaches (`netl bench --roofline` lines carry
`roofline_fraction`: products at OpenBLAS's sgemm rate on the step's own shapes),
"strict" the share of the bound with every product at the 1024^3 sgemm peak
(`peak_bound_fraction`); "at goal" (issue 27) = ratio <= 0.80 or roofline >= 85 %
(gemm: ratio <= 1/0.95, at least 0.95x the best peer's speed).
Only the standard library is used.

    python3 scripts/bench_compare.py bench-results/reference-*.jsonl bench-results/netlang-*.jsonl
"""

import argparse
import json
import statistics
import sys
from collections import defaultdict

WORKLOAD_ORDER = ["gemm", "mlp", "iresnet_toy", "iresnet_inverse", "isotopenet", "conv_iresnet", "tiny_ops",
                  "loop_grad", "glow_mnist", "iresnet_flow_mnist", "mnist_iresnet", "mnist_iresnet_inverse"]
PEERS = ["torch", "torch-tuned", "jax", "jax_jit", "numpy"]


GOAL_RATIO = 0.80       # issue 27: NetLang at most 0.80x the best peer's median ...
GOAL_ROOFLINE = 0.85    # ... or at >= 85 % of the roofline bound
# ... except gemm, a single OpenBLAS-class product: at least 0.95x the best peer's speed.
GOAL_RATIO_BY_WORKLOAD = {"gemm": 1 / 0.95}


def read_lines(paths):
    """(workload, framework) -> {"ms": [...], "rss": [...], "round": [...], "roofline": [...],
    "peak": [...]}, one entry per round.

    A peer's line that carries "glibc_tunables" (reference.py --malloc-tuned, or
    bench_side_by_side.py) counts as the framework "<name>-tuned"."""
    times = defaultdict(lambda: {"ms": [], "rss": [], "round": [], "roofline": [], "peak": []})
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
                entry["round"].append(line.get("round"))
                if isinstance(line.get("roofline_fraction"), (int, float)):
                    entry["roofline"].append(float(line["roofline_fraction"]))
                if isinstance(line.get("peak_bound_fraction"), (int, float)):
                    entry["peak"].append(float(line["peak_bound_fraction"]))
                if isinstance(line.get("peak_rss_mb"), (int, float)):
                    entry["rss"].append(float(line["peak_rss_mb"]))
    return times


def median(values):
    return statistics.median(values) if values else None


def fmt_ms(value):
    if value is None:
        return "–"
    return ("%.3g" % value) if value < 100 else ("%.0f" % value)


def spread(values):
    """(max - min) / median in %, or None for fewer than two values."""
    if len(values) < 2 or not median(values):
        return None
    return 100 * (max(values) - min(values)) / median(values)


def fmt_pct(value):
    return "–" if value is None else "%.0f%%" % value


def round_ratios(net, peer):
    """NetLang's time over the peer's, per round both ran (lines without a round pair up in order)."""
    if all(r is not None for r in net["round"] + peer["round"]):
        by_round = dict(zip(peer["round"], peer["ms"]))
        return [ms / by_round[r] for ms, r in zip(net["ms"], net["round"]) if r in by_round]
    return [a / b for a, b in zip(net["ms"], peer["ms"])]


def at_goal(ratio, roofline, workload=None):
    """Issue 27's criterion: which one holds ("ratio", "roofline"), or "no"."""
    met = []
    if ratio is not None and ratio <= GOAL_RATIO_BY_WORKLOAD.get(workload, GOAL_RATIO):
        met.append("ratio")
    if roofline is not None and roofline >= GOAL_ROOFLINE:
        met.append("roofline")
    return "yes (" + ", ".join(met) + ")" if met else ("no" if ratio is not None or roofline is not None else "–")


def table(times):
    workloads = [w for w in WORKLOAD_ORDER if any(wl == w for wl, _ in times)]
    workloads += sorted({w for w, _ in times} - set(workloads))
    peers = [f for f in PEERS if any(fw == f for _, fw in times)]
    peers += sorted({fw for _, fw in times} - set(peers) - {"netlang"})
    header = ["workload", "netlang"] + peers + ["best peer", "netlang/best", "per-round ratios", "ratio spread",
                                                "netlang spread", "peer spread", "roofline", "strict", "at goal",
                                                "netlang MB", "lowest peer MB", "rounds"]
    rows = []
    for w in workloads:
        net_entry = times.get((w, "netlang"), {"ms": [], "rss": [], "round": [], "roofline": [], "peak": []})
        net = median(net_entry["ms"])
        peer_ms = {f: median(times[(w, f)]["ms"]) for f in peers if (w, f) in times}
        best = min(peer_ms, key=peer_ms.get) if peer_ms else None
        ratios = round_ratios(net_entry, times[(w, best)]) if best and net else []
        ratio = median(ratios)
        roofline = median(net_entry["roofline"])
        net_rss = median(net_entry["rss"])
        peer_rss = {f: median(times[(w, f)]["rss"]) for f in peers if (w, f) in times and times[(w, f)]["rss"]}
        low = min(peer_rss, key=peer_rss.get) if peer_rss else None
        rounds = max((len(times[(w, f)]["ms"]) for f in peers + ["netlang"] if (w, f) in times), default=0)
        rows.append([w, fmt_ms(net)] + [fmt_ms(peer_ms.get(f)) for f in peers]
                    + [best or "–", "%.2f" % ratio if ratio is not None else "–",
                       " ".join("%.2f" % r for r in ratios) or "–", fmt_pct(spread(ratios)),
                       fmt_pct(spread(net_entry["ms"])), fmt_pct(spread(times[(w, best)]["ms"]) if best else None),
                       "%.0f%%" % (100 * roofline) if roofline is not None else "–",
                       "%.0f%%" % (100 * median(net_entry["peak"])) if net_entry["peak"] else "–", at_goal(ratio, roofline, w),
                       "%.0f" % net_rss if net_rss else "–",
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
    print("Median ms per step over rounds (tiny_ops: per 10,000 repetitions); ratio < 1: NetLang faster; "
          "per-round ratios against the best peer (lowest median); spreads (max - min) / median; "
          "roofline: median share of the bound NetLang reaches; at goal: ratio <= %.2f (gemm: <= 1/0.95) or roofline >= %.0f%%; "
          "MB: median peak RSS." % (GOAL_RATIO, 100 * GOAL_ROOFLINE))
    print(table(times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
