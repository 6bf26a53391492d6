# beltwatch: every set-up step lives here; nothing is installed by hand.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# `make lint` holds all of src to mypy.
TYPED_CORE := src/beltwatch

.PHONY: run test bench lint clean install chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) chromium

# The dashboard's browser tests drive Debian's chromium (never a downloaded browser).
chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

run: $(STAMP)
	$(BIN)/beltwatch run

test: $(STAMP) chromium
	BELTWATCH_REQUIRE_SERVICES=1 $(BIN)/python -m pytest -n 2 --dist loadgroup -q

bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy $(TYPED_CORE)

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
