# The two commands of the README:
#   make demo   install everything, then migrate, load the sample courses and serve the demo
#   make test   install everything (Chromium too), then lint, type-check and run the whole suite
PYTHON ?= python3
# Debian packages: the certificate fonts (settings.CERTIFICATE_FONTS); the tests also read PDFs
# with poppler-utils and drive Chromium; tests/hosts runs HAProxy and a redis-server of its own.
DEBIAN_PACKAGES := fonts-noto-core fonts-noto-cjk
TEST_DEBIAN_PACKAGES := $(DEBIAN_PACKAGES) poppler-utils chromium haproxy redis-server
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint debian-packages test-debian-packages lock samples

demo: install debian-packages
	$(BIN)/scormlms demo

test: install test-debian-packages lint
	$(BIN)/pytest $(PYTEST_ARGS)

install: $(STAMP) node_modules/.package-lock.json

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

debian-packages:
	@./scripts/ensure-debian-packages $(DEBIAN_PACKAGES)

test-debian-packages:
	@./scripts/ensure-debian-packages $(TEST_DEBIAN_PACKAGES)

lint: install
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/mypy
	$(BIN)/mypy bench

# Regenerate the lock file after changing pyproject.toml (needs network access to PyPI).
lock:
	$(BIN)/python -m pip install --quiet uv==0.13.8
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock
