#!/usr/bin/env python3
"""Fuzz the netl command line: no input may crash it or make `netl check` hang.

Scripts: the ```netlang blocks of docs/*.md, the examples and the golden test scripts are
mutated (tokens replaced, deleted, duplicated or swapped; lines spliced from other scripts;
now and then a stress pattern such as a 60,000-term sum, deep brackets or long member
chains) and checked with `netl check` (in batches, one fresh session per file; a batch that
fails is re-run file by file to find the culprit). A fraction is also run with `netl run`.

Data files: small CSV, gzip CSV, .npy (four dtypes) and .safetensors seeds are corrupted
(bit flips, interesting bytes, truncation, insertion, edited header numbers) and loaded by
a small script under `netl run` (load_csv, load_digits, load_npy, `load m from`).

Language-server sessions (`--lsp N`): `netl lsp` is fed a session of initialize, a mutated
script opened and changed, hover/completion/definition requests at random positions,
malformed JSON-RPC and framing, and usually shutdown and exit — half of the sessions all at
once, half one message every 30 ms (so each change is checked); it must end, exit 0 or 1.

Every process runs with a time limit and an address-space limit. A signal, an exit code
other than 0 or 1, or a `netl check` over the time limit is a failure: the reproducer is
saved and its command printed. The last line says PASS or FAIL; the exit code is 1 on FAIL.

    python3 scripts/fuzz.py --seed 1 --scripts 1200 --data 300 --lsp 200   # make test's slice
    python3 scripts/fuzz.py --seed 7 --scripts 100000 --data 10000 --netl .build/release/netl
    python3 scripts/fuzz.py --seed 26 --scripts 20000 --run-fraction 0.1 --data 0 --lsp 2000 --netl .build/release/netl
"""
import argparse
import concurrent.futures
import gzip
import json
import os
import random
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MPIRUN = shutil.which("mpirun")

TOKEN = re.compile(r'"[^"\n]*"|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|[A-Za-z_][A-Za-z_0-9]*|==|!=|<=|>=|\S|\n')
INTERESTING = ["0", "-1", "1", "2", "0.5", "-0.5", "1e12", "1e308", "-1e308", "1e-300", "1e15", "9007199254740993",
               "65536", "100000", "[]", "[[]]", "[0]", "[1, 2]", "[[1, 2], [3, 4]]", '""', '"x"', '"/dev/zero"',
               '"/dev/urandom"', '"."', '"a.jpg"', '"../../x.npy"', "true", "false", "(", ")", "[", "]", "{", "}",
               ",", ":", ".", "+", "-", "*", "/", "^", "@", "%", "==", "<", "not", "and", "or", "fn", "let", "model",
               "train", "repeat", "for", "in", "if", "else", "return", "import", "data", "save", "load", "to", "from",
               "print", "x", "y", "epochs", "steps", "batch", "loss", "minimize", "optimizer", "residual", "lipschitz",
               "dense", "conv2d", "flatten", "relu", "inverse", "grad", "vjp", "jit", "generate", "zeros", "range",
               "\n", "\u00e9", "\u0000", "\t", "#", "//"]
EDGE_NUMBERS = ["0", "-1", "1e-300", "1e300", "1e308", "-1e308", "1e15", "1e12", "9007199254740993", "0.5", "-0.5",
                "1e9", "999999999", "4294967296", "100000000", "65537", "2", "1",
                # issue 25: non-finite values, scales at the ends of the double range, wrapping products
                "(1/0)", "(-1/0)", "sqrt(-1)", "1e200", "1e-200", "1e155", "1e160", "3037000500", "-0", "1e30", "(0/0)"]
