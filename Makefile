# warta: `make demo` publishes the sample corpus into ./public; `make test` runs every test (after
# `make lint`: ruff, mypy as configured in pyproject.toml, and the template checks).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
AMP_VALIDATOR := .cache/amp-validator/.installed
EXAMPLE := examples/andalpost
# The sample's clock: a day after its newest article (scheduled 2023-09-20 06:00 WIB), so that
# article is out of embargo and the news sitemap (last 48 hours) is not empty.
DEMO_NOW := 2023-09-21T00:00:00+07:00

.PHONY: setup demo test lint serve clean stress fuzz fuzz-amp bench-sitemaps

# The venv takes the Lambda artifact's pinned versions (functions/requirements.lock), so the tests
# run on the packages Lambda runs.
$(STAMP): pyproject.toml functions/requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' -c functions/requirements.lock
	@touch $(STAMP)

$(AMP_VALIDATOR): tools/amp-validator/install.sh
	bash tools/amp-validator/install.sh

# Feed readers' own parsers (rss-parser from npm) for the tests that read feeds as readers do.
FEED_READERS := tools/feed-readers/node_modules/.package-lock.json
$(FEED_READERS): tools/feed-readers/package-lock.json
	cd tools/feed-readers && npm ci --no-audit --no-fund --silent --ignore-scripts

setup: $(STAMP) $(AMP_VALIDATOR) $(FEED_READERS) chromium lambda-python

# Headless Chromium for the status page test (about 30 s from apt). Skipped when present;
# without apt or root the test skips itself, so this never fails the build.
.PHONY: chromium
chromium:
	@test -x /usr/bin/chromium || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] \
		&& (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "chromium not installed: the status page browser test will be skipped"; }

demo: $(STAMP)
	$(BIN)/warta publish --config $(EXAMPLE)/site.toml --out public --state .warta --now $(DEMO_NOW) $(EXAMPLE)/events
	@echo
	@echo "Made in ./public:"
	@find public -type f | sort | sed 's/^/  /'
	@echo
	@echo "Look at it with:  $(BIN)/warta serve --config $(EXAMPLE)/site.toml --out public --state .warta"
	@echo "then open http://127.0.0.1:8000/feed/index.xml or http://127.0.0.1:8000/sitemap.xml"

lint: $(STAMP) lint-template
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# template.yaml: cfn-lint (dev extra), then `sam validate --lint` and checkov, each in its own
# venv under .cache/ (they pin versions that clash with ours; about 30 s each to install once).
SAM_VENV := .cache/sam-cli
CHECKOV_VENV := .cache/checkov
$(SAM_VENV)/.installed:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check 'aws-sam-cli>=1.120'
	@touch $@
$(CHECKOV_VENV)/.installed:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check 'checkov>=3.2'
	@touch $@
.PHONY: lint-template
lint-template: $(STAMP) $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed
	$(BIN)/cfn-lint template.yaml
	SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 $(SAM_VENV)/bin/sam validate --lint -t template.yaml
	$(CHECKOV_VENV)/bin/checkov -f template.yaml --framework cloudformation --compact --quiet --skip-download

# The Lambda runtime's Python (template.yaml: python3.12): on PATH or from pyenv. It resolves the
# lock and runs the artifact tests; `sam build` itself needs only make and a pip.
LAMBDA_PYTHON_VERSION := 3.12
LAMBDA_PYTHON ?= $(shell command -v python$(LAMBDA_PYTHON_VERSION) >/dev/null 2>&1 \
	&& python$(LAMBDA_PYTHON_VERSION) -c '' 2>/dev/null && command -v python$(LAMBDA_PYTHON_VERSION) \
	|| ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$(LAMBDA_PYTHON_VERSION).*/bin/python$(LAMBDA_PYTHON_VERSION) 2>/dev/null | sort -V | tail -n 1)
export WARTA_LAMBDA_PYTHON := $(LAMBDA_PYTHON)

# functions/requirements.lock: what the Lambda artifact ships, pinned. Run after changing
# pyproject.toml's dependencies (a test fails until the lock agrees).
.PHONY: lock lambda-python
lambda-python:
	@test -n "$(LAMBDA_PYTHON)" || { echo "Python $(LAMBDA_PYTHON_VERSION) (the Lambda runtime) not found: pyenv install $(LAMBDA_PYTHON_VERSION)" >&2; exit 2; }
