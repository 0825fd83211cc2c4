# The README's two commands: `make train` and `make test`. Both build .venv from constraints.txt first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
ROOT_DIR ?= runs/pong_dqn
ARGS ?=

.PHONY: train test install bench
install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

train: install
	$(BIN)/python -m pipelines.pong_dqn --root_dir=$(ROOT_DIR) $(ARGS)

test: install
	$(BIN)/python -m pytest -q $(ARGS)

# The benchmark suite against peers (benchmarks/run.py). Peers (SB3 with CPU torch, EnvPool) live
# in their own venv, pinned by benchmarks/constraints-bench.txt; ARGS=--quick for the short run.
BENCH_VENV := .venv-bench
BENCH_PACKAGES := torch stable-baselines3 envpool gymnasium ale-py opencv-python-headless py-spy

$(BENCH_VENV)/.installed: benchmarks/constraints-bench.txt
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade "pip>=24"
	$(BENCH_VENV)/bin/pip install --quiet -c benchmarks/constraints-bench.txt $(BENCH_PACKAGES)
	touch $@

bench: install $(BENCH_VENV)/.installed
	$(BIN)/python -m benchmarks.run $(ARGS)
