# The two commands a fresh machine needs: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
WORKERS ?= 2

.PHONY: setup demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/clerk-harness setup

demo: setup
	$(BIN)/clerk-harness demo

test: setup
	$(BIN)/pytest -n $(WORKERS)

bench: setup
	$(BIN)/python benchmarks/bench_scenarios.py

clean:
	rm -rf $(VENV) .cache artifacts