# Seeds for the surface of issue 25: chapter 3 and 6 built-ins, labels, flows and saves,
# whose literals the mutations turn into edge values.
SURFACE = [
    'print omnidirectional([[1, 0], [0, 1], [1, 1]] * 1e200).verdict\nprint omnidirectional([[1, 0], [0, 1], [-1, -1]], [0, 0, 0])\n',
    'print preimage([[1, 0], [0, 1], [-1, -1]] * 1e160, [0, 0, -1], x: [-0.2, -0.2])\nprint preimage([[1, 0], [0, 1]], [0, 0], y: [1, 0])\n',
    'model f(input: [2]) { dense(4) relu dense(2) }\nprint layer_spectra(f, [[1, 2], [3, 4]], samples: 2)\nprint linearize(f, [1, 2])\n',
    'print weakly_correlated_rows(4, 3, epsilon: 0.1, seed: 0)\nprint logsumexp([-1/0, -1/0]), logsumexp([1/0, 1])\n',
    'print median([1, sqrt(-1), 3]), quantile([1, 2, 3], 0.5), iqr([1, 2, 3, 4])\nprint mww_auc([[1], [2], [3]], [0, 1, 1])\n',
    'print balanced_accuracy([[0.1, 0.9], [0.8, 0.2]], [1, 0])\nprint balanced_accuracy([1, 0], [1, 0])\n',
    'data d = dataset([[1, 2], [3, 4]], [1, 0])\nprint d, d.classes\ndata e = generate_spheres(20, d: 3, inner: 1, outer: 1.3)\nprint e\n',
    'model flow(input: [2]) { residual lipschitz(c: 0.9, iterations: 2) { dense(4) elu(alpha: 1) dense(2) } }\nprint sample(flow, 3, temperature: 0.5)\nprint flow_nll(flow, [[1, 2]], probes: 2)\nprint inverse(flow, [[1, 2]], iterations: 5).x\n',
    'model flow(input: [2]) { residual lipschitz(c: 0.9) { dense(4) leaky_relu(0.1) dense(2) } }\nprint check_lipschitz(flow)\nsave_density(flow, "d.png", range: 3, grid: 8, method: "series")\n',
    'model f(input: [2]) { dense(2) }\nmodel g(input: [2]) { dense(2) }\ndata d = dataset([[1, 2], [3, 4]], [0, 1])\ntrain f, g on d {\n  minimize mse(f(x), x) over f\n  maximize mse(g(x), x) over g\n  steps 2\n}\n',
    'model f(input: [2]) { dense(2) }\ndata d = dataset([[1, 2], [3, 4]], [0, 1])\ntrain f on d {\n  loss cross_entropy(f(x), y * 1)\n  steps 2\n}\nsave f to "f.safetensors"\nsave_npy([1, 2], "v.npy")\n',
    'model s(input: [4, 4, 4]) { squeeze(factor: 2) unsqueeze(factor: 2) }\nprint s(zeros([1, 4, 4, 4]))\n',
    # the newest surface (issue 24): block lambdas, training histories with validation,
    # early stopping, keep best, reset optimizer, derivatives inside losses,
    # floor/round/int, bernoulli, checkpoints with optimiser state and prefixes
    'let clip = fn(x) {\n  let y = maximum(x, -1)\n  return minimum(y, 1)\n}\nprint clip(-3), apply(fn(v) {\n  return v * 2\n}, 3)\nprint grad(fn(x) {\n  let s = sum(x^2)\n  return s\n}, [1, 2])\n',
    'data b = generate("blobs", n: 60, seed: 1, test: 0.3)\nmodel c(input: [2]) { dense(8) relu dense(3) }\nlet h = train c on b.train {\n  loss cross_entropy(c(x), y)\n  optimizer adam(lr: 0.05)\n  epochs 4 batch 16\n  validate on b.test every 2\n  early_stop(patience: 1, min_delta: 0)\n  keep best\n}\nprint h.best_epoch, h.best_val_loss, h.stopped_early, len(h.loss), h.val_loss[0]\n',
    'data b = generate("blobs", n: 40, seed: 2)\nmodel c(input: [2]) { dense(4) tanh dense(3) }\ntrain c on b { loss cross_entropy(c(x), y)  epochs 1 }\ntrain c on b {\n  loss cross_entropy(c(x), y)\n  optimizer sgd(lr: 0.1)\n  reset optimizer\n  steps 3\n}\n',
    'data b = generate("moons", n: 40, seed: 3)\nmodel e(input: [2]) { dense(8) softplus dense(1) }\ntrain e on b {\n  loss mean(grad(fn(v) = sum(e(v)), x)^2) + mean(vjp(fn(v) = e(v), x, ones([40, 1]))^2) + 0.1 * sum(jacobian(fn(v) = e(v), x[0:2])^2)\n  steps 2 batch 40\n}\n',
    'print floor([1.5, -1.5]), round(2.5), int(-3.7), int(1e300), floor(0/0), bernoulli([3, 2], 0.25, seed: 4), bernoulli(5, p: 1)\nlet n = int(sum(bernoulli([10], 0.5, seed: 1)))\nprint zeros([n + 1])\n',
    'data b = generate("blobs", n: 30, seed: 1)\nmodel c(input: [2]) { dense(4) relu dense(3) }\ntrain c on b { loss cross_entropy(c(x), y)  epochs 1 }\nsave c to "c.safetensors", optimizer: true\nmodel r(input: [2]) { dense(4) relu dense(3) }\nload r from "c.safetensors", prefix: "c", optimizer: true\ntrain r on b { loss cross_entropy(r(x), y)  steps 1 }\n',
    'let a = randn([3000, 3000])\nlet b = a @ a\nprint sum(b), b.shape, len(b)\nif sum(b) > 0 {\n  print mean(b @ a)\n}\nmodel m(input: [3000]) { dense(10) }\nprint m(b).shape\n',
]
STRESS = [
    lambda r: "print " + " + ".join(["1"] * r.choice([1000, 60000])) + "\n",
    lambda r: "print " + "(" * 300 + "1" + ")" * 300 + "\n",
    lambda r: "let a = [[1]]\nprint a" + "[0]" * r.choice([100, 60000]) + "\n",
    lambda r: "data b = generate(\"blobs\", n: 30, test: 0.5)\nprint b" + ".train" * r.choice([10, 35000]) + "\n",
    lambda r: "fn f(n) = f(n + 1)\nprint f(0)\n",
    lambda r: "fn f(n) = f(n - 1) + f(n - 2)\nprint f(30)\n",
    lambda r: "print " + "-" * 5000 + "1\n",
    lambda r: "print " + "not " * 5000 + "true\n",
    lambda r: "let " + "x" * 100000 + " = 1\n",
    lambda r: "print \"" + "\u00e9" * 10000 + "\n",
    lambda r: "data b = generate(\"blobs\", n: 3, test: 0.9)\nmodel m(input: [2]) { dense(3) }\nprint cross_entropy(m, b.train)\n",
    lambda r: "model m(input: [2]) {\n" + "  dense(2)\n" * 500 + "}\n",
]


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def corpus_scripts():
    scripts = []
    for name in sorted(os.listdir(os.path.join(ROOT, "docs"))):
        if name.endswith(".md"):
            scripts += re.findall(r"```netlang\n(.*?)```", read(os.path.join(ROOT, "docs", name)), re.S)
    for folder in ["examples", "Tests/NetLangTests/Golden"]:
        for base, _, files in os.walk(os.path.join(ROOT, folder)):
            scripts += [read(os.path.join(base, f)) for f in sorted(files) if f.endswith(".net")]
    scripts += SURFACE * 20   # weighted: the newest surface is a fair share of the mutations
    return [s for s in scripts if s.strip()]


