# Level0 — the two commands first: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Re-install when pyproject.toml changes (the stamp files remember the last install).
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run test bench build serve lint clean

run: $(RUN_STAMP)  ## install, build site, index and model, serve on http://127.0.0.1:8000
	$(BIN)/level0 build
	$(BIN)/level0 serve --host $(HOST) --port $(PORT)

test: $(TEST_STAMP)  ## install with test extras and run the whole suite
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: $(BENCH_STAMP)  ## run the benchmarks (search quality, triage quality, speed at 100/1,000/10,000 pages, HTTP load, one triage on this project)
	$(BIN)/python bench/search_quality.py
	$(BIN)/python bench/triage_quality.py
	$(BIN)/python bench/perf.py
	$(BIN)/python bench/load.py
	$(BIN)/level0 build
	$(BIN)/python bench/triage_speed.py --runs 3

.PHONY: bench-quick
bench-quick: $(BENCH_STAMP)  ## the benchmarks without the 10,000-page knowledge base
	$(BIN)/python bench/search_quality.py
	$(BIN)/python bench/triage_quality.py
	$(BIN)/python bench/perf.py --skip-large
	$(BIN)/python bench/load.py
	$(BIN)/level0 build
	$(BIN)/python bench/triage_speed.py --runs 3

build: $(RUN_STAMP)
	$(BIN)/level0 build

lint: $(TEST_STAMP)
	$(BIN)/ruff check kb_search triage tests bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

$(BENCH_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $@

clean:
	rm -rf site .level0 .pytest_cache
