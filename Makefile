# The README's two commands: `make train` and `make test`. Both build .venv from constraints.txt first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
ROOT_DIR ?= runs/pong_dqn
ARGS ?=
# The tests run in this many processes (pytest-xdist), one test file each at a time; 1 runs them
# in this process.
TEST_WORKERS ?= 2

.PHONY: train test lint install bench docker-check docker-gpu
install: $(VENV)/.installed

# TensorFlow 2.15 and Reverb 0.14 ship wheels for Python 3.11 and no newer one.
NEEDS_PYTHON := error: Python 3.11 is needed (TensorFlow 2.15 and Reverb 0.14 have no wheels for \
newer ones) and '$(PYTHON)' is not it: install it with uv (uv python install 3.11), pyenv \
(pyenv install 3.11) or conda, then run make PYTHON=/path/to/python3.11, or use the Docker \
image (docs/docker.md)

$(VENV)/.installed: setup.cfg constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
		2>/dev/null || { echo "$(NEEDS_PYTHON)" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,lint]'
	touch $@

train: install
	$(BIN)/python -m pipelines.pong_dqn --root_dir=$(ROOT_DIR) $(ARGS)

test: install
	$(BIN)/python -m pytest -q --durations=15 -n $(TEST_WORKERS) --dist loadfile $(ARGS)

# The quality gates CI runs before the tests: lint, import order and format (ruff), types of the
# library's core (mypy), and the docs site with every link checked (mkdocs --strict).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy envs pipelines/common
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir $(CURDIR)/build/site

# The benchmark suite against peers (benchmarks/run.py). Peers (SB3 with CPU torch, EnvPool) live
# in their own venv, pinned by benchmarks/constraints-bench.txt; ARGS=--quick for the short run.
BENCH_VENV := .venv-bench
BENCH_PACKAGES := torch stable-baselines3 envpool gymnasium ale-py opencv-python-headless py-spy tyro tensorboard

$(BENCH_VENV)/.installed: benchmarks/constraints-bench.txt
	@test -x $(BENCH_VENV)/bin/python || $(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
		2>/dev/null || { echo "$(NEEDS_PYTHON)" >&2; exit 1; }
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade "pip>=24"
	$(BENCH_VENV)/bin/pip install --quiet -c benchmarks/constraints-bench.txt $(BENCH_PACKAGES)
	touch $@

bench: install $(BENCH_VENV)/.installed
	$(BIN)/python -m benchmarks.run $(ARGS)

# The images built and run with podman (root; installs podman from Debian's packages if missing):
# docker-check builds the CPU image, trains CartPole to its stop rule in it and evaluates the
# export on the host (CI runs it); docker-gpu builds the GPU image and checks its TensorFlow.
docker-check: install
	sh docker/test-images.sh cpu

docker-gpu:
	sh docker/test-images.sh gpu
