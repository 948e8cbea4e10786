# callshift: `make demo` runs the main job on the sample data, `make test` runs the tests.
# Both set up a virtual environment in .venv on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test check lint types bench bench-nrp fmt clean sample

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The main job on the bundled sample week: staffing, then a roster of the sample team.
demo: $(STAMP)
	$(BIN)/callshift plan data/forecast.csv --agents data/agents.csv --leave data/leave.csv \
		--preferences data/preferences.csv --time-limit 30 --out callshift-out/demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check callshift tests bench
	$(BIN)/ruff format --check callshift tests bench

types: $(STAMP)
	$(BIN)/mypy

check: lint types test

# Installs the tools we compare against (pyworkforce), then rewrites BENCHMARKS.md.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/run.py > BENCHMARKS.md.tmp && mv BENCHMARKS.md.tmp BENCHMARKS.md
	cat BENCHMARKS.md

# The roster engine on the Curtois & Qu benchmark (../shared/data/curtois): writes
# bench/nrp_results.md. Up to 60 s per instance for 1-12, 600 s for 13-19, 120 s for
# 20-24 (about 2 h 10 min); name instances to run a subset: make bench-nrp NRP="1 2 3".
bench-nrp: $(STAMP)
	$(BIN)/python bench/nrp.py $(NRP)

fmt: $(STAMP)
	$(BIN)/ruff format callshift tests bench
	$(BIN)/ruff check --fix callshift tests bench

# Regenerate data/*.csv from callshift.sample (a test checks they agree).
sample: $(STAMP)
	$(BIN)/python -c "from callshift.sample import sample_files; \
	[open('data/' + n, 'w').write(t) for n, t in sample_files().items() if n.endswith('.csv')]"

clean:
	rm -rf $(VENV) callshift-out .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
