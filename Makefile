# Two commands do everything on a fresh clone:  make run   and   make test
# The venv is rebuilt only when a requirements file changes (stamp files).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CORES  ?= all
# make run CONFIG=my.yaml: a config file layered over config/config.yaml; each run writes
# under its own results/<data>-<config>/ (specverse.study.runs), report included.
CONFIG ?=
CONFIG_ARG = $(if $(CONFIG),--configfile $(CONFIG))
RUN_DIR = $(shell $(BIN)/python -m specverse.study.runs $(CONFIG))

.DEFAULT_GOAL := help
.PHONY: help setup setup-dev run report validate-verdict test test-fast bench bench-workflow slurm-test lint lock clean

## make help: this list
help:
	@grep -h '^## make' $(MAKEFILE_LIST) | sed 's/^## /  /'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-stamp: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev-stamp: requirements-dev.txt $(VENV)/.run-stamp
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

$(VENV)/.bench-stamp: requirements-bench.txt $(VENV)/.run-stamp
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@

setup: $(VENV)/.run-stamp
setup-dev: $(VENV)/.dev-stamp

## make run [CONFIG=file.yaml]: set up, run the multiverse, then build its HTML report
run: setup
	$(BIN)/snakemake --cores $(CORES) $(CONFIG_ARG)
	$(BIN)/snakemake --cores 1 $(CONFIG_ARG) --report $(RUN_DIR)/report.html
	@echo "Report: $(RUN_DIR)/report.html"

## make report [CONFIG=file.yaml]: rebuild the HTML report of a finished run
report: setup
	$(BIN)/snakemake --cores 1 $(CONFIG_ARG) --report $(RUN_DIR)/report.html

## make validate-verdict [CONFIG=file.yaml]: the verdict's validation, coverage on 100 synthetic published tables (about 4 min)
validate-verdict: setup
	$(BIN)/snakemake verdict_calibration --cores $(CORES) $(CONFIG_ARG)

## make test: set up (with test tools), then the whole test suite
test: setup-dev
	$(BIN)/python -m pytest -n 2 --dist loadgroup -ra

## make test-fast: the tests without the end-to-end workflow runs (about two minutes)
test-fast: setup-dev
	$(BIN)/python -m pytest -n 2 -m "not slow and not slurm" -ra

## make lint: snakemake --lint and snakefmt on the workflow
lint: setup-dev
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules

## make bench: the engine and the verdict's simulator against their peers, side by side (installs the bench extra)
bench: $(VENV)/.bench-stamp
	$(BIN)/python bench/engine_peers.py --out results/benchmarks/engine.json
	$(BIN)/python bench/verdict_simulator.py --out results/benchmarks/verdict.json

## make bench-workflow: whole runs timed against their targets, split by stage (CONFIGS="all_subsets full")
CONFIGS ?= all_subsets
bench-workflow: $(VENV)/.run-stamp
	$(BIN)/python bench/workflow_runs.py $(CONFIGS) --out results/benchmarks/workflow.json

## make slurm-test: start a one-node SLURM cluster (root + apt) and run the test config through it
slurm-test: setup-dev
	bash .ci/slurm.sh

## make lock: record the exact installed versions in requirements.lock.txt
lock:
	$(BIN)/pip freeze --exclude-editable > requirements.lock.txt

## make clean: remove every run's results and Snakemake's state
clean:
	rm -rf results .snakemake
