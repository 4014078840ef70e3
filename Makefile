# NetLang — set-up, build, demo, tests and benchmarks.
#
#   make demo           install missing system packages, release build, run the demo
#   make test           install missing system packages, run the whole test suite
#   make bench          release build, then `netl bench` (all workloads)
#   make bench-compare  netl bench side by side with PyTorch / JAX (../shared/bench)
#   make bench-sweep    cost of a log-det step against batch, width, terms (chart)
#   make results        rerun the chapter 3–6 examples, refresh the numbers and pictures in the docs
#
# The demo: the chapter 4 i-ResNet classifiers on the digits (about 90 seconds).
DEMO_CMD = $(NETL) run examples/ch4/iresnet_digits.net

# Debian packages the build links against (CBLAS/LAPACKE, readline, GLPK, libpng, zlib),
# Python 3 for the fuzz slice of `make test` (scripts/fuzz.py), and Open MPI for
# `mpirun -np N netl run` (loaded at run time only; docs/scaling.md), Neovim, the real
# LSP client the `netl lsp` tests drive headless (NeovimClientTests), and Node.js, which
# runs the VS Code extension's script in VSCodeExtensionTests (docs/editors.md).
APT_PACKAGES = libopenblas-dev liblapacke-dev libreadline-dev libglpk-dev libpng-dev zlib1g-dev pkg-config python3 libopenmpi-dev openmpi-bin neovim nodejs

# Parallelism: build jobs and test worker processes (the machine has 2 cores).
JOBS ?= 2
# OpenBLAS threads per test process: with $(JOBS) test processes at once, one thread each
# keeps the 2 cores from being oversubscribed.
TEST_THREADS ?= 1

SWIFT ?= swift
NETL = .build/release/netl
SHARED ?= ../shared
BENCH_DIR = bench-results
VENV = .venv-ref
PY_REF = $(VENV)/bin/python
ROUNDS ?= 5
# Extra options for both benchmark harnesses, e.g. BENCH_ARGS=--quick
BENCH_ARGS ?=
TEST_XML = .build/test-results.xml
TEST_LOG = .build/test-output.log
# The fixed-seed fuzz slice `make test` runs after the unit tests (counted as one test).
FUZZ_ARGS ?= --seed 1 --scripts 1200 --data 300 --lsp 200

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: help deps toolchain build demo test bench bench-compare bench-sweep results venv-ref clean

help:
	@sed -n '2,9p' Makefile | sed 's/^# \{0,1\}//'

## Installs the missing Debian packages (apt-get update only when something is missing).
deps: toolchain
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg -s "$$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all system packages present"; exit 0; fi; \
	echo "deps: installing$$missing"; \
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq; \
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing </dev/null

toolchain:
	@command -v $(SWIFT) >/dev/null || { echo "error: no '$(SWIFT)' on PATH; NetLang needs a Swift 6.x toolchain" >&2; exit 1; }

## Release build of the command-line tool.
build: deps
	$(SWIFT) build -c release --product netl -j $(JOBS)

demo: build
	$(DEMO_CMD)

## The whole test suite, $(JOBS) test processes at a time, then the fuzz slice (scripts/fuzz.py,
## counted as one test); ends with "Tests: N passed, N failed".
## (SwiftPM's xunit file does not mark XCTSkip'd tests: they count as passed.)
## Swift Testing is switched off while no test file imports it (it would only print "0 tests").
test: deps
	@mkdir -p .build; rm -f $(TEST_XML) $(TEST_LOG); start=$$(date +%s); rc=0; flags=""; \
	grep -rqs '^import Testing' Tests || flags="--disable-swift-testing"; \
	$(SWIFT) build --product netl -j $(JOBS) || rc=$$?; \
	{ status=0; OPENBLAS_NUM_THREADS=$(TEST_THREADS) \
	  $(SWIFT) test -j $(JOBS) --parallel --num-workers $(JOBS) --xunit-output $(TEST_XML) $$flags 2>&1 || status=$$?; \
	  echo $$status > $(TEST_LOG).rc; } | tee $(TEST_LOG); \
	test_rc=$$(cat $(TEST_LOG).rc 2>/dev/null || echo 1); [ "$$test_rc" -eq 0 ] || rc=$$test_rc; \
	echo "make test: swift test exited with $$test_rc after $$(( $$(date +%s) - start )) s"; \
	fuzz=0; python3 scripts/fuzz.py $(FUZZ_ARGS) --netl .build/debug/netl || { fuzz=1; rc=1; }; \
	python3 scripts/test_summary.py $(TEST_XML) $(TEST_LOG) $$rc $$fuzz || rc=1; \
	exit $$rc

## `netl bench`: every workload, one JSON line each.
bench: build
	$(NETL) bench $(BENCH_ARGS)

## The reference frameworks, as in $(SHARED)/bench/WORKLOADS.md ("Installing the reference frameworks").
venv-ref: $(VENV)/.installed

$(VENV)/.installed:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q numpy "jax[cpu]" threadpoolctl
	$(VENV)/bin/pip install -q "torch==2.13.0+cpu" || $(VENV)/bin/pip install -q --no-cache-dir torch==2.15.0
	touch $@

## NetLang and the reference frameworks, $(ROUNDS) interleaved rounds, one fresh process
## each (torch plain and malloc-tuned, jax, numpy), then the table: medians, per-round
## ratios NetLang / best peer with their median and spread, the peers' spread, NetLang's
## share of the roofline and "at goal" (ratio ≤ 0.80 or ≥ 85 % of the roofline), peak memory.
bench-compare: build venv-ref
	@test -f $(SHARED)/bench/reference.py || { echo "error: $(SHARED)/bench/reference.py not found (set SHARED=...)" >&2; exit 1; }
	NETL=$(NETL) PY_REF=$(PY_REF) REFERENCE=$(SHARED)/bench/reference.py python3 scripts/bench_side_by_side.py --rounds $(ROUNDS) $(BENCH_ARGS)

## How the cost of a log-det step grows with batch, width and series terms: JSON lines and
## bench-results/sweep.png.
bench-sweep: build
	@mkdir -p $(BENCH_DIR)
	$(NETL) bench --sweep --chart $(BENCH_DIR)/sweep.png

## The numbers and pictures docs/chapter3.md and docs/chapter6.md quote: each example run
## seeded (--seed 0) into docs/results/<name>.txt (with the commit) and docs/images/<chapter>/,
## then the marked blocks of the docs copied from the results (scripts/results.py; about 30
## minutes on two cores, plus about 20 for the MNIST iCE runs on a busy machine).
## RESULTS=ch6_metameric reruns one, RESULTS='ch6_ice_mnist*' the MNIST iCE runs.
RESULTS ?=
results: build
	python3 scripts/results.py run --netl $(NETL) $(RESULTS)
	python3 scripts/results.py sync

clean:
	rm -rf .build $(BENCH_DIR)
