# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
XINYONG := $(BIN)/xinyong
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: run install install-dev migrate demo test test-sqlite test-postgres lint bench drill clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(XINYONG) migrate --no-input

# `make run` is the trial on a laptop: it loads the demo on purpose. --force lets it do so
# without XINYONG_DEBUG (which would also switch on Django's debug pages for the server);
# the office's home page then warns that the demo accounts' password is published.
demo: migrate
	$(XINYONG) demo --force

run: demo
	$(XINYONG) serve --host 127.0.0.1 --port 8000 --with-worker

test: test-sqlite test-postgres lint

test-sqlite: install-dev
	XINYONG_DATABASE_URL=sqlite:///var/test.sqlite3 $(BIN)/pytest -q

test-postgres: install-dev
	XINYONG_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest -q

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/xinyong makemigrations --check --dry-run > /dev/null
	$(BIN)/mypy xinyong

bench: install-dev
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/run.py

# A fault drill on PostgreSQL (kills the worker, restarts the server, reruns a live job);
# not part of `make test`: it restarts this machine's PostgreSQL cluster.
drill: install-dev
	$(BIN)/python bench/drill.py

clean:
	rm -rf $(VENV) var
