# `make demo` and `make test` do all the set-up: system needs first (edgeopt/doctor/needs.py, the one list of them:
# installed with apt as root, otherwise the command to run is printed and nothing long starts), then .venv from
# pyproject.toml.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
NEEDS  := $(PYTHON) edgeopt/doctor/needs.py install --for

.PHONY: demo test test-fast golden lint format install dev clean system-demo system-test arm

system-demo:
	@$(NEEDS) demo

system-test:
	@$(NEEDS) test

$(BIN)/python: | system-demo
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip

# tflite-support's generated metadata-schema modules are how bundles write TFLite metadata (pure Python). Its wheel
# declares protobuf<4, which TensorFlow 2.21 contradicts; those modules never import protobuf, so it goes in
# without its deps. The pin lives once, in edgeopt/doctor/stack.py (doctor and the bundle hint read it there).
TFLITE_SUPPORT := $(shell sed -n 's/^TFLITE_SUPPORT = "\(.*\)"$$/\1/p' edgeopt/doctor/stack.py)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -qq -e .
	$(BIN)/python -m pip install -qq --no-deps $(TFLITE_SUPPORT)
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -qq -e '.[dev]'
	$(BIN)/python -m pip install -qq --no-deps $(TFLITE_SUPPORT)
	touch $@ $(VENV)/.installed

install: system-demo $(VENV)/.installed
dev: system-demo $(VENV)/.installed-dev

demo: system-demo $(VENV)/.installed
	$(BIN)/edgeopt optimize recipes/quickstart.yaml

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check edgeopt tests benchmarks
	$(BIN)/ruff format --check edgeopt tests benchmarks

format: $(VENV)/.installed-dev
	$(BIN)/ruff format edgeopt tests benchmarks
	$(BIN)/ruff check --fix edgeopt tests benchmarks

# Tests run on every core (pytest-xdist; an idle worker steals queued tests); the tiny end-to-end run is made once
# per session and shared.
PYTEST := $(BIN)/python -m pytest -n auto --dist worksteal

# The emulated aarch64 stack (qemu + Debian arm64 Python + aarch64 wheels) from the registries, into the user's
# cache; a second run does nothing.
arm: $(VENV)/.installed-dev
	$(BIN)/edgeopt arm setup

test: system-test lint arm
	$(PYTEST)

# The fast layer: pure logic and the committed golden run records (tests/golden), no TensorFlow run.
test-fast: lint
	$(PYTEST) -m "not slow"

# Regenerate tests/golden from fresh runs after a change to what a stage records.
golden: $(VENV)/.installed-dev
	$(BIN)/python -m tests.golden.regenerate

clean:
	rm -rf runs .pytest_cache .ruff_cache
