# Loyalty Lab: `make report` and `make test` set everything up from a bare Python 3.11.
.DEFAULT_GOAL := help
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## setup: create .venv and install the package with its dev tools
setup: $(STAMP)

## report: run every report in reports.yaml on the bundled data (HTML in reports/)
report: $(STAMP)
	$(BIN)/loyaltylab run

## test: mypy on the package, then the test suite (unit tests, doctests, notebooks, browser checks)
test: $(STAMP)
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --dist loadgroup

## lint: ruff on the package, tests, benchmarks and notebooks
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks notebooks

## typecheck: mypy on the package (settings in pyproject.toml, strict on the public API modules)
typecheck: $(STAMP)
	$(BIN)/mypy

## lab: JupyterLab on the notebooks (adds --allow-root when run as root, e.g. in a container)
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

## bench: all performance benchmarks (seconds, peak memory, ratios; several minutes)
bench: $(STAMP)
	$(BIN)/python benchmarks/clv_pipeline.py --sizes 1e6,1e7
	$(BIN)/python benchmarks/kpi.py
	$(BIN)/python benchmarks/scale.py
	$(BIN)/python benchmarks/experiment_analysis.py
	$(BIN)/python benchmarks/reward_simulation.py

## clean: remove the virtual environment and caches
clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

## help: this list
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed 's/^## /  make /'

.PHONY: setup report test lint typecheck lab bench clean help
