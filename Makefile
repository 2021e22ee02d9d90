# `make demo` and `make test` each create .venv when it is missing, install what
# they need into it, then run. Nothing outside .venv is touched.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint format clean examples figures theory

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.core-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.core-installed

demo: $(VENV)/.core-installed
	$(BIN)/gmmkit demo

test: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(VENV)/.test-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info

# `make bench` runs the full benchmark grid against scikit-learn (several
# minutes) and writes BENCHMARKS.md; `benchmarks/bench.py --quick` is the
# reduced grid. `make bench-search` measures only the model search
# (select_model against scikit-learn's loop and mclust) and rewrites only its
# section of BENCHMARKS.md.
.PHONY: bench bench-search

bench: $(VENV)/.test-installed
	$(BIN)/python benchmarks/bench.py --out BENCHMARKS.md

bench-search: $(VENV)/.test-installed
	$(BIN)/python benchmarks/bench.py --search --out BENCHMARKS.md

# `make examples` runs every worked example in full and writes its figures
# into docs/gallery/ (digits and from_scratch_vs_reference need scikit-learn,
# which the test install brings).
examples: $(VENV)/.test-installed
	for name in $$($(BIN)/python -c "from gmmkit.examples import names; print(' '.join(names()))"); do \
		$(BIN)/python examples/$$name.py --out docs/gallery/$$name || exit 1; \
	done

# `make figures` redraws the plotting gallery (docs/figures/); `make theory`
# regenerates docs/theory.md from the report's single source.
figures: $(VENV)/.core-installed
	$(BIN)/python docs/make_figures.py

theory: $(VENV)/.core-installed
	$(BIN)/python -m gmmkit.report.theory > docs/theory.md.tmp && mv docs/theory.md.tmp docs/theory.md
