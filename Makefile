# beltwatch: every set-up step lives here; nothing is installed by hand.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Packages held to mypy in `make lint` (the typed core; others are being brought in).
TYPED_CORE := src/beltwatch/timescales src/beltwatch/frames src/beltwatch/catalog \
	src/beltwatch/propagation src/beltwatch/orbit_determination src/beltwatch/analytics \
	src/beltwatch/values.py \
	src/beltwatch/errors.py src/beltwatch/_io.py src/beltwatch/pipeline.py

.PHONY: run test bench lint clean install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/beltwatch run

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy $(TYPED_CORE)

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
