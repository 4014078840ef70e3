#!/usr/bin/env python3
"""loop_grad in PyTorch (eager) and JAX (un-jitted and jitted): the peers of
`netl bench --workload loop_grad` (issue 23).

4,000 calls of the gradient of sum(m(x)) with respect to x, m an 8→16→1 ReLU MLP with
PyTorch's default initialisation, x a fixed batch [32, 8] (float32), timed in blocks of
500 iterations. One JSON line per framework with the same keys as netl's: `ms` (median
ms per iteration over the blocks), `first_block_s`, `last_block_s`, `last_over_first`,
`total_s`, `peak_rss_mb_after_1000`, `peak_rss_mb`.

    python scripts/loop_grad_reference.py [--framework torch|jax|jax_jit ...] [--iterations 4000]
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")
import numpy as np

BLOCK = 500


def weights(rng):
    """PyTorch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for an 8→16→1 MLP."""
    def uniform(shape, fan_in):
        bound = 1 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, size=shape).astype(np.float32)
    return uniform((16, 8), 8), uniform((16,), 8), uniform((1, 16), 16), uniform((1,), 16)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def torch_step(w1, b1, w2, b2, x):
    import torch
    torch.set_num_threads(2)
    params = [torch.tensor(a) for a in (w1, b1, w2, b2)]
    xt = torch.tensor(x)

    def step():
        v = xt.clone().requires_grad_(True)
        y = torch.relu(v @ params[0].T + params[1]) @ params[2].T + params[3]
        (g,) = torch.autograd.grad(y.sum(), v)
        return g
    return step


def jax_step(w1, b1, w2, b2, x, jit):
    import jax
    import jax.numpy as jnp

    def f(v):
        return jnp.sum(jax.nn.relu(v @ w1.T + b1) @ w2.T + b2)
    g = jax.jit(jax.grad(f)) if jit else jax.grad(f)
    xj = jnp.asarray(x)
    return lambda: g(xj).block_until_ready()


def run(framework, iterations):
    rng = np.random.default_rng(0)
    w1, b1, w2, b2 = weights(rng)
    x = rng.standard_normal((32, 8)).astype(np.float32)
    step = torch_step(w1, b1, w2, b2, x) if framework == "torch" else jax_step(w1, b1, w2, b2, x, framework == "jax_jit")
    blocks, rss_1000 = [], None
    for b in range(max(1, iterations // BLOCK)):
        start = time.perf_counter()
        for _ in range(BLOCK):
            step()
        blocks.append(time.perf_counter() - start)
        if (b + 1) * BLOCK >= 1000 and rss_1000 is None:
            rss_1000 = peak_rss_mb()
    per_iteration = [s / BLOCK * 1e3 for s in blocks]
    return {"workload": "loop_grad", "framework": framework, "ms": statistics.median(per_iteration),
            "min_ms": min(per_iteration), "reps": len(blocks) * BLOCK, "iterations": len(blocks) * BLOCK,
            "block_iterations": BLOCK, "first_block_s": blocks[0], "last_block_s": blocks[-1],
            "last_over_first": blocks[-1] / blocks[0], "total_s": sum(blocks),
            "peak_rss_mb_after_1000": rss_1000 if rss_1000 is not None else float("nan"), "peak_rss_mb": peak_rss_mb()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--framework", action="append", choices=["torch", "jax", "jax_jit"])
    ap.add_argument("--iterations", type=int, default=4000)
    ap.add_argument("--quick", action="store_true", help="1,000 iterations")
    args = ap.parse_args(argv)
    for fw in args.framework or ["torch", "jax", "jax_jit"]:
        print(json.dumps(run(fw, 1000 if args.quick else args.iterations)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