lock: lambda-python
	$(LAMBDA_PYTHON) tools/lambda/lock.py

# Cold start: import time of each Lambda handler in a fresh interpreter (median of runs).
.PHONY: bench-cold-start
bench-cold-start: $(STAMP) lambda-python
	$(BIN)/python bench/cold_start.py

test: setup lint wordpress-setup
	$(BIN)/pytest -q -n 2 --dist loadgroup

# One tier of the tests (tests/support/tiers.py): unit is the pure tests, about 20 s, with
# nothing to install beyond the venv. `$(BIN)/pytest -m local` (or aws, browser, wordpress) runs
# another tier; `make test` runs them all.
.PHONY: test-unit
test-unit: $(STAMP)
	$(BIN)/pytest -q -m unit

# The WordPress side (issue 16): PHP, PHPUnit, WordPress and MariaDB from Debian (make test runs
# the tests with them; the real-WordPress run takes about 8 s), then the WordPress tests alone.
.PHONY: wordpress-setup test-wordpress
wordpress-setup:
	tools/wordpress/setup.sh

test-wordpress: setup wordpress-setup
	$(BIN)/pytest -q -p no:xdist tests/test_wordpress_mapping.py tests/test_wordpress_import.py tests/test_wordpress_real.py \
		tests/test_wordpress_markup.py tests/test_wordpress_phpunit.py tests/test_serve_webhook.py

# Full-size reliability runs (make test runs them at reduced size).
# Prints events, workers, faults injected, outputs checked and the result, local and on moto.
stress: setup
	$(BIN)/python tools/stress.py

# Hostile events through the pure core: 20,000 hypothesis examples, then 20,000 atheris inputs.
fuzz: setup
	WARTA_FUZZ_EXAMPLES=20000 $(BIN)/pytest -q tests/test_fuzz_pipeline.py
	mkdir -p .cache/fuzz
	$(BIN)/python tests/fuzz_atheris.py -runs=20000 -seed=1 -max_len=4096 -len_control=0 -artifact_prefix=.cache/fuzz/

# Hostile bodies → AMP pages, each checked for scripts, handlers, unsafe URLs and by the validator.
fuzz-amp: setup
	WARTA_AMP_FUZZ_EXAMPLES=3000 $(BIN)/pytest -q tests/test_amp_fuzz.py

serve: $(STAMP)
	$(BIN)/warta serve --config $(EXAMPLE)/site.toml --out public --state .warta

clean:
	rm -rf public .warta .pytest_cache .ruff_cache .mypy_cache

# Sitemaps of a synthetic 1,000,000-article archive: rebuild time and peak memory, and the files
# one publish rewrites (ARTICLES=50000 for a quick run). Not part of `make test`.
ARTICLES ?= 1000000
bench-sitemaps: $(STAMP)
	$(BIN)/python bench/sitemaps.py --articles $(ARTICLES)

# `warta import wordpress --dry-run` of a synthetic 100,000-post WordPress export: rate and peak
# RSS (POSTS=10000 for a quick run). Not part of `make test`.
POSTS ?= 100000
.PHONY: bench-wordpress-import
bench-wordpress-import: $(STAMP)
	cd bench && ../$(BIN)/python wordpress_import.py --posts $(POSTS)

# Every benchmark of issue 8 in one run: publish latency by archive size (1k to 1M), rebuilds,
# renderers against bare templates, cold start, the AWS stack on moto and its monthly bill,
# Hugo side by side. Prints the table and writes bench/results.json. About 8 minutes on 2
# cores and 6 GB of temporary disk; bench-quick (1k and 10k, 5k for rebuilds and Hugo) takes
# under 2. Hugo comes from apt like chromium above; without it the Hugo rows say skipped.
.PHONY: bench bench-quick hugo
hugo:
	@command -v hugo >/dev/null || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] \
		&& (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hugo >/dev/null) \
		|| echo "hugo not installed: the bench will skip Hugo"; }

bench: $(STAMP) hugo
	$(BIN)/python bench/run.py

bench-quick: $(STAMP) hugo
	$(BIN)/python bench/run.py --quick
