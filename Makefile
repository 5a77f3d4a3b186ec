# Every target creates or reuses the virtual environment itself: nothing to install by hand.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: help venv sysdeps build run test test-fast lint bench eval owlcheck clean

help:
	@echo "make run    build the graph and serve it on http://$(HOST):$(PORT)"
	@echo "make test   install what the tests need, then run the whole test suite"
	@echo "make build  rebuild kg/dist/ from ontology/, kg/sources/ and kg/facts/"
	@echo "make lint   ruff + dependency audit"
	@echo "make bench  benchmarks (prints a table, writes bench/results/)"
	@echo "make eval   score the question answerer on tests/data/questions*.json, per family"

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

sysdeps:
	@scripts/system-deps.sh

build: venv
	$(BIN)/kgqa build

run: build
	$(BIN)/kgqa serve --host $(HOST) --port $(PORT)

test: venv sysdeps
	$(BIN)/python -m pytest -q -rs

test-fast: venv
	$(BIN)/python -m pytest -q -m "not server and not java and not browser"

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/audit_deps.py

bench: venv
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev,bench]'
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m tests.load --seconds 25

eval: venv
	$(BIN)/kgqa eval $(sort $(wildcard tests/data/questions*.json)) $(EVAL_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