# `--out` values a run is given now and then: a fresh nested folder, a file, an empty
# name, a path outside the working folder, a device.
OUT_PATHS = ["fresh/run", "", "afile", "../netl-fuzz-outside", "/dev/null", ".", "a/../b"]


def mutate_script(r, corpus, vocabulary):
    text = r.choice(corpus)
    if r.random() < 0.03:
        return r.choice(STRESS)(r)
    for _ in range(r.randint(1, 5)):
        kind = r.random()
        if kind < 0.6:
            tokens = TOKEN.findall(text)
            if not tokens:
                break
            i = r.randrange(len(tokens))
            op = r.random()
            numbers = [k for k, t in enumerate(tokens) if t[:1].isdigit()]
            if op < 0.2 and numbers:
                # Argument extremes: a number literal becomes an edge value.
                tokens[r.choice(numbers)] = r.choice(EDGE_NUMBERS)
            elif op < 0.45:
                tokens[i] = r.choice(INTERESTING) if r.random() < 0.5 else r.choice(vocabulary)
            elif op < 0.65:
                del tokens[i]
            elif op < 0.8:
                tokens.insert(i, tokens[i])
            else:
                j = r.randrange(len(tokens))
                tokens[i], tokens[j] = tokens[j], tokens[i]
            text = " ".join(t if t != "\n" else "\n" for t in tokens)
        elif kind < 0.9:
            lines = text.split("\n")
            i = r.randrange(len(lines))
            op = r.random()
            if op < 0.3:
                del lines[i]
            elif op < 0.55:
                lines.insert(i, lines[i])
            elif op < 0.8:
                other = r.choice(corpus).split("\n")
                lines.insert(i, r.choice(other))
            else:
                j = r.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        else:
            cut = r.randrange(len(text) + 1)
            text = text[:cut] if r.random() < 0.5 else text[:cut] + r.choice(corpus)[r.randrange(50):]
    return text


# Data seeds -----------------------------------------------------------------------------

def npy_bytes(r):
    descr, fmt = r.choice([("<f4", "<f"), ("<f8", "<d"), ("<i4", "<i"), ("<i8", "<q")])
    shape = tuple(r.randint(0, 4) for _ in range(r.randint(0, 3)))
    count = 1
    for d in shape:
        count *= d
    shape_text = "()" if not shape else "(%d,)" % shape[0] if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    values = [r.choice([0, 1, -2, 3]) for _ in range(count)]
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + struct.pack("<" + fmt[1] * count, *values)


def safetensors_bytes(r):
    tensors = [("m.dense1.weight", [3, 2]), ("m.dense1.bias", [3])]
    header, data, offset = {"__metadata__": {"format": "pt"}}, b"", 0
    for name, shape in tensors:
        n = shape[0] * (shape[1] if len(shape) > 1 else 1)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + 4 * n]}
        data += struct.pack("<%df" % n, *[r.uniform(-1, 1) for _ in range(n)])
        offset += 4 * n
    text = json.dumps(header, sort_keys=True).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def csv_bytes(r):
    rows = [",".join(str(r.choice([0, 1, 2, 0.5, -1])) for _ in range(3)) + "," + str(r.randint(0, 2)) for _ in range(r.randint(1, 8))]
    return ("\n".join(rows) + "\n").encode()


DIGITS = os.path.join(ROOT, "examples", "data", "digits.csv.gz")


def digits_bytes(r):
    # A few hundred rows of the real digits, re-compressed (mutations hit the gzip stream).
    with gzip.open(DIGITS, "rb") as f:
        lines = f.read().split(b"\n")[: r.randint(1, 200)]
    return gzip.compress(b"\n".join(lines) + b"\n")


DATA_KINDS = {
    "csv": (csv_bytes, 'data d = load_csv("{f}", label: -1)\nprint d.size, d.x.shape\nmodel m(input: [3]) {{ dense(3) }}\nprint accuracy(m, d), cross_entropy(m, d)\n'),
    "csv.gz": (digits_bytes, 'data d = load_digits(path: "{f}", test: 0.5)\nprint d.size\n'),
    "npy": (npy_bytes, 'let t = load_npy("{f}")\nprint t.shape, sum(t)\n'),
    "safetensors": (safetensors_bytes, 'model m(input: [2]) {{ dense(3) }}\nload m from "{f}"\nprint m.dense1.weight\n'),
}


