#!/usr/bin/env python3
"""Peers of `netl bench --workload mnist_iresnet`: PyTorch (eager) and JAX (jax.jit).

One training step of the MNIST i-ResNet classifier of examples/ch4/mnist.net at c = 0.9,
batch 128 (Sources/netl/Bench/ClassifierWorkloads.swift holds the NetLang side):

    pixels x [128, 1, 28, 28] in [0, 1) (seeded uniform), labels y in {0..9}
    -> squeeze to [4, 14, 14] -> zero channel padding to [8, 14, 14]
    -> 2 x (x + g(x)), g = conv3x3(8->32) elu conv3x3(32->8)        (14 x 14)
    -> squeeze to [32, 7, 7]
    -> 2 x (x + g(x)), g = conv3x3(32->32) elu conv3x3(32->32)      (7 x 7)
    -> flatten -> dense(1568 -> 10) -> mean cross-entropy -> backward -> Adam (lr 1e-3)

Every residual convolution is spectrally normalised as an operator on its input size
(one power iteration a step: v = n(W^T u), u <- n(W v), sigma = u^T W v, with u and v
constants; W / max(1, sigma / 0.9)), as NetLang's `lipschitz(c: 0.9)` does.

Multiply-adds of the forward pass per image: 4 convolutions of 14*14*32*8*9 = 451,584
(stage 1) and 4 of 7*7*32*32*9 = 451,584 (stage 2), and 1568*10 for the read-out:
3,628,352, i.e. 0.929 GFLOP for the batch. The backward pass is twice that less the input
gradient of the first convolution (its input, the padded pixels, needs none), and the power
iteration adds four one-image convolutions per layer (W^T u, W v, W v again inside sigma,
and sigma's weight gradient): 2 * 1,349,935,104 = 2.700 GFLOP a step, the count that
`netl bench --workload mnist_iresnet --roofline` reads off NetLang's plan (product_gflop;
tested in Tests/NetlTests/CommandLineTests.swift) and that PyTorch's own counter finds in
this script's step (`--check`: 2.699870208 GFLOP, convolutions 0.947 forward and 1.741
backward, the read-out's products 0.012).

Same command line and JSON lines as ../shared/bench/reference.py (REFERENCE=path to it),
whose helpers (timing, Adam in JAX) this script imports through scripts/reference_flows.py.

    python3 scripts/reference_mnist_iresnet.py --framework torch [--quick]
    python3 scripts/reference_mnist_iresnet.py --check      (PyTorch's FLOP count of one step)
"""

import functools
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference_flows as flows  # noqa: E402

ref, np = flows.ref, flows.np
WORKLOAD = "mnist_iresnet"
BATCH, WIDTH, C_COEFF, LR = 128, 32, 0.9, 1e-3
# Per residual block: (name, C_out, C_in, side of the feature map).
BLOCKS = [[("c1", WIDTH, 8, 14), ("c2", 8, WIDTH, 14)]] * 2 + [[("c1", WIDTH, 32, 7), ("c2", 32, WIDTH, 7)]] * 2
HEAD_IN = 32 * 7 * 7


def init():
    """Convolution weights and biases (PyTorch's default init), power-iteration vectors
    (unit vectors of each convolution's output shape for one image) and the read-out."""
    r = ref.rng("mnist_iresnet_init")
    params, us = [], []
    for block in BLOCKS:
        p = {}
        for name, co, ci, _side in block:
            p[name + "w"] = ref.init_uniform(r, (co, ci, 3, 3), ci * 9)
            p[name + "b"] = ref.init_uniform(r, (co,), ci * 9)
        params.append(p)
        us.append({name: ref.unit_vector(r, (1, co, side, side)) for name, co, _ci, side in block})
    head = {"w": ref.init_uniform(r, (10, HEAD_IN), HEAD_IN), "b": ref.init_uniform(r, (10,), HEAD_IN)}
    return params, us, head


def data():
    r = ref.rng("mnist_iresnet_data")
    return r.random((BATCH, 1, 28, 28), dtype=np.float32), r.integers(0, 10, size=BATCH)


