# kamreport entry points. Every target sets up what it needs on first use.
# Variables: CUSTOMER, AS_OF, LOCALE (en | zh-CN), PARAMS (a YAML file), FORMATS (html,pdf).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
KAM    := $(BIN)/kamreport
STAMP  := $(VENV)/.installed-stamp
SAMPLE := data/sample/.complete

# What a run that reads data needs first. Without PARAMS: the bundled sample, generated
# on first use. With PARAMS: the environment only; the recipe then generates the sample
# (make sample) only if that file's data.source is data/sample, so a run on your own
# data never generates, rewrites or waits for it.
DATA := $(if $(PARAMS),$(STAMP),$(SAMPLE))
SAMPLE_IF_READ = $(if $(PARAMS),@if $(BIN)/python -m kamreport.bundled_sample "$(PARAMS)"; \
                   then $(MAKE) --no-print-directory sample; fi)

# Command-line values become parameter overrides (they win over PARAMS=).
RUN_ARGS = $(if $(PARAMS),--params $(PARAMS)) $(if $(AS_OF),--as-of $(AS_OF)) \
           $(if $(LOCALE),--locale $(LOCALE)) $(if $(FORMATS),--formats $(FORMATS))

.PHONY: help venv sample report qbr reports portfolio list validate metrics test snapshots lint format clean email digest targets targets-import targets-merge plans plans-import visit book

help:
	@echo "make report CUSTOMER=<id> [AS_OF=YYYY-MM-DD] [LOCALE=zh-CN] [PARAMS=file]"
	@echo "make qbr CUSTOMER=<id> [QUARTER=2026Q3] [VARIANT=internal] [LOCALE=zh-CN]   quarterly business review deck"
	@echo "make visit CUSTOMER=<id> [AS_OF=YYYY-MM-DD] [LOCALE=zh-CN]   one-page visit card, HTML and PDF"
	@echo "make reports [TIER=key] [ACCOUNTS=id,id] [JOBS=n] [EXECUTOR=dask://host:port] [FORCE=1]   every account"
	@echo "make portfolio [AS_OF=YYYY-MM-DD] [LOCALE=zh-CN] [PARAMS=file]   portfolio report"
	@echo "make list [FILTER=text]      accounts with their ids"
	@echo "make validate                 full validation report of the data"
	@echo "make targets YEAR=2027 [GOAL=amount] [SPLIT=manager]   target-setting workbook(s) + page"
	@echo "make targets-merge YEAR=2027 [DIR=folder]     the managers' workbooks into the VP's"
	@echo "make targets-import FILE=<xlsx> YEAR=2027     agreed targets into the data"
	@echo "make plans [MANAGER=<name>] [CUSTOMER=<id>]   the account-plan workbook"
	@echo "make plans-import FILE=<xlsx>                  an edited account-plan workbook, as a new version"
	@echo "make email REPORT=portfolio|customer [CUSTOMER=<id>] [TO=leadership] [DRY_RUN=1] [FORCE=1]"
	@echo "make digest MANAGER=<name> [LOCALE=zh-CN] [DRY_RUN=1] [FORCE=1]   a KA manager's weekly digest"
	@echo "make book MANAGER=<name> [MONTH=2026-09] [LOCALE=zh-CN]   a KA manager's monthly book (HTML and PDF)"
	@echo "make test                     the whole test suite"
	@echo "make snapshots                rewrite tests/snapshots/ after a deliberate change of what reports show"

venv: $(STAMP)

# Re-created when pyproject.toml changes.
$(STAMP): pyproject.toml
	@echo "Setting up the Python environment in $(VENV) (first run takes a minute)…"
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "kamreport needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log >&2; exit 1; }
	@$(BIN)/python -m pip install -e '.[dev]' >> $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log >&2; exit 1; }
	@# compiled once: where Python never writes bytecode (PYTHONDONTWRITEBYTECODE) each command would
	@# compile the package again (about 0.15 s); a file edited later is compiled as usual
	@$(BIN)/python -m compileall -q kamreport >> $(VENV)/install.log 2>&1 || true
	@touch $(STAMP)

