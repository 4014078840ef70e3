#!/usr/bin/env python3
"""Peers of `netl bench --workload glow_mnist / iresnet_flow_mnist`: PyTorch (eager) and JAX (jax.jit).

One training step of the Glow and of the i-ResNet flow rows of examples/ch5/mnist_flows.net
(Sources/netl/Bench/FlowWorkloads.swift holds the NetLang side), at batch 64 on [1, 28, 28]:

    pixels x in [0, 1) (seeded uniform) -> y = (255 x + u)/256, u ~ U[0, 1) fresh each step
    -> logit(0.05 + 0.9 y) -> squeeze to [4, 14, 14] -> 4 steps of flow
    -> mean NLL = 0.5 |z|^2 + (D/2) log 2 pi - log|det J|  -> backward -> Adam (lr 1e-3)

    glow_mnist           actnorm, invertible 1x1 conv (W = P L (U + diag(sign exp(log_s)))),
                         affine coupling (channel mask; body conv3x3(32) relu conv1x1(32) relu
                         conv3x3(4); s = sigmoid(h_s + 2)); exact log-det
    iresnet_flow_mnist   actnorm, x + g(x) with g = conv3x3(32) elu conv1x1(32) elu conv3x3(4),
                         every conv spectrally normalised as an operator (one power iteration
                         a step, c = 0.9); log-det: 5-term power series, one Gaussian probe

ActNorm's data-dependent initialisation (scale 1/std, shift -mean/std per channel) is done
from the first batch before the timed steps, as NetLang does in its first (warm-up) step.
Same command line and JSON lines as ../shared/bench/reference.py, whose helpers (timing,
Adam in JAX, power-series log-det, NLL) this script imports (REFERENCE=path to it).

    python3 scripts/reference_flows.py --workload glow_mnist --framework torch [--quick]
"""

import argparse
import functools
import importlib.util
import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_ref_path = os.environ.get("REFERENCE", os.path.join(HERE, "..", "..", "shared", "bench", "reference.py"))
_spec = importlib.util.spec_from_file_location("reference", _ref_path)
ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ref)
np = ref.np

