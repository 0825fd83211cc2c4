# The README's two commands: `make train` and `make test`. Both build .venv from constraints.txt first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
ROOT_DIR ?= runs/breakout_dqn
ARGS ?=

.PHONY: train test install
install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

train: install
	$(BIN)/python -m pipelines.breakout_dqn --root_dir=$(ROOT_DIR) $(ARGS)

test: install
	$(BIN)/python -m pytest -q $(ARGS)
