# The project's commands. Each sets up what it needs first, so each works on a fresh clone.
#   make serve       serve the site at http://127.0.0.1:8000, rebuilding each page you save
#   make test        run the whole test suite
#   make notebooks   re-execute notebooks (all, or NB=notebooks/x.ipynb) and save their outputs
#   make badges      rewrite the notebooks' Colab/lesson badges from mkdocs.yml
#   make build       build the site into site/
#   make benchmark   measure build times, page sizes, the search index and Lighthouse scores,
#                    and record them in includes/measurements.md (shown on the site)

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NB ?=
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve build test notebooks badges benchmark assets system-packages clean

# Stamp files record what has been installed, so a second run starts in seconds.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.site: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.notebooks: requirements-notebooks.txt requirements-test.txt | $(VENV)/.site
	$(BIN)/pip install --quiet -r requirements-notebooks.txt -r requirements-test.txt
	touch $@

assets: overrides/assets/vendor/.stamp
overrides/assets/vendor/.stamp: package.json package-lock.json scripts/fetch-assets.sh
	scripts/fetch-assets.sh
	touch $@

# Debian packages the tests need: chromium drives the browser tests (never `playwright install`:
# it downloads a browser); espeak-ng speaks the audio notebook's words.
APT_PACKAGES := chromium espeak-ng
system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do command -v $$p >/dev/null || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$sudo apt-get update -qq && $$sudo apt-get install -y -qq $$missing >/dev/null; \
	fi

serve: $(VENV)/.site assets
	SITE_URL=http://127.0.0.1:8000/ $(BIN)/mkdocs serve --dirty --dev-addr 127.0.0.1:8000

build: $(VENV)/.site assets
	$(BIN)/mkdocs build --strict

test: $(VENV)/.notebooks assets system-packages
	$(BIN)/python -m pytest

notebooks: $(VENV)/.notebooks system-packages
	$(BIN)/python scripts/notebooks.py execute $(NB)

badges: $(VENV)/.site
	$(BIN)/python scripts/notebooks.py badges

benchmark: $(VENV)/.site assets system-packages
	$(BIN)/python scripts/benchmark.py --lighthouse --record includes/measurements.md

clean:
	rm -rf site .cache .pytest_cache