def mutate_bytes(r, data):
    data = bytearray(data)
    for _ in range(r.randint(1, 6)):
        op = r.random()
        if not data:
            data += bytes([r.randrange(256)])
            continue
        i = r.randrange(len(data))
        if op < 0.3:
            data[i] ^= 1 << r.randrange(8)
        elif op < 0.5:
            data[i] = r.choice(b"\x00\xff\x7f\x80-,.\nnae9")
        elif op < 0.6:
            del data[i:]
        elif op < 0.7:
            data[i:i] = bytes(r.randrange(256) for _ in range(r.randint(1, 16)))
        elif op < 0.8:
            del data[i:i + r.randint(1, 16)]
        else:
            # Change a number written in a text header (shape, offsets, length).
            text = data[: min(len(data), 4096)]
            numbers = [m.span() for m in re.finditer(rb"\d+", bytes(text))]
            if numbers:
                a, b = r.choice(numbers)
                data[a:b] = str(r.choice([0, 1, 3, 7, 8, 12, 2**31, 2**40, 10**18])).encode()
    return bytes(data)


# Language-server sessions ---------------------------------------------------------------

LSP_URIS = ["file:///tmp/netl-fuzz/a.net", "file:///nonexistent/%C3%A9%20b.net", "untitled:Untitled-1", "", "file://",
            "http://example/y.net", "file:///dev/zero", "file:///tmp/" + "x" * 5000 + ".net"]
LSP_ODD = [None, -1, 0, 2 ** 31, 2 ** 63, 1e308, -1e308, 0.5, "3", [], {}, True, "\u0000"]


