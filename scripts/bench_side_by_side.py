#!/usr/bin/env python3
"""NetLang and the reference frameworks side by side, interleaved, on a noisy machine.

For each round and workload, one fresh process each of

    netl bench --workload W
    reference.py --workload W --framework torch                 (plain malloc)
    reference.py --workload W --framework torch  + GLIBC_TUNABLES (malloc-tuned)
    reference.py --workload W --framework jax
    reference.py --workload W --framework numpy                 (gemm, tiny_ops)

For loop_grad (issue 23; not in reference.py) the peers are
scripts/loop_grad_reference.py --framework torch | jax | jax_jit (JAX without and with
jax.jit); for glow_mnist and iresnet_flow_mnist (issue 20) scripts/reference_flows.py
takes the place of reference.py, for mnist_iresnet (issue 21)
scripts/reference_mnist_iresnet.py. mnist_iresnet_inverse (the inverse of 100 images
against 20 forward passes) has no peers. NetLang's training steps run with --roofline,
so their lines carry the share of the roofline bound they reach (issue 27).

one after another, so that a slow phase of the machine hits all of them. Every process's
peak resident set size is read from the kernel when it exits (wait4) and added to its
line as `peak_rss_mb`. The JSON lines go to bench-results/side-<stamp>.jsonl; the table
of scripts/bench_compare.py follows (medians over rounds, per-round ratios NetLang / best
peer with their median and spread, the peers' own spread, and "at goal").

    python3 scripts/bench_side_by_side.py [--rounds 5] [--workload W ...] [--quick]

Environment: NETL (default .build/release/netl), PY_REF (default .venv-ref/bin/python),
REFERENCE (default ../shared/bench/reference.py). Only the standard library is used.
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench_compare  # noqa: E402

WORKLOADS = ["gemm", "mlp", "iresnet_toy", "iresnet_inverse", "isotopenet", "conv_iresnet", "tiny_ops", "loop_grad",
             "glow_mnist", "iresnet_flow_mnist", "mnist_iresnet", "mnist_iresnet_inverse"]
NUMPY_WORKLOADS = {"gemm", "tiny_ops"}
# Workloads whose peers are scripts in this folder rather than reference.py: those that
# take the reference.py command line (--workload W --in-process), and loop_grad's own.
PEER_SCRIPTS = {"glow_mnist": "reference_flows.py", "iresnet_flow_mnist": "reference_flows.py",
                "mnist_iresnet": "reference_mnist_iresnet.py"}
OWN_PEER_SCRIPTS = {"loop_grad": "loop_grad_reference.py"}
PEERS = {"loop_grad": ["torch", "jax", "jax_jit"], "mnist_iresnet_inverse": []}
MALLOC_TUNABLES = "glibc.malloc.mmap_threshold=268435456:glibc.malloc.trim_threshold=1073741824"


def run(cmd, env, extra):
    """Runs cmd; returns its JSON lines with peak_rss_mb (and `extra`) added."""
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        print("# FAILED (exit %d): %s" % (p.returncode, " ".join(cmd)), file=sys.stderr)
    lines = []
    for raw in out.splitlines():
        if not raw.startswith("{"):
            continue
        line = json.loads(raw)
        line.setdefault("peak_rss_mb", usage.ru_maxrss / 1024)   # Linux: kilobytes
        line.update(extra)
        lines.append(line)
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    ap.add_argument("--workload", action="append", choices=WORKLOADS)
    ap.add_argument("--quick", action="store_true", help="about a fifth of the repetitions")
    ap.add_argument("--no-tuned", action="store_true", help="skip the malloc-tuned torch runs")
    args = ap.parse_args(argv)
    root = os.path.dirname(HERE)
    netl = os.environ.get("NETL", os.path.join(root, ".build/release/netl"))
    py_ref = os.environ.get("PY_REF", os.path.join(root, ".venv-ref/bin/python"))
    reference = os.environ.get("REFERENCE", os.path.join(root, "../shared/bench/reference.py"))
    for path, what in [(netl, "netl (make build)"), (py_ref, "the reference venv (make venv-ref)"),
                       (reference, "reference.py (set REFERENCE=...)")]:
        if not os.path.exists(path):
            print("error: %s not found: %s" % (what, path), file=sys.stderr)
            return 1
    # REFERENCE also tells scripts/reference_flows.py where the helpers it imports are.
    env = dict(os.environ, REFERENCE_THREADS="2", OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="2", REFERENCE=reference)
    env.pop("GLIBC_TUNABLES", None)
    tuned = dict(env, GLIBC_TUNABLES=MALLOC_TUNABLES)
    quick = ["--quick"] if args.quick else []
    os.makedirs(os.path.join(root, "bench-results"), exist_ok=True)
    out_path = os.path.join(root, "bench-results", "side-%s.jsonl" % time.strftime("%Y%m%dT%H%M%S", time.gmtime()))
    started = time.time()
    with open(out_path, "w") as out:
        for rnd in range(1, args.rounds + 1):
            for w in args.workload or WORKLOADS:
                runs = [([netl, "bench", "--workload", w, "--roofline"] + quick, env, {})]
                for fw in PEERS.get(w, ["torch", "jax"] + (["numpy"] if w in NUMPY_WORKLOADS else [])):
                    if w in OWN_PEER_SCRIPTS:
                        cmd = [py_ref, os.path.join(HERE, OWN_PEER_SCRIPTS[w]), "--framework", fw] + quick
                    else:
                        script = os.path.join(HERE, PEER_SCRIPTS[w]) if w in PEER_SCRIPTS else reference
                        cmd = [py_ref, script, "--workload", w, "--framework", fw, "--in-process"] + quick
                    runs.append((cmd, env, {}))
                    if fw == "torch" and not args.no_tuned:
                        runs.append((cmd, tuned, {"glibc_tunables": MALLOC_TUNABLES}))
                for cmd, e, extra in runs:
                    for line in run(cmd, e, dict(extra, round=rnd)):
                        text = json.dumps(line)
                        out.write(text + "\n")
                        out.flush()
                        print(text[:200], flush=True)
    print("# %d rounds in %.0f s -> %s" % (args.rounds, time.time() - started, out_path), file=sys.stderr)
    return bench_compare.main([out_path])


if __name__ == "__main__":
    sys.exit(main())