WORKLOADS = ["glow_mnist", "iresnet_flow_mnist"]
FRAMEWORKS = ["torch", "jax"]
DEFAULTS = {"glow_mnist": (10, 2), "iresnet_flow_mnist": (10, 2)}
BATCH, WIDTH, STEPS, ALPHA, LR = 64, 32, 4, 0.05, 1e-3
C, HW = 4, 14                     # after the squeeze
# name, C_out, C_in, kernel (padding (k - 1)/2: "same")
GLOW_BODY = [("c1", WIDTH, C // 2, 3), ("c2", WIDTH, WIDTH, 1), ("c3", C, WIDTH, 3)]
IRESNET_BODY = [("c1", WIDTH, C, 3), ("c2", WIDTH, WIDTH, 1), ("c3", C, WIDTH, 3)]


# ---- data and initial weights (numpy, shared by both frameworks) -------------------------

def pixels():
    return ref.rng("flows_mnist_data").random((BATCH, 1, 28, 28), dtype=np.float32)


def squeeze_np(x):
    """Space-to-depth as NetLang's squeezed(2): channel (fh·2 + fw)·C + c."""
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 3, 5, 1, 2, 4).reshape(n, 4 * c, h // 2, w // 2)


def preprocess_np(x, u):
    y = (x * 255 + u) / 256
    p = ALPHA + (1 - 2 * ALPHA) * y
    return np.log(p) - np.log1p(-p)


def conv_params(r, specs):
    p = {}
    for name, co, ci, k in specs:
        p[name + "w"] = ref.init_uniform(r, (co, ci, k, k), ci * k * k)
        p[name + "b"] = ref.init_uniform(r, (co,), ci * k * k)
    return p


def lu_of_rotation(r):
    """Glow's LU parametrisation of a random rotation Q: P·L·U = Q (partial pivoting)."""
    q, _ = np.linalg.qr(r.standard_normal((C, C)))
    a, perm = q.copy(), np.arange(C)
    low = np.zeros((C, C))
    for j in range(C):
        piv = j + int(np.argmax(np.abs(a[j:, j])))
        a[[j, piv]], low[[j, piv]], perm[[j, piv]] = a[[piv, j]], low[[piv, j]], perm[[piv, j]]
        for i in range(j + 1, C):
            low[i, j] = a[i, j] / a[j, j]
            a[i] -= low[i, j] * a[j]
    p = np.zeros((C, C))
    p[perm, np.arange(C)] = 1                       # Q = P·L·U with (P·L·U)[perm[i]] = (L·U)[i]
    d = np.diag(a)
    return {"lower": low.astype(np.float32), "upper": np.triu(a, 1).astype(np.float32),
            "log_s": np.log(np.abs(d)).astype(np.float32)}, {"perm": p.astype(np.float32), "sign": np.sign(d).astype(np.float32)}


def glow_init():
    r = ref.rng("glow_mnist_init")
    params, fixed = [], []
    for _ in range(STEPS):
        inv, fx = lu_of_rotation(r)
        p = {"an_s": np.ones((1, C, 1, 1), np.float32), "an_b": np.zeros((1, C, 1, 1), np.float32)}
        p.update(inv)
        p.update(conv_params(r, GLOW_BODY))
        params.append(p)
        fixed.append(fx)
    return params, fixed


def iresnet_init():
    r = ref.rng("iresnet_flow_mnist_init")
    params, us = [], []
    for _ in range(STEPS):
        p = {"an_s": np.ones((1, C, 1, 1), np.float32), "an_b": np.zeros((1, C, 1, 1), np.float32)}
        p.update(conv_params(r, IRESNET_BODY))
        params.append(p)
        us.append({name: ref.unit_vector(r, (1, co, HW, HW)) for name, co, _ci, _k in IRESNET_BODY})
    return params, us


def parameter_count(params):
    """Trainable numbers, counted as NetLang does (L and U as full C×C matrices, masked)."""
    n = 0
    for p in params:
        for k, a in p.items():
            n += C * C if k in ("lower", "upper") else a.size
    return n


# ---- the models, written once over a small array namespace ----------------------------

class Ops:
    """What the models need from torch or jax.numpy."""
    def __init__(self, fw):
        self.fw = fw
        if fw == "torch":
            xp = ref.get_torch()
            nn = xp.nn.functional
            self.conv = lambda h, w, b: nn.conv2d(h, w, b, padding=w.shape[-1] // 2)
            self.log_sigmoid = nn.logsigmoid
            self.cat = lambda xs: xp.cat(xs, 1)
            self.permute = lambda a, axes: a.permute(axes)
        else:
            jax = ref.get_jax()
            xp, nn = jax.numpy, jax.nn
            self.conv = lambda h, w, b: jax.lax.conv_general_dilated(
                h, w, (1, 1), [(w.shape[-1] // 2,) * 2] * 2,
                dimension_numbers=("NCHW", "OIHW", "NCHW")) + b[None, :, None, None]
            self.log_sigmoid = nn.log_sigmoid
            self.cat = lambda xs: xp.concatenate(xs, 1)
            self.permute = xp.transpose
        self.relu, self.elu = nn.relu, nn.elu
        self.exp, self.log, self.log1p, self.abs, self.einsum = xp.exp, xp.log, xp.log1p, xp.abs, xp.einsum
        self.tril = lambda a: xp.tril(a, -1)
        self.triu = lambda a: xp.triu(a, 1)
        self.eye = xp.eye(C)


def glow_step_forward(o, p, fx, x):
    """One Glow step: actnorm, 1×1 conv, affine coupling; (y, per-example log-det)."""
    spatial = HW * HW
    x = x * p["an_s"] + p["an_b"]
    logdet = spatial * o.log(o.abs(p["an_s"])).sum()
    w = fx["perm"] @ ((o.tril(p["lower"]) + o.eye) @ (o.triu(p["upper"]) + o.eye * (fx["sign"] * o.exp(p["log_s"]))))
    x = o.einsum("oc,nchw->nohw", w, x)
    logdet = logdet + spatial * p["log_s"].sum()
    xa, xb = x[:, :C // 2], x[:, C // 2:]
    h = o.relu(o.conv(xa, p["c1w"], p["c1b"]))
    h = o.relu(o.conv(h, p["c2w"], p["c2b"]))
    h = o.conv(h, p["c3w"], p["c3b"])
    log_s = o.log_sigmoid(h[:, :C // 2] + 2)
    y = o.cat([xa, xb * o.exp(log_s) + h[:, C // 2:]])
    return y, logdet + log_s.reshape(log_s.shape[0], -1).sum(1)


def actnorm_init(x):
    """Scale 1/std and shift -mean/std per channel of x (numpy), NetLang's initialisation."""
    m = x.mean(axis=(0, 2, 3), keepdims=True)
    s = np.maximum(np.sqrt(np.maximum((x * x).mean(axis=(0, 2, 3), keepdims=True) - m * m, 0)), 1e-6)
    return (1 / s).astype(np.float32), (-m / s).astype(np.float32)


def data_init(fw, params, extra, x0):
    """Data-dependent actnorm initialisation on the first batch (no noise), in place in params (numpy)."""
    o = Ops(fw)
    x = x0
    for p, e in zip(params, extra):
        p["an_s"], p["an_b"] = actnorm_init(x)
        t = {k: to_fw(fw, a) for k, a in p.items()}
        if fw == "jax":
            xf = ref.get_jax().numpy.asarray(x)
        else:
            xf = ref.get_torch().from_numpy(x)
        if "perm" in e:
            y, _ = glow_step_forward(o, t, {k: to_fw(fw, a) for k, a in e.items()}, xf)
        else:
            y = xf * t["an_s"] + t["an_b"]
            y = y + iresnet_g(o, t, {n: t[n + "w"] for n, *_ in IRESNET_BODY}, y)
        x = np.asarray(y.detach() if fw == "torch" else y, dtype=np.float32)


def to_fw(fw, a):
    if fw == "torch":
        return ref.get_torch().tensor(a)
    return ref.get_jax().numpy.asarray(a)


def model_input(o, x_pix, u):
    """Dequantised pixels y = (255 x + u)/256, logit(0.05 + 0.9 y), squeezed to [4, 14, 14]."""
    p = ALPHA + (1 - 2 * ALPHA) * ((x_pix * 255 + u) / 256)
    h = o.log(p) - o.log1p(-p)
    return o.permute(h.reshape(BATCH, 1, HW, 2, HW, 2), (0, 3, 5, 1, 2, 4)).reshape(BATCH, C, HW, HW)


def torch_state(params0, constants0, x_np):
    """Trainable tensors, constant tensors (permutations, power-iteration vectors), Adam, the pixels."""
    torch = ref.get_torch()
    params = [{k: torch.tensor(a, requires_grad=True) for k, a in p.items()} for p in params0]
    constants = [{k: torch.tensor(a) for k, a in c.items()} for c in constants0]
    opt = torch.optim.Adam([t for p in params for t in p.values()], lr=LR)
    torch.manual_seed(ref.SEED)
    return params, constants, opt, torch.from_numpy(x_np), []


def torch_step(opt, losses, loss_of_step):
    """One eager training step: the loss, backward, Adam."""
    def step():
        loss = loss_of_step()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.detach())
        return loss
    return step


def iresnet_g(o, p, w, x):
    h = o.elu(o.conv(x, w["c1"], p["c1b"]))
    h = o.elu(o.conv(h, w["c2"], p["c2b"]))
    return o.conv(h, w["c3"], p["c3b"])


# ---- the timed steps --------------------------------------------------------------------

def run_glow(fw, reps, warmup):
    x_np = pixels()
    params0, fixed0 = glow_init()
    noise = ref.rng("flows_mnist_noise")
    data_init(fw, params0, fixed0, squeeze_np(preprocess_np(x_np, np.full_like(x_np, 0.5))))
    count = parameter_count(params0)
    o = Ops(fw)
    if fw == "torch":
        torch = ref.get_torch()
        params, fixed, opt, x_pix, losses = torch_state(params0, fixed0, x_np)

        def loss_of_step():
            h = model_input(o, x_pix, torch.rand_like(x_pix))
            logdet = torch.zeros(BATCH)
            for p, f in zip(params, fixed):
                h, ld = glow_step_forward(o, p, f, h)
                logdet = logdet + ld
            return ref.nll(h, logdet)
        res = ref.bench(torch_step(opt, losses, loss_of_step), reps, warmup)
    else:
        jax = ref.get_jax()
        jnp = jax.numpy
        x_pix = jnp.asarray(x_np)
        fixed = jax.tree.map(jnp.asarray, fixed0)

        def loss_fn(params, key):
            h = model_input(o, x_pix, jax.random.uniform(key, x_pix.shape))
            logdet = jnp.zeros(BATCH)
            for p, f in zip(params, fixed):
                h, ld = glow_step_forward(o, p, f, h)
                logdet = logdet + ld
            return ref.nll(h, logdet)

        @functools.partial(jax.jit, donate_argnums=0)
        def train_step(state):
            params, opt, key = state
            key, sub = jax.random.split(key)
            loss, grads = jax.value_and_grad(loss_fn)(params, sub)
            params, opt = ref.jax_adam_update(params, grads, opt, lr=LR)
            return (params, opt, key), loss

        params = jax.tree.map(jnp.asarray, params0)
        step, losses = ref.jax_stateful(train_step, (params, ref.jax_adam_init(params), jax.random.key(ref.SEED)))
        res = ref.bench(step, reps, warmup, ref.jax_sync)
    res.update(ref.loss_fields(losses))
    res["params"] = count
    return res


def run_iresnet_flow(fw, reps, warmup):
    x_np = pixels()
    params0, us0 = iresnet_init()
    data_init(fw, params0, us0, squeeze_np(preprocess_np(x_np, np.full_like(x_np, 0.5))))
    count = parameter_count(params0)
    o = Ops(fw)
    if fw == "torch":
        torch = ref.get_torch()
        F = torch.nn.functional
        params, us, opt, x_pix, losses = torch_state(params0, us0, x_np)

        def sn_conv(W, u, c=0.9):
            """One power iteration on the conv operator (as reference.py's conv_iresnet)."""
            pad = W.shape[-1] // 2
            with torch.no_grad():
                v = F.conv_transpose2d(u, W, padding=pad)
                v = v / v.norm().clamp_min(1e-12)
                un = F.conv2d(v, W, padding=pad)
                u.copy_(un / un.norm().clamp_min(1e-12))
            sigma = (u * F.conv2d(v, W, padding=pad)).sum()
            return W / torch.clamp(sigma / c, min=1.0)

        def loss_of_step():
            h = model_input(o, x_pix, torch.rand_like(x_pix))
            logdet = torch.zeros(BATCH)
            for p, u in zip(params, us):
                h = h * p["an_s"] + p["an_b"]
                logdet = logdet + HW * HW * torch.log(torch.abs(p["an_s"])).sum()
                w = {n: sn_conv(p[n + "w"], u[n]) for n, *_ in IRESNET_BODY}
                gx = iresnet_g(o, p, w, h)
                logdet = logdet + ref.torch_power_series_logdet(gx, h, torch.randn_like(h))
                h = h + gx
            return ref.nll(h, logdet)
        res = ref.bench(torch_step(opt, losses, loss_of_step), reps, warmup)
    else:
        jax = ref.get_jax()
        jnp, lax = jax.numpy, jax.lax
        x_pix = jnp.asarray(x_np)

        def sn_conv(W, u, c=0.9):
            Ws = lax.stop_gradient(W)
            conv_t = jax.linear_transpose(lambda t: o.conv(t, Ws, jnp.zeros(W.shape[0])),
                                          jax.ShapeDtypeStruct((1, W.shape[1], HW, HW), jnp.float32))
            (v,) = conv_t(u)
            v = v / jnp.maximum(jnp.linalg.norm(v), 1e-12)
            un = o.conv(v, Ws, jnp.zeros(W.shape[0]))
            u = un / jnp.maximum(jnp.linalg.norm(un), 1e-12)
            sigma = jnp.sum(u * o.conv(v, W, jnp.zeros(W.shape[0])))
            return W / jnp.maximum(1.0, sigma / c), u

        def loss_fn(params, us, key):
            key, sub = jax.random.split(key)
            h = model_input(o, x_pix, jax.random.uniform(sub, x_pix.shape))
            logdet, new_us = jnp.zeros(BATCH), []
            for p, u in zip(params, us):
                h = h * p["an_s"] + p["an_b"]
                logdet = logdet + HW * HW * jnp.log(jnp.abs(p["an_s"])).sum()
                w, nu = {}, {}
                for n, *_ in IRESNET_BODY:
                    w[n], nu[n] = sn_conv(p[n + "w"], u[n])
                key, sub = jax.random.split(key)
                gx, ld = ref.jax_power_series_logdet(lambda t: iresnet_g(o, p, w, t), h, jax.random.normal(sub, h.shape))
                h, logdet = h + gx, logdet + ld
                new_us.append(nu)
            return ref.nll(h, logdet), new_us

        @functools.partial(jax.jit, donate_argnums=0)
        def train_step(state):
            params, us, opt, key = state
            key, sub = jax.random.split(key)
            (loss, us), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, us, sub)
            params, opt = ref.jax_adam_update(params, grads, opt, lr=LR)
            return (params, us, opt, key), loss

        params = jax.tree.map(jnp.asarray, params0)
        us = jax.tree.map(jnp.asarray, us0)
        step, losses = ref.jax_stateful(train_step, (params, us, ref.jax_adam_init(params), jax.random.key(ref.SEED)))
        res = ref.bench(step, reps, warmup, ref.jax_sync)
    res.update(ref.loss_fields(losses))
    res["params"] = count
    return res


RUNNERS = {"glow_mnist": run_glow, "iresnet_flow_mnist": run_iresnet_flow}


def check_logdets():
    """The peers' log-det formulas against the Jacobian (torch, Float64, one example): Glow's
    exact log-det against log|det J|, and the i-ResNet flow's 5-term series, averaged over
    probes, against the same series with exact traces Σ (-1)^(k+1)/k tr(J_g^k)."""
    torch = ref.get_torch()
    x0 = squeeze_np(preprocess_np(pixels()[:1], np.full((1, 1, 28, 28), 0.5, np.float32))).astype(np.float64)
    params, fixed = glow_init()
    data_init("torch", params, fixed, x0.astype(np.float32))     # in Float32, before the default changes
    torch.set_default_dtype(torch.float64)
    o = Ops("torch")
    x = torch.from_numpy(x0)
    ps = [{k: torch.tensor(a, dtype=torch.float64) for k, a in p.items()} for p in params]
    fs = [{k: torch.tensor(a, dtype=torch.float64) for k, a in f.items()} for f in fixed]

    def glow(h):
        ld = 0
        for p, f in zip(ps, fs):
            h, l = glow_step_forward(o, p, f, h)
            ld = ld + l
        return h, ld
    jac = torch.autograd.functional.jacobian(lambda t: glow(t.reshape(1, C, HW, HW))[0].reshape(-1), x.reshape(-1))
    exact = torch.linalg.slogdet(jac)[1].item()
    print(json.dumps({"check": "glow_mnist log-det", "formula": glow(x)[1].item(), "slogdet_jacobian": exact}))

    params, us = iresnet_init()
    r = ref.rng("flows_check_probes")
    p = {k: torch.tensor(a, dtype=torch.float64) for k, a in params[0].items()}
    w = {n: p[n + "w"] / max(1.0, torch.linalg.matrix_norm(torch.autograd.functional.jacobian(
        lambda t: torch.nn.functional.conv2d(t.reshape(1, ci, HW, HW), p[n + "w"], padding=k // 2).reshape(-1),
        torch.zeros(ci * HW * HW)), ord=2).item() / 0.9) for n, co, ci, k in IRESNET_BODY}
    g = lambda t: iresnet_g(o, p, w, t.reshape(1, C, HW, HW)).reshape(-1)
    jg = torch.autograd.functional.jacobian(g, x.reshape(-1))
    series_exact, jk = 0.0, torch.eye(jg.shape[0], dtype=torch.float64)
    for k in range(1, ref.N_SERIES + 1):
        jk = jk @ jg
        series_exact += (-1) ** (k + 1) / k * torch.trace(jk).item()
    xg = x.clone().requires_grad_(True)
    gx = iresnet_g(o, p, w, xg)
    estimates = [ref.torch_power_series_logdet(gx, xg, torch.from_numpy(r.standard_normal(x0.shape))).item() for _ in range(400)]
    print(json.dumps({"check": "iresnet_flow_mnist series (block 1, Lip(g) <= 0.9 by exact norms)",
                      "probe_mean": float(np.mean(estimates)), "probe_sem": float(np.std(estimates) / math.sqrt(len(estimates))),
                      "exact_traces": series_exact,
                      "exact_logdet": torch.linalg.slogdet(torch.eye(jg.shape[0], dtype=torch.float64) + jg)[1].item()}))


def run_command_line(argv, description, runners, defaults, check=None,
                     check_help="check the log-det formulas against Jacobians (torch, Float64) and exit"):
    """reference.py's command line (--workload, --framework, --reps, --warmup, --quick,
    --in-process, --round) over `runners` {workload: run(fw, reps, warmup) -> fields}; one
    JSON line per (workload, framework). `check`: what --check runs instead (if given)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--workload", action="append", choices=list(runners))
    ap.add_argument("--framework", action="append", choices=FRAMEWORKS)
    ap.add_argument("--reps", type=int)
    ap.add_argument("--warmup", type=int)
    ap.add_argument("--quick", action="store_true", help="3 timed steps, 1 warm-up")
    ap.add_argument("--in-process", action="store_true", help="accepted for reference.py's command line (always in process)")
    ap.add_argument("--round", type=int, help=argparse.SUPPRESS)
    if check:
        ap.add_argument("--check", action="store_true", help=check_help)
    args = ap.parse_args(argv)
    if check and args.check:
        check()
        return 0
    for wl in args.workload or list(runners):
        for fw in args.framework or [f for f in FRAMEWORKS if ref.installed(f)]:
            reps, warmup = defaults[wl]
            if args.quick:
                reps, warmup = 3, 1
            reps = args.reps or reps
            warmup = args.warmup if args.warmup is not None else warmup
            t0 = time.perf_counter()
            res = runners[wl](fw, reps, warmup)
            line = {"workload": wl, "framework": fw, "ms": res.pop("ms"), "reps": reps, "warmup": warmup,
                    "threads": ref.NUM_THREADS}
            if args.round:
                line["round"] = args.round
            line.update(res)
            line["wall_s"] = time.perf_counter() - t0
            print(json.dumps(ref.rounded(line)), flush=True)
    return 0


def main(argv=None):
    return run_command_line(argv, __doc__.split("\n\n")[0], RUNNERS, DEFAULTS, check=check_logdets)


if __name__ == "__main__":
    sys.exit(main())