def frame(body):
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def lsp_session(r, corpus, vocabulary):
    """The bytes a client sends in one session: initialize, a mutated script opened and
    changed, requests at random (often invalid) positions, malformed JSON-RPC and framing,
    and usually shutdown and exit. The server reads them to the end of its input."""
    out = []
    ids = [0]

    def send(message):
        out.append(frame(json.dumps(message).encode()))

    def request(method, params):
        ids[0] += 1
        send({"jsonrpc": "2.0", "id": ids[0] if r.random() < 0.9 else r.choice(LSP_ODD), "method": method, "params": params})

    def notify(method, params):
        send({"jsonrpc": "2.0", "method": method, "params": params})

    def odd(value):
        return r.choice(LSP_ODD) if r.random() < 0.1 else value

    uri = r.choice(LSP_URIS) if r.random() < 0.3 else LSP_URIS[0]
    text = mutate_script(r, corpus, vocabulary)
    lines = text.count("\n") + 1
    if r.random() < 0.9:
        request("initialize", odd({"processId": None, "rootUri": None, "capabilities": odd({})}))
    if r.random() < 0.8:
        notify("initialized", {})
    notify("textDocument/didOpen", {"textDocument": {"uri": odd(uri), "languageId": "netlang", "version": odd(1), "text": odd(text)}})
    version = 1
    for _ in range(r.randint(1, 12)):
        kind = r.random()
        if kind < 0.25:
            version += 1
            text = mutate_script(r, corpus, vocabulary) if r.random() < 0.5 else text[: r.randrange(len(text) + 1)]
            lines = text.count("\n") + 1
            change = r.choice([[{"text": text}], [], [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}, "text": "x"}],
                               [{"text": text}, {"text": odd(text)}], odd([{"text": text}])])
            notify("textDocument/didChange", {"textDocument": {"uri": odd(uri), "version": odd(version)}, "contentChanges": change})
        elif kind < 0.55:
            method = r.choice(["textDocument/hover", "textDocument/completion", "textDocument/definition",
                               "textDocument/documentSymbol", "textDocument/signatureHelp", "textDocument/references"])
            position = {"line": odd(r.choice([r.randrange(lines + 3) - 1, 10 ** 9, -(10 ** 9)])),
                        "character": odd(r.choice([r.randrange(120) - 1, 10 ** 9, 2 ** 62]))}
            request(method, odd({"textDocument": odd({"uri": odd(uri)}), "position": odd(position)}))
        elif kind < 0.65:
            r.choice([lambda: request("workspace/symbol", {"query": "m"}), lambda: notify("$/cancelRequest", {"id": odd(ids[0])}),
                      lambda: request(r.choice(vocabulary), None), lambda: notify("$/setTrace", {"value": "verbose"}),
                      lambda: request("shutdown", None)])()
        elif kind < 0.72:
            notify("textDocument/didClose", {"textDocument": {"uri": odd(uri)}})
            if r.random() < 0.5:
                notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "netlang", "version": 1, "text": text}})
        elif kind < 0.86:
            # Malformed JSON-RPC: not JSON, the wrong JSON type, fields of the wrong type.
            out.append(frame(r.choice([b"{", b"", b"null", b"[]", b"[1, 2]", b"42", b'"text"', b"\xff\xfe{}",
                                       b'{"jsonrpc": "2.0", "id": 1}', b'{"method": 7}', b'{"method": "textDocument/hover", "params": 3}',
                                       b'{"method": "textDocument/didOpen", "params": {"textDocument": null}}',
                                       json.dumps([{"jsonrpc": "2.0", "id": 99, "method": "shutdown"}]).encode(),
                                       b'{"id": {}, "method": "initialize", "params": []}' ])))
        else:
            # Framing: wrong or missing lengths, odd headers, a length far past the input.
            body = json.dumps({"jsonrpc": "2.0", "method": "initialized", "params": {}}).encode()
            out.append(r.choice([
                b"Content-Length: %d\r\n\r\n" % max(0, len(body) - r.randint(1, 5)) + body,
                b"Content-Length: %d\r\n\r\n" % (len(body) + r.randint(1, 5)) + body,
                b"Content-Length: 99999999999999999999\r\n\r\n" + body,
                b"Content-Length: 9223372036854775807\r\n\r\n" + body,
                b"Content-Length: 4611686018427387904\r\n\r\n" + body,
                b"Content-Length: -5\r\n\r\n" + body,
                b"Content-Length: abc\r\n\r\n" + body,
                b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n" + frame(body),
                b"\r\n\r\n" + body,
                b"Content-Length: %d\n\n" % len(body) + body,
                bytes(r.randrange(256) for _ in range(r.randint(1, 200))),
                b"Content-Length: 10\r\n" * 1000 + b"\r\n" + body,
            ]))
    if r.random() < 0.8:
        request("shutdown", None)
    if r.random() < 0.8:
        notify("exit", None)
    # One chunk per message (a client paced between them lets the server check each change);
    # now and then the whole stream mutated as bytes, in one chunk.
    return [mutate_bytes(r, b"".join(out))] if r.random() < 0.1 else out


# Running --------------------------------------------------------------------------------