sample: $(SAMPLE)

$(SAMPLE): $(STAMP) kamreport/sample/*.py
	@$(KAM) sample --out data/sample --format csv

report: $(DATA)
	$(SAMPLE_IF_READ)
	@test -n "$(CUSTOMER)" || { echo "Usage: make report CUSTOMER=<id>   (make list shows the ids)" >&2; exit 2; }
	@$(KAM) report --customer "$(CUSTOMER)" $(RUN_ARGS)

# One account's quarterly business review: a PowerPoint deck and its PDF in
# outputs/<as-of>/<locale>/qbr/<id>/ (QUARTER default: the as-of date's; VARIANT=internal adds margin, score, flags).
qbr: $(DATA)
	$(SAMPLE_IF_READ)
	@test -n "$(CUSTOMER)" || { echo "Usage: make qbr CUSTOMER=<id> [QUARTER=2026Q3] [VARIANT=internal] [LOCALE=zh-CN]   (make list shows the ids)" >&2; exit 2; }
	@$(KAM) qbr --customer "$(CUSTOMER)" $(if $(QUARTER),--quarter "$(QUARTER)") $(if $(VARIANT),--variant "$(VARIANT)") $(RUN_ARGS)

# The one-page visit card: outputs/<as-of>/<locale>/visits/visit-<id>-<locale>.html and .pdf.
visit: $(DATA)
	$(SAMPLE_IF_READ)
	@test -n "$(CUSTOMER)" || { echo "Usage: make visit CUSTOMER=<id> [LOCALE=zh-CN]   (make list shows the ids)" >&2; exit 2; }
	@$(KAM) visit --customer "$(CUSTOMER)" $(RUN_ARGS)

# Every account's review (TIER=key to limit), JOBS workers or EXECUTOR=dask://host:port;
# unchanged accounts are skipped unless FORCE=1. Index: outputs/<as-of>/<locale>/index.html.
reports: $(DATA)
	$(SAMPLE_IF_READ)
	@$(KAM) reports $(RUN_ARGS) $(if $(TIER),--tier "$(TIER)") $(if $(ACCOUNTS),--accounts "$(ACCOUNTS)") $(if $(JOBS),--jobs "$(JOBS)") \
	  $(if $(EXECUTOR),--executor "$(EXECUTOR)") $(if $(filter 1 yes true,$(FORCE)),--force)

# The portfolio report for leadership: outputs/<as-of>/<locale>/portfolio/portfolio.html.
portfolio: $(DATA)
	$(SAMPLE_IF_READ)
	@$(KAM) portfolio $(RUN_ARGS)

list: $(DATA)
	$(SAMPLE_IF_READ)
	@$(KAM) list $(if $(PARAMS),--params $(PARAMS)) $(if $(FILTER),"$(FILTER)")

# Account metrics: CUSTOMER=<id> prints its JSON, otherwise every account (FORMAT=csv|json).
metrics: $(DATA)
	$(SAMPLE_IF_READ)
	@$(KAM) metrics $(if $(CUSTOMER),--customer "$(CUSTOMER)",--all --format $(or $(FORMAT),csv)) \
		$(if $(PARAMS),--params $(PARAMS)) $(if $(AS_OF),--as-of $(AS_OF))

validate: $(DATA)
	$(SAMPLE_IF_READ)
	@$(KAM) validate $(if $(PARAMS),--params $(PARAMS))

# Emails a report's summary; recipients, sender and SMTP server in the params file (email.*).
email: $(DATA)
	$(SAMPLE_IF_READ)
	@test "$(REPORT)" != customer || test -n "$(CUSTOMER)" || { echo "Usage: make email REPORT=customer CUSTOMER=<id> [TO=list]" >&2; exit 2; }
	@$(KAM) email --report "$(or $(REPORT),portfolio)" $(if $(CUSTOMER),--customer "$(CUSTOMER)") \
	  --to "$(or $(TO),leadership)" $(if $(filter 1 yes true,$(DRY_RUN)),--dry-run) \
	  $(if $(filter 1 yes true,$(FORCE)),--force) $(RUN_ARGS)

# A KA manager's weekly digest, to the address in email.managers (names: make list).
digest: $(DATA)
	$(SAMPLE_IF_READ)
	@test -n "$(MANAGER)" || { echo "Usage: make digest MANAGER=<name> [DRY_RUN=1]   (the ka_manager column of the accounts)" >&2; exit 2; }
	@$(KAM) digest --manager "$(MANAGER)" $(if $(filter 1 yes true,$(DRY_RUN)),--dry-run) \
	  $(if $(filter 1 yes true,$(FORCE)),--force) $(RUN_ARGS)

# A KA manager's monthly book (述职), HTML and PDF, into outputs/<as-of>/<locale>/books/<manager>/.
book: $(DATA)
	$(SAMPLE_IF_READ)
	@test -n "$(MANAGER)" || { echo "Usage: make book MANAGER=<name> [MONTH=YYYY-MM]   (the ka_manager column of the accounts)" >&2; exit 2; }
	@$(KAM) book --manager "$(MANAGER)" $(if $(MONTH),--month "$(MONTH)") $(RUN_ARGS)

# The target-setting workshop: proposals, workbook and page into outputs/<as-of>/<locale>/targets/.
targets: $(DATA)
	$(SAMPLE_IF_READ)
	@$(KAM) targets $(if $(YEAR),--year "$(YEAR)") $(if $(GOAL),--goal "$(GOAL)") $(if $(SPLIT),--split "$(SPLIT)") $(RUN_ARGS)

# Gathers the KA managers' workbooks of a split workshop into targets-<year>-merged.xlsx.
targets-merge: $(STAMP)
	@test -n "$(YEAR)" || { echo "Usage: make targets-merge YEAR=<year> [DIR=outputs/<as-of>/<locale>/targets] [PARAMS=file]" >&2; exit 2; }
	@$(KAM) targets-merge --year "$(YEAR)" $(if $(DIR),--dir "$(DIR)") $(if $(PARAMS),--params $(PARAMS))

# Reads an edited targets workbook back into the data source's targets table.
targets-import: $(STAMP)
	@test -n "$(FILE)" -a -n "$(YEAR)" || { echo "Usage: make targets-import FILE=outputs/<as-of>/<locale>/targets/targets-<year>.xlsx YEAR=<year> [PARAMS=file]" >&2; exit 2; }
	@$(KAM) targets-import --file "$(FILE)" --year "$(YEAR)" $(if $(PARAMS),--params $(PARAMS))

# The account-plan workbook, one sheet per account: outputs/<as-of>/<locale>/plans/.
plans: $(DATA)
	$(SAMPLE_IF_READ)
	@$(KAM) plans $(if $(MANAGER),--manager "$(MANAGER)") $(if $(CUSTOMER),--customer "$(CUSTOMER)") $(RUN_ARGS)

# Reads an edited account-plan workbook back into outputs/plans/ (a new version, the old kept).
plans-import: $(DATA)
	$(SAMPLE_IF_READ)
	@test -n "$(FILE)" || { echo "Usage: make plans-import FILE=outputs/<as-of>/<locale>/plans/account-plans.xlsx [PARAMS=file]" >&2; exit 2; }
	@$(KAM) plans-import --file "$(FILE)" $(RUN_ARGS)

test: $(STAMP)
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

# What reports show is pinned in tests/snapshots/; after a deliberate change, rewrite and review them.
snapshots: $(STAMP)
	@KAMREPORT_UPDATE_SNAPSHOTS=1 $(BIN)/python -m pytest -q tests/test_snapshots.py
	@git status --short tests/snapshots 2>/dev/null || true

lint: $(STAMP)
	@$(BIN)/ruff check kamreport tests bench
	@$(BIN)/ruff format --check kamreport tests bench

format: $(STAMP)
	@$(BIN)/ruff format kamreport tests bench
	@$(BIN)/ruff check --fix kamreport tests bench

clean:
	rm -rf $(VENV) data/sample outputs/*/ outputs/.cache .pytest_cache build dist kamreport/_bundled
