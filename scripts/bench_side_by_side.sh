#!/bin/sh
# Interleaved side-by-side timing of NetLang and the reference frameworks on a noisy
# machine: for each round and workload, one fresh process each of
#   netl bench, reference.py --framework torch, reference.py --framework jax
# one after another, so a slow phase of the machine hits all of them. Prints the JSON
# lines (tee'd to bench-results/side-<stamp>.jsonl) and then the median table of
# scripts/bench_compare.py.
#
#   scripts/bench_side_by_side.sh [ROUNDS] WORKLOAD...      (default 3 rounds)
# Environment: NETL (default .build/release/netl), PY_REF (default ../.venv-ref/bin/python
# or /work/.venv-ref/bin/python), REFERENCE (default ../shared/bench/reference.py),
# REF_ARGS (extra reference.py options, e.g. --malloc-tuned).
set -e
rounds=3
case "$1" in ''|*[!0-9]*) ;; *) rounds=$1; shift ;; esac
[ $# -gt 0 ] || { echo "usage: $0 [ROUNDS] WORKLOAD..." >&2; exit 2; }
NETL=${NETL:-.build/release/netl}
for p in "$PY_REF" ../.venv-ref/bin/python /work/.venv-ref/bin/python; do
  if [ -n "$p" ] && [ -x "$p" ]; then PY_REF=$p; break; fi
done
REFERENCE=${REFERENCE:-../shared/bench/reference.py}
[ -f "$REFERENCE" ] || REFERENCE=/work/shared/bench/reference.py
mkdir -p bench-results
out=bench-results/side-$(date -u +%Y%m%dT%H%M%S).jsonl
for r in $(seq 1 "$rounds"); do
  for w in "$@"; do
    "$NETL" bench --workload "$w" --round "$r" | tee -a "$out"
    "$PY_REF" "$REFERENCE" --workload "$w" --framework torch $REF_ARGS | grep '^{' | tee -a "$out"
    "$PY_REF" "$REFERENCE" --workload "$w" --framework jax $REF_ARGS | grep '^{' | tee -a "$out"
  done
done
python3 scripts/bench_compare.py "$out"
