# `make demo` and `make test` do all the set-up: they create .venv if missing and install from pyproject.toml.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test test-fast lint format install dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip

# tflite-support's metadata tools write and read TFLite metadata for app bundles. Its wheel declares protobuf<4,
# which TensorFlow 2.21 contradicts; the metadata modules never import protobuf, so it goes in without its deps.
TFLITE_SUPPORT := tflite-support==0.4.4

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -qq -e .
	$(BIN)/python -m pip install -qq --no-deps $(TFLITE_SUPPORT)
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -qq -e '.[dev]'
	$(BIN)/python -m pip install -qq --no-deps $(TFLITE_SUPPORT)
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

demo: $(VENV)/.installed
	$(BIN)/edgeopt optimize recipes/quickstart.yaml

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check edgeopt tests benchmarks
	$(BIN)/ruff format --check edgeopt tests benchmarks

format: $(VENV)/.installed-dev
	$(BIN)/ruff format edgeopt tests benchmarks
	$(BIN)/ruff check --fix edgeopt tests benchmarks

test: lint
	$(BIN)/python -m pytest

test-fast: lint
	$(BIN)/python -m pytest -m "not slow"

clean:
	rm -rf runs .pytest_cache .ruff_cache