def squeeze(o, x):
    """Space-to-depth in NetLang's channel order (fh·2 + fw)·C + c."""
    n, c, h, w = x.shape
    return o.permute(x.reshape(n, c, h // 2, 2, w // 2, 2), (0, 3, 5, 1, 2, 4)).reshape(n, 4 * c, h // 2, w // 2)


def logits(o, params, weights, head, x, pad):
    """The classifier's forward pass; weights[i][name] are the normalised kernels."""
    h = pad(squeeze(o, x))
    for i, p in enumerate(params):
        if i == 2:
            h = squeeze(o, h)
        w = weights[i]
        h = h + o.conv(o.elu(o.conv(h, w["c1"], p["c1b"])), w["c2"], p["c2b"])
    return h.reshape(BATCH, HEAD_IN) @ head["w"].T + head["b"]


def run_torch(reps, warmup):
    torch = ref.get_torch()
    F = torch.nn.functional
    o = flows.Ops("torch")
    x_np, y_np = data()
    params0, us0, head0 = init()
    params = [{k: torch.tensor(a, requires_grad=True) for k, a in p.items()} for p in params0]
    head = {k: torch.tensor(a, requires_grad=True) for k, a in head0.items()}
    us = [{k: torch.tensor(a) for k, a in u.items()} for u in us0]
    opt = torch.optim.Adam([t for p in params for t in p.values()] + list(head.values()), lr=LR)
    x, y, losses = torch.from_numpy(x_np), torch.from_numpy(y_np), []

    def sn_conv(W, u):
        with torch.no_grad():
            v = F.conv_transpose2d(u, W, padding=1)
            v = v / v.norm().clamp_min(1e-12)
            un = F.conv2d(v, W, padding=1)
            u.copy_(un / un.norm().clamp_min(1e-12))
        sigma = (u * F.conv2d(v, W, padding=1)).sum()
        return W / torch.clamp(sigma / C_COEFF, min=1.0)

    def pad(h):
        return torch.cat([h, h.new_zeros(h.shape)], 1)

    def loss_of_step():
        weights = [{n: sn_conv(p[n + "w"], u[n]) for n in ("c1", "c2")} for p, u in zip(params, us)]
        return F.cross_entropy(logits(o, params, weights, head, x, pad), y)
    res = ref.bench(flows.torch_step(opt, losses, loss_of_step), reps, warmup)
    res.update(ref.loss_fields(losses))
    return res


def run_jax(reps, warmup):
    jax = ref.get_jax()
    jnp, lax = jax.numpy, jax.lax
    o = flows.Ops("jax")
    x_np, y_np = data()
    params0, us0, head0 = init()
    x, y = jnp.asarray(x_np), jnp.asarray(y_np)
    no_bias = {co: jnp.zeros(co) for co in (8, 32)}

    def sn_conv(W, u):
        Ws = lax.stop_gradient(W)
        co, ci, side = W.shape[0], W.shape[1], u.shape[-1]
        conv_t = jax.linear_transpose(lambda t: o.conv(t, Ws, no_bias[co]), jax.ShapeDtypeStruct((1, ci, side, side), jnp.float32))
        (v,) = conv_t(u)
        v = v / jnp.maximum(jnp.linalg.norm(v), 1e-12)
        un = o.conv(v, Ws, no_bias[co])
        u = un / jnp.maximum(jnp.linalg.norm(un), 1e-12)
        sigma = jnp.sum(u * o.conv(v, W, no_bias[co]))
        return W / jnp.maximum(1.0, sigma / C_COEFF), u

    def pad(h):
        return jnp.concatenate([h, jnp.zeros_like(h)], 1)

    def loss_fn(trainable, us):
        params, head = trainable
        weights, new_us = [], []
        for p, u in zip(params, us):
            w, nu = {}, {}
            for n in ("c1", "c2"):
                w[n], nu[n] = sn_conv(p[n + "w"], u[n])
            weights.append(w)
            new_us.append(nu)
        logp = jax.nn.log_softmax(logits(o, params, weights, head, x, pad))
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1)), new_us

    @functools.partial(jax.jit, donate_argnums=0)
    def train_step(state):
        trainable, us, opt = state
        (loss, us), grads = jax.value_and_grad(loss_fn, has_aux=True)(trainable, us)
        trainable, opt = ref.jax_adam_update(trainable, grads, opt, lr=LR)
        return (trainable, us, opt), loss

    trainable = jax.tree.map(jnp.asarray, (params0, head0))
    us = jax.tree.map(jnp.asarray, us0)
    step, losses = ref.jax_stateful(train_step, (trainable, us, ref.jax_adam_init(trainable)))
    res = ref.bench(step, reps, warmup, ref.jax_sync)
    res.update(ref.loss_fields(losses))
    return res


def count_flops():
    """PyTorch's own count (torch.utils.flop_counter) of one training step's FLOP, to set
    against NetLang's `product_gflop` (both 2.699870208 GFLOP when last run)."""
    from torch.utils.flop_counter import FlopCounterMode
    timing = ref.bench

    def counting(step, reps, warmup, sync=lambda out: out):
        step()                                   # the first step outside the count
        with FlopCounterMode(display=False) as counter:
            step()
        by_op = {str(k): v / 1e9 for k, v in counter.get_flop_counts()["Global"].items()}
        print(json.dumps({"check": "mnist_iresnet FLOP of one torch step", "gflop": counter.get_total_flops() / 1e9,
                          "gflop_by_op": by_op}), flush=True)
        return {"ms": 0.0, "min_ms": 0.0, "first_ms": 0.0}
    ref.bench = counting
    try:
        run_torch(1, 0)
    finally:
        ref.bench = timing


def run(fw, reps, warmup):
    res = (run_torch if fw == "torch" else run_jax)(reps, warmup)
    res["params"] = sum(a.size for p in init()[0] for a in p.values()) + HEAD_IN * 10 + 10
    return res


def main(argv=None):
    return flows.run_command_line(argv, __doc__.split("\n\n")[0], {WORKLOAD: run}, {WORKLOAD: (10, 2)}, check=count_flops,
                                  check_help="print PyTorch's FLOP count of one step (torch.utils.flop_counter) and exit")


if __name__ == "__main__":
    sys.exit(main())
