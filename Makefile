# The two commands a newcomer needs:
#   make run    set up a virtual environment and start the app
#   make test   set up (with the test tools) and run every test
# Everything lives in .venv; delete it to start again.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test examples docs bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/forethought banks
	$(BIN)/forethought register examples/high-risk-surveillance.json

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

# Regenerate the example registers and the bank documentation after changing a bank.
examples: $(VENV)/.installed
	$(BIN)/python -m app.examples

bench: $(VENV)/.installed
	$(BIN)/python bench/bench_engine.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis dist build
