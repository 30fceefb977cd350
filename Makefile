# Every target creates .venv and installs what it needs by itself (fresh machine: just `make run`).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test bench lint format clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)  ## the main job (sandbox when no Slack token and no forge is configured)
	@$(BIN)/innersource-bot run

test: $(STAMP)  ## every test; on PostgreSQL too when TEST_DATABASE_URL is set
	@$(BIN)/pytest -n 2 -q

bench: $(STAMP)  ## benchmarks, each printing its figures next to its budget; fails if any is over
	@$(BIN)/python bench/crawl_cost.py; crawl=$$?; \
	$(BIN)/python bench/find_latency.py; find=$$?; \
	$(BIN)/python bench/deliver.py; deliver=$$?; \
	$(BIN)/python bench/route.py; route=$$?; \
	$(BIN)/python bench/progression.py; progression=$$?; \
	exit $$(( crawl || find || deliver || route || progression ))

lint: $(STAMP)
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy

format: $(STAMP)
	@$(BIN)/ruff format .
	@$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache innersource-sandbox.db*
