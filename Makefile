# kamreport entry points. Every target sets up what it needs on first use.
# Variables: CUSTOMER, AS_OF, LOCALE (en | zh-CN), PARAMS (a YAML file), FORMATS (html,pdf).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
KAM    := $(BIN)/kamreport
STAMP  := $(VENV)/.installed-stamp
SAMPLE := data/sample/.complete

# Command-line values become parameter overrides (they win over PARAMS=).
RUN_ARGS = $(if $(PARAMS),--params $(PARAMS)) $(if $(AS_OF),--as-of $(AS_OF)) \
           $(if $(LOCALE),--locale $(LOCALE)) $(if $(FORMATS),--formats $(FORMATS))

.PHONY: help venv sample report list validate metrics test lint format clean

help:
	@echo "make report CUSTOMER=<id> [AS_OF=YYYY-MM-DD] [LOCALE=zh-CN] [PARAMS=file]"
	@echo "make list [FILTER=text]      accounts with their ids"
	@echo "make validate                 full validation report of the data"
	@echo "make test                     the whole test suite"

venv: $(STAMP)

# Re-created when pyproject.toml changes.
$(STAMP): pyproject.toml
	@echo "Setting up the Python environment in $(VENV) (first run takes a minute)…"
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "kamreport needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

sample: $(SAMPLE)

$(SAMPLE): $(STAMP) kamreport/sample/*.py
	@$(KAM) sample --out data/sample --format csv

report: $(SAMPLE)
	@test -n "$(CUSTOMER)" || { echo "Usage: make report CUSTOMER=<id>   (make list shows the ids)" >&2; exit 2; }
	@$(KAM) report --customer "$(CUSTOMER)" $(RUN_ARGS)

list: $(SAMPLE)
	@$(KAM) list $(if $(PARAMS),--params $(PARAMS)) $(if $(FILTER),"$(FILTER)")

validate: $(SAMPLE)
	@$(KAM) validate $(if $(PARAMS),--params $(PARAMS))

test: $(STAMP)
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	@$(BIN)/ruff check kamreport tests bench
	@$(BIN)/ruff format --check kamreport tests bench

format: $(STAMP)
	@$(BIN)/ruff format kamreport tests bench
	@$(BIN)/ruff check --fix kamreport tests bench

clean:
	rm -rf $(VENV) data/sample outputs/*/ .pytest_cache
