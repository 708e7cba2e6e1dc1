# Two commands do all set-up on a fresh machine (Python 3.11+, pip reaching PyPI):
#   make report   regenerate every figure and table in figures/ from data/
#   make test     lint (ruff), then run the test suite (unit tests, notebooks, a wheel install)
# Both create .venv and install the package with its pinned dependencies first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DATA   ?= data
OUT    ?= figures

.PHONY: install report gallery test test-slow lab bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=23.2"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,fast,formats]'
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/corpus report --data $(DATA) --out $(OUT)

# The README gallery's figures of the question commands (compare, collocates, periods) on the shipped data.
gallery: $(STAMP)
	$(BIN)/corpus compare 001 --figure docs/gallery --data $(DATA) > /dev/null
	$(BIN)/corpus collocates 工会 --by year --out docs/gallery --data $(DATA) > /dev/null
	$(BIN)/corpus periods --out docs/gallery --data $(DATA) > /dev/null

test: $(STAMP)
	$(BIN)/ruff check --no-cache src tests benchmarks
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_segment.py --write
	$(BIN)/python benchmarks/run.py --write

test-slow: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,fast,formats,dask,browser]'
	$(BIN)/python -m pytest -m slow

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root,)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build src/*.egg-info