def limits(memory):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def execute(command, cwd, timeout, memory):
    """(status, stderr tail): status is 'ok', 'timeout', 'signal N' or 'exit N'."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", NETL_FUZZ="1")
    p = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         preexec_fn=limits(memory), start_new_session=True, env=env)
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return "timeout", ""
    tail = err.decode("utf-8", "replace")[-400:]
    if p.returncode < 0:
        return "signal %d" % -p.returncode, tail
    if p.returncode not in (0, 1):
        return "exit %d" % p.returncode, tail
    return "ok", tail


class Fuzzer:
    def __init__(self, args):
        self.args = args
        self.netl = os.path.abspath(args.netl)
        self.work = tempfile.mkdtemp(prefix="netl-fuzz-")
        os.makedirs(os.path.join(self.work, "data"))
        shutil.copy(DIGITS, os.path.join(self.work, "data", "digits.csv.gz"))
        self.out = args.out or os.path.join(tempfile.gettempdir(), "netl-fuzz-findings")
        self.failures = []
        self.counts = {"checked": 0, "run": 0, "data": 0, "slow runs": 0, "mpirun": 0, "lsp": 0}
        with open(os.path.join(self.work, "afile"), "w") as f:
            f.write("a file where --out wants a folder\n")

    def fail(self, kind, command, files, detail):
        os.makedirs(self.out, exist_ok=True)
        saved = []
        for f in files:
            target = os.path.join(self.out, "%03d-%s" % (len(self.failures), os.path.basename(f)))
            shutil.copy(f, target)
            saved.append(target)
        self.failures.append((kind, command, saved))
        print("FAIL %s: %s (reproducer: %s)%s" % (kind, " ".join(command[:3]), ", ".join(saved),
                                                  ("\n    " + detail.strip().replace("\n", "\n    ")) if detail.strip() else ""),
              flush=True)

    def check_batch(self, paths):
        command = [self.netl, "check"] + paths
        status, _ = execute(command, self.work, self.args.timeout * (1 + len(paths) / 4), self.args.memory)
        if status == "ok":
            return
        for p in paths:   # find the culprit(s)
            single = [self.netl, "check", p]
            status, err = execute(single, self.work, self.args.timeout, self.args.memory)
            if status != "ok":
                self.fail("check " + status, single, [p], err)

    def run_one(self, path, extra=(), data=None, ranks=0):
        command = [self.netl, "run", path, "--set", "quick=true", "--set", "epochs=1"] + list(extra)
        if ranks:
            command = [MPIRUN, "--allow-run-as-root", "--oversubscribe", "-np", str(ranks)] + command
        status, err = execute(command, self.work, self.args.run_timeout if data is None else self.args.timeout, self.args.memory)
        if status == "timeout" and data is None:
            self.counts["slow runs"] += 1   # a long loop or training in `run` is not a bug
        elif status == "timeout":
            self.fail("load hang", command, [path, data], "")   # loading a small file never takes that long
        elif status != "ok":
            self.fail("run " + status, command, [path] + ([data] if data else []), err)

    def lsp_one(self, path, chunks, pace):
        """One `netl lsp` session fed `chunks` (saved together in `path`), `pace` seconds apart:
        it must end (exit 0 or 1) within the time limit once its input ends."""
        command = [self.netl, "lsp", "--time-budget", "2"]
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", NETL_FUZZ="1")
        # Standard error to a file: an unread pipe that fills would stall the server.
        err_file = tempfile.TemporaryFile()
        p = subprocess.Popen(command, cwd=self.work, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err_file,
                             preexec_fn=limits(self.args.memory), start_new_session=True, env=env)

        def feed():
            try:
                for chunk in chunks:
                    p.stdin.write(chunk)
                    p.stdin.flush()
                    if pace:
                        time.sleep(pace)
                p.stdin.close()
            except (BrokenPipeError, ValueError, OSError):
                pass   # the server ended first (an exit message, or a crash reported below)
        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        try:
            p.wait(timeout=self.args.timeout + pace * len(chunks))
            err_file.seek(max(0, os.fstat(err_file.fileno()).st_size - 400))
            err = err_file.read()
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            return self.fail("lsp timeout", command + ["<", path], [path], "")
        finally:
            writer.join(1)
            err_file.close()
        if p.returncode < 0 or p.returncode not in (0, 1):
            self.fail("lsp " + ("signal %d" % -p.returncode if p.returncode < 0 else "exit %d" % p.returncode),
                      command + ["<", path], [path], err.decode("utf-8", "replace")[-400:])

    def main(self):
        r = random.Random(self.args.seed)
        corpus = corpus_scripts()
        vocabulary = sorted(set(t for s in corpus for t in TOKEN.findall(s) if t.strip()))
        start = time.time()
        pool = concurrent.futures.ThreadPoolExecutor(self.args.jobs)
        futures = []
        batch = []
        for i in range(self.args.scripts):
            path = os.path.join(self.work, "s%06d.net" % i)
            with open(path, "w", encoding="utf-8", errors="replace") as f:
                f.write(mutate_script(r, corpus, vocabulary))
            batch.append(path)
            self.counts["checked"] += 1
            if r.random() < self.args.run_fraction:
                extra = ("--out", r.choice(OUT_PATHS)) if r.random() < 0.2 else ()
                ranks = 2 if MPIRUN and r.random() < self.args.mpi_fraction else 0
                futures.append(pool.submit(self.run_one, path, extra, None, ranks))
                self.counts["run"] += 1
                self.counts["mpirun"] += 1 if ranks else 0
            if len(batch) == self.args.batch:
                futures.append(pool.submit(self.check_batch, batch))
                batch = []
            futures = self.drain(futures)
        if batch:
            futures.append(pool.submit(self.check_batch, batch))
        kinds = sorted(DATA_KINDS)
        for i in range(self.args.data):
            kind = kinds[i % len(kinds)]
            make, template = DATA_KINDS[kind]
            name = "d%06d.%s" % (i, kind)
            with open(os.path.join(self.work, name), "wb") as f:
                f.write(mutate_bytes(r, make(r)))
            script = os.path.join(self.work, "d%06d.net" % i)
            with open(script, "w") as f:
                f.write(template.format(f=name))
            futures.append(pool.submit(self.run_one, script, (), os.path.join(self.work, name)))
            self.counts["data"] += 1
            futures = self.drain(futures)
        for i in range(self.args.lsp):
            path = os.path.join(self.work, "l%06d.lsp" % i)
            chunks = lsp_session(r, corpus, vocabulary)
            with open(path, "wb") as f:
                f.write(b"".join(chunks))
            futures.append(pool.submit(self.lsp_one, path, chunks, 0.03 if r.random() < 0.5 else 0))
            self.counts["lsp"] += 1
            futures = self.drain(futures)
        for f in futures:
            f.result()
        pool.shutdown()
        seconds = time.time() - start
        verdict = "PASS" if not self.failures else "FAIL"
        print("fuzz: %s — %d scripts checked (%d also run, %d of them under mpirun -np 2, %d slow runs stopped), %d data files loaded, "
              "%d language-server sessions; %d failures (seed %d, %.0f s)"
              % (verdict, self.counts["checked"], self.counts["run"], self.counts["mpirun"], self.counts["slow runs"],
                 self.counts["data"], self.counts["lsp"], len(self.failures), self.args.seed, seconds),
              flush=True)
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)
            shutil.rmtree(os.path.join(os.path.dirname(self.work), "netl-fuzz-outside"), ignore_errors=True)
        return 0 if not self.failures else 1

    def drain(self, futures, limit=64):
        # Keep the queue short so files can be removed as they are done.
        while len(futures) > limit:
            futures[0].result()
            futures = futures[1:]
        return futures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scripts", type=int, default=400, help="mutated scripts to check")
    parser.add_argument("--data", type=int, default=150, help="corrupted data files to load")
    parser.add_argument("--lsp", type=int, default=0, help="`netl lsp` sessions fed mutated JSON-RPC")
    parser.add_argument("--run-fraction", type=float, default=0.05, help="share of scripts also run with `netl run`")
    parser.add_argument("--batch", type=int, default=25, help="scripts per `netl check` process")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per process (check: per batch of 4 files); generous, so a busy machine is not a hang")
    parser.add_argument("--run-timeout", type=float, default=20, help="seconds per `netl run` (a run stopped then is only counted)")
    parser.add_argument("--memory", type=int, default=6 << 30, help="address-space limit in bytes")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--mpi-fraction", type=float, default=0.0, help="share of runs under mpirun -np 2 (when mpirun is installed)")
    parser.add_argument("--netl", default=os.path.join(ROOT, ".build", "debug", "netl"))
    parser.add_argument("--out", help="where reproducers are saved")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    args = parser.parse_args()
    if not os.access(args.netl, os.X_OK):
        print("fuzz: FAIL — no netl binary at %s (swift build --product netl)" % args.netl)
        return 1
    return Fuzzer(args).main()


if __name__ == "__main__":
    sys.exit(main())
