#!/usr/bin/env python3
"""The numbers the docs quote, from the current build (`make results`).

  results.py run   [--netl PATH] [NAME …]      run the examples (seeded; NAME may end in *), write docs/results/<name>.txt
                                               and their pictures into docs/images/<chapter>/
  results.py sync                              copy the marked blocks of the docs from the results files
  results.py check                             exit 1 when a marked block differs from its results file

A block in a docs page is marked by a comment naming a results file, the start of the
first line to copy and the number of lines:

    <!-- results: ch3_preimages.txt "layer" 10 -->
    ```text
    …the ten lines of docs/results/ch3_preimages.txt from the first line starting with "layer"…
    ```

Each results file starts with the commit and command that produced it. The same check runs
in the test suite (Tests/NetLangTests/Docs/DocsResultsTests.swift).
"""
import os, re, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "docs", "results")
DOCS = ["docs/chapter3.md", "docs/chapter4.md", "docs/chapter5.md", "docs/chapter6.md"]
# (name of the results file, script, folder for its pictures, extra options). The
# ch6_ice_* runs (but ch6_ice_mnist itself) are the single-seed iCE variants chapter6.md
# compares (their pictures are scratch).
SCRATCH = ".build/results-scratch"
ICE = ["--set", "seeds=1"]
EXAMPLES = [
    ("ch3_preimages", "examples/ch3/preimages.net", "docs/images/ch3", []),
    ("ch3_stability", "examples/ch3/stability.net", "docs/images/ch3", []),
    ("ch3_stability_mnist", "examples/ch3/stability_mnist.net", "docs/images/ch3", []),
    ("ch4_mnist", "examples/ch4/mnist.net", "docs/images/ch4", []),
    ("ch4_dynamics", "examples/ch4/dynamics.net", "docs/images/ch4", []),
    ("ch5_mnist_flows", "examples/ch5/mnist_flows.net", "docs/images/ch5", []),
    ("ch6_spheres", "examples/ch6/spheres.net", "docs/images/ch6", []),
    ("ch6_metameric", "examples/ch6/metameric.net", "docs/images/ch6", []),
    ("ch6_ice_thesis_1step", "examples/ch6/metameric.net", SCRATCH, ICE + ["--set", 'adversary="thesis"', "--set", "nuisance_steps=1"]),
    ("ch6_ice_thesis_3steps", "examples/ch6/metameric.net", SCRATCH, ICE + ["--set", 'adversary="thesis"', "--set", "nuisance_steps=3"]),
    ("ch6_ice_clipped_1step", "examples/ch6/metameric.net", SCRATCH, ICE + ["--set", 'adversary="clipped"', "--set", "nuisance_steps=1"]),
    ("ch6_ice_clipped_3steps", "examples/ch6/metameric.net", SCRATCH, ICE + ["--set", 'adversary="clipped"', "--set", "nuisance_steps=3"]),
    ("ch6_ice_confusion_3steps", "examples/ch6/metameric.net", SCRATCH, ICE + ["--set", 'adversary="confusion"', "--set", "nuisance_steps=3"]),
    ("ch6_ice_mle_per_dimension", "examples/ch6/metameric.net", SCRATCH, ICE + ["--set", "mle_weight=0.015625"]),
    ("ch6_ice_no_mle", "examples/ch6/metameric.net", SCRATCH, ICE + ["--set", "mle_weight=0"]),
    ("ch6_ice_mnist", "examples/ch6/ice_mnist.net", "docs/images/ch6", []),
    # Last session's default: 3 D_nc steps per flow step on the same batch, MLE term per dimension.
    ("ch6_ice_mnist_interleaved", "examples/ch6/ice_mnist.net", SCRATCH,
     ICE + ["--set", 'nuisance_training="interleaved"', "--set", "nuisance_steps=3", "--set", f"mle_weight={1 / 774}"]),
    ("ch6_ice_mnist_mle_per_dimension", "examples/ch6/ice_mnist.net", SCRATCH, ICE + ["--set", f"mle_weight={1 / 774}"]),
    ("ch6_ice_mnist_no_adversary", "examples/ch6/ice_mnist.net", SCRATCH, ICE + ["--set", 'adversary="none"']),
]
MARK = re.compile(r'<!-- results: (\S+) "([^"]*)" (\d+) -->\n```text\n(.*?)```\n', re.S)


def run(netl, names):
    os.makedirs(RESULTS, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    # Changes to the docs (which this script writes) do not make the code differ from the commit.
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    for name, script, pictures, options in EXAMPLES:
        if names and not any(name == n or (n.endswith("*") and name.startswith(n[:-1])) for n in names):
            continue
        command = [netl, "run", script, "--seed", "0", "--out", pictures] + options
        start = time.time()
        out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if out.returncode != 0:
            sys.stderr.write(out.stdout + out.stderr)
            sys.exit(f"results: {script} failed")
        shown = ["'" + c + "'" if '"' in c else c for c in ["netl"] + command[1:]]
        header = (f"# {' '.join(shown)}\n# commit {commit}{' (with uncommitted changes)' if dirty else ''}, "
                  f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {time.time() - start:.0f} s wall\n")
        with open(os.path.join(RESULTS, name + ".txt"), "w") as f:
            f.write(header + out.stdout)
        print(f"results: {name}.txt ({time.time() - start:.0f} s)")


def blocks(text):
    """(match, results file, start, count) of every marked block."""
    return [(m, m.group(1), m.group(2), int(m.group(3))) for m in MARK.finditer(text)]


def excerpt(file, start, count):
    path = os.path.join(RESULTS, file)
    if not os.path.exists(path):
        print(f"results: {file} does not exist yet (run `make results`)")
        return None
    with open(path) as f:
        lines = f.read().split("\n")
    for i, line in enumerate(lines):
        if line.startswith(start) and not line.startswith("# "):
            return "\n".join(lines[i:i + count]) + "\n"
    raise SystemExit(f'results: no line starting with "{start}" in {file}')


def sync(check):
    bad = 0
    for page in DOCS:
        path = os.path.join(ROOT, page)
        text = open(path).read()
        new = text
        for m, file, start, count in reversed(blocks(text)):
            body = excerpt(file, start, count)
            if body is None:
                bad += 1
                continue
            if m.group(4) != body:
                bad += 1
                print(f"{page}: the block from {file} \"{start}\" differs from the results file")
                new = new[:m.start(4)] + body + new[m.end(4):]
        if not check and new != text:
            open(path, "w").write(new)
    if check and bad:
        sys.exit(1)


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0] not in ("run", "sync", "check"):
        sys.exit(__doc__)
    if args[0] == "run":
        netl = os.path.join(ROOT, ".build/release/netl")
        rest = args[1:]
        if rest[:1] == ["--netl"]:
            netl, rest = rest[1], rest[2:]
        run(netl, rest)
    else:
        sync(args[0] == "check")
