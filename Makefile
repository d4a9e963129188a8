# warta: `make demo` publishes the sample corpus into ./public; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
AMP_VALIDATOR := .cache/amp-validator/.installed
EXAMPLE := examples/andalpost

.PHONY: setup demo test lint serve clean stress fuzz

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

$(AMP_VALIDATOR): tools/amp-validator/install.sh
	bash tools/amp-validator/install.sh

setup: $(STAMP) $(AMP_VALIDATOR)

demo: $(STAMP)
	$(BIN)/warta publish --config $(EXAMPLE)/site.toml --out public --state .warta $(EXAMPLE)/events
	@echo
	@echo "Made in ./public:"
	@find public -type f | sort | sed 's/^/  /'
	@echo
	@echo "Look at it with:  $(BIN)/warta serve --config $(EXAMPLE)/site.toml --out public --state .warta"
	@echo "then open http://127.0.0.1:8000/feed/index.xml or http://127.0.0.1:8000/sitemap.xml"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup lint
	$(BIN)/pytest -q

# Full-size reliability runs (make test runs them at reduced size).
stress: setup
	WARTA_STRESS_FULL=1 $(BIN)/pytest -q tests/test_reliability_local.py

fuzz: setup
	WARTA_FUZZ_EXAMPLES=20000 $(BIN)/pytest -q tests/test_fuzz_pipeline.py

serve: $(STAMP)
	$(BIN)/warta serve --config $(EXAMPLE)/site.toml --out public --state .warta

clean:
	rm -rf public .warta .pytest_cache .ruff_cache
