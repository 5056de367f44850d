# alpine-ready's task runner.  Every target is one short command you can also type.
#   make dev     install everything the tests need (apt packages as root, .venv, real artefacts)
#   make lint    ruff check, ruff format --check, mypy --strict
#   make format  ruff format (and ruff's import sorting)
#   make test    the whole test suite (it runs ruff check, ruff format --check and mypy too)
#   make docs    regenerate the generated docs: README's --help blocks, docs/*.md from registries
#   make bench   the benchmarks' quick forms (benchmarks/README.md has the full ones)
#   make clean   remove caches and build leftovers from the checkout (never ~/.cache)

VENV   ?= .venv
PYTHON ?= $(VENV)/bin/python
RUFF   ?= $(VENV)/bin/ruff
MYPY   ?= $(VENV)/bin/mypy
# What ruff lints and formats: every Python file of the project's own.
CODE   := src tests tools benchmarks examples
# Arguments for pytest, e.g. make test PYTEST_ARGS="-q tests/test_scan.py"
PYTEST_ARGS ?=

.PHONY: help dev lint format test docs bench bench-full clean

help:
	@sed -n 's/^#   make /make /p' $(firstword $(MAKEFILE_LIST))

dev:
	bash tools/install-test-deps.sh

lint:
	$(RUFF) check $(CODE)
	$(RUFF) format --check $(CODE)
	$(MYPY)

format:
	$(RUFF) check --select I --fix $(CODE)
	$(RUFF) format $(CODE)

test:
	$(PYTHON) -m pytest $(PYTEST_ARGS)

# Every generator that writes documentation: tools/update_readme.py (the --help
# blocks of README.md) and tools/gen_*_docs.py (docs/rules.md, docs/codes.md, ...).
docs:
	$(PYTHON) tools/update_readme.py
	@set -e; for gen in $(sort $(wildcard tools/gen_*_docs.py)); do \
		echo "$(PYTHON) $$gen"; $(PYTHON) $$gen; \
	done

# Quick forms: one timed repetition each, the CLI rows only (a few minutes in all).
bench:
	$(PYTHON) benchmarks/scan_usr.py --no-readers -n 1
	$(PYTHON) benchmarks/inspect_archive.py -n 1
	$(PYTHON) benchmarks/hostile_inputs.py --area outputs

# The forms benchmarks/README.md reports (long; deps_lockfile needs PyPI and npm).
bench-full:
	$(PYTHON) benchmarks/scan_usr.py
	$(PYTHON) benchmarks/inspect_archive.py
	$(PYTHON) benchmarks/deps_lockfile.py
	$(PYTHON) benchmarks/hostile_inputs.py

clean:
	rm -rf .mypy_cache .ruff_cache .pytest_cache .hypothesis build dist examples/app
	find src tests tools benchmarks examples -name __pycache__ -type d -prune -exec rm -rf {} +
