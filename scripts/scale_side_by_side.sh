#!/usr/bin/env bash
# Data-parallel speed-up, measured side by side: for ROUNDS rounds, each workload with
# 1 rank × 1 thread and with 2 ranks × 1 thread (interleaved, one fresh job each), then
# the median training time per configuration, the speed-up, the all-reduce's share, and
# rank 0's CPU time outside the all-reduce (its own work, which wall time on a busy
# machine hides).
#   scripts/scale_side_by_side.sh [ROUNDS]        (after `make build`)
set -euo pipefail
rounds=${1:-3}
netl=${NETL:-.build/release/netl}
mpirun=(mpirun --oversubscribe)
[ "$(id -u)" = 0 ] && mpirun+=(--allow-run-as-root)
export OPENBLAS_NUM_THREADS=1
workloads=("examples/scale/iresnet_digits.net --set epochs=3" "examples/scale/isotopenet.net --set epochs=1")
out=$(mktemp)
for r in $(seq "$rounds"); do
  for w in "${workloads[@]}"; do
    for n in 1 2; do
      # shellcheck disable=SC2086
      text=$("${mpirun[@]}" -np "$n" "$netl" run $w 2>/dev/null)
      seconds=$(sed -n 's/.* in \([0-9.]*\) s; mean loss.*/\1/p' <<<"$text")
      share=$(sed -n 's/.*took \([0-9.]*\)% of the training time.*/\1/p' <<<"$text")
      cpu=$(sed -n 's/.*computed for \([0-9.]*\) s of CPU time.*/\1/p' <<<"$text")
      echo "$r ${w%% *} $n $seconds ${share:-0} $(cut -d' ' -f1 /proc/loadavg) ${cpu:-0}" | tee -a "$out"
    done
  done
done
python3 - "$out" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
for w in dict.fromkeys(r[1] for r in rows):
    t = {n: statistics.median(float(r[3]) for r in rows if r[1] == w and r[2] == n) for n in ("1", "2")}
    share = statistics.median(float(r[4]) for r in rows if r[1] == w and r[2] == "2")
    load = statistics.median(float(r[5]) for r in rows if r[1] == w)
    cpu = {n: statistics.median(float(r[6]) for r in rows if r[1] == w and r[2] == n) for n in ("1", "2")}
    print(f"{w}: 1 rank {t['1']:.2f} s, 2 ranks {t['2']:.2f} s, speed-up {t['1'] / t['2']:.2f}x; "
          f"all-reduce {share:.1f}% of the 2-rank time; compute part {t['2'] * (1 - share / 100):.2f} s "
          f"(speed-up without the all-reduce {t['1'] / (t['2'] * (1 - share / 100)):.2f}x); "
          f"CPU time of rank 0 outside the all-reduce {cpu['1']:.2f} s vs {cpu['2']:.2f} s ({cpu['1'] / max(cpu['2'], 1e-9):.2f}x); load average {load:.1f}")
PY
rm -f "$out"
