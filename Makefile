# Every target bootstraps .venv on a fresh machine that has only Python.
# Installs come from the lock, hash-checked: requirements-dev.txt (runtime + test tools) here,
# requirements.txt (runtime) in deploy/Dockerfile, both exported from uv.lock by `make lock`.
# So make test, make run and CI all use the tested set; a refreshed lock reinstalls.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# uv only resolves the lock (make lock); installing needs nothing but pip.
UV := uv>=0.13.9,<0.14

.PHONY: run test lint lock bench bench-full chat clean

$(STAMP): pyproject.toml requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

# Re-resolve every dependency to the newest release pyproject.toml allows (uv.lock), then
# export the pip-installable, hash-pinned files. Run make test afterwards: it reinstalls.
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet '$(UV)'
	$(BIN)/uv lock --upgrade
	$(BIN)/uv export --quiet --frozen --no-emit-project --no-dev --output-file requirements.txt
	$(BIN)/uv export --quiet --frozen --no-emit-project --extra dev --output-file requirements-dev.txt

run: $(STAMP)
	$(BIN)/paperherald run

chat: $(STAMP)
	$(BIN)/paperherald chat

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench --quick

bench-full: $(STAMP)
	$(BIN)/python -m bench --full

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
