# The two commands of the README: `make run` and `make test`. Everything else is their plumbing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
# The suite runs on pytest-xdist with one worker more than there are cores: the browser tests wait
# more than half of the time (drill clock, reruns), and on 2 cores a third worker ran them in 262 s
# instead of 366 s (tests/README.md "Speed"). One test file stays on one worker, so a module's
# server, browser or database is started once. PYTEST_ARGS="-n0" runs it serially.
WORKERS ?= $(shell $(PYTHON) -c 'import os; print((os.cpu_count() or 1) + 1)')
PYTEST_ARGS ?= -n $(WORKERS) --dist loadfile

.PHONY: run test lint bench db system-deps bytecode clean serve-replicas

run: $(VENV)/.installed bytecode
	$(PY) -m simulator init-db
	$(VENV)/bin/streamlit run app.py --server.port $(PORT) --server.headless true \
		--browser.gatherUsageStats false

# A drill day: N replicas on the PostgreSQL FIREDRILL_DATABASE_URL names, behind nginx on PORT
# (sticky sessions; see README "Serving a drill day"). Ctrl-C stops them all.
N ?= 2
serve-replicas: $(VENV)/.installed system-deps bytecode
	$(PY) scripts/serve_replicas.py --replicas $(N) --port $(PORT)

# Everything ruff checks and formats: the core, the app, its wheel entry, tests, benchmarks, scripts.
LINTED = simulator ui pages app.py firedrill_app tests benchmarks scripts

test: $(VENV)/.installed-test system-deps bytecode
	$(PY) -m ruff check $(LINTED)
	$(PY) -m ruff format --check $(LINTED)
	$(PY) -m mypy
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(PY) -m ruff check $(LINTED)
	$(PY) -m ruff format --check $(LINTED)
	$(PY) -m mypy

bench: $(VENV)/.installed-test system-deps bytecode
	$(PY) -m benchmarks

db: $(VENV)/.installed
	$(PY) -m simulator init-db

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[test]'
	touch $(VENV)/.installed $@

# Our modules' bytecode, compiled ahead as a regular `pip install` does for a package. An editable
# install leaves it to the first import, and where PYTHONDONTWRITEBYTECODE is set (some CI images and
# containers) every `firedrill` command would recompile every module it loads. Up-to-date files are
# skipped, so this is instant after the first time; a stale file is simply recompiled on import.
bytecode: | $(VENV)/bin/python
	$(PY) -m compileall -q simulator ui pages app.py benchmarks

# Debian packages the suite uses as real parts: promtool, amtool, Chromium, PostgreSQL, nginx.
system-deps:
	bash scripts/ensure-system-deps.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
