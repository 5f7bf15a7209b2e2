# The two commands a newcomer needs are `make run` and `make test`; both install first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SDK_STAMP := $(VENV)/.sdks
FRONTEND_STAMP := node_modules/.installed
OPENAPI_DOCS := services/registry/openapi.json services/assessment/openapi.json services/commissioning/openapi.json

.PHONY: install run test lint typecheck bench openapi clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The console's clients are generated from the committed OpenAPI documents (never committed
# themselves): a changed document regenerates them on the next install.
$(SDK_STAMP): $(STAMP) $(OPENAPI_DOCS)
	$(BIN)/python -m services.console.sdks
	@touch $(SDK_STAMP)

# GOV.UK Frontend, at the version package-lock.json pins, served by the console itself.
$(FRONTEND_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "need npm (Node.js) on PATH for GOV.UK Frontend"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(FRONTEND_STAMP)

install: $(STAMP) $(SDK_STAMP) $(FRONTEND_STAMP)

run: install
	$(BIN)/strongtrusts run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared services migrations tests bench

test: lint
	$(BIN)/python -m pytest -q

openapi: install
	$(BIN)/strongtrusts openapi

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache build node_modules .artefacts
