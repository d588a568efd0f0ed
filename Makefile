# One task runner. `make site` and `make test` work on a fresh machine with Python >= 3.11.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: site test check new lint format eval bench golden corpus serve clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "tipkb needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

site: $(STAMP)  ## build the whole site into site/
	$(BIN)/tipkb build --strict

serve: $(STAMP)  ## preview on http://127.0.0.1:8000 with live reload
	$(BIN)/tipkb serve

test: $(STAMP)  ## the content first (check, strict build in each engine), then lint and the test suite
	$(BIN)/tipkb check
	$(BIN)/tipkb build --strict
	$(BIN)/tipkb build --strict --engine zensical --site site-zensical
	$(BIN)/ruff check generator tests benchmarks
	$(BIN)/ruff format --check generator tests benchmarks
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check generator tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format generator tests benchmarks
	$(BIN)/ruff check --fix generator tests benchmarks

eval: $(STAMP)  ## tagging and search quality against the labelled sets (tune and held-out apart)
	@# Every figure is printed, then the target fails if any was below its target.
	@status=0; \
	$(BIN)/tipkb eval tags --links tests/labels/phrase_situations.yml || status=1; \
	$(BIN)/tipkb eval search --queries tests/labels/queries.yml || status=1; \
	$(BIN)/tipkb eval search --queries tests/labels/staff_queries.yml || status=1; \
	$(BIN)/python -m benchmarks.site_search --queries tests/labels/staff_queries.yml || status=1; \
	exit $$status

golden: $(STAMP)  ## regenerate golden files (shows the diff; asks before overwriting)
	$(BIN)/python -m tests.golden

corpus: $(STAMP)  ## refresh the frozen copy of content/ that quality is measured on (asks first)
	$(BIN)/python -m tests.corpus --from content

bench: $(STAMP)  ## speed and size benchmarks
	$(BIN)/python -m benchmarks.run

check: $(STAMP)  ## every problem of the content, as path:line: message
	$(BIN)/tipkb check

new: $(STAMP)  ## start this week's tip: make new TITLE="Make the Long Wait Feel Shorter"
	@test -n "$(TITLE)" || { echo 'say the title: make new TITLE="Your Tip Title"'; exit 2; }
	$(BIN)/tipkb new "$(TITLE)"

clean:
	rm -rf build site site-zensical .pytest_cache
