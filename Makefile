# PESS Tracker: `make run` starts the demo (web server + background worker), `make test` runs the whole suite.
# Only Python 3.11+ and make are needed; everything else is installed into .venv.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_WORKERS ?= auto

.PHONY: run test install migrations-check lint format bench-seed clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Settings default to production (DEBUG=False, which refuses the development secret key):
# the targets that run the app locally ask for development mode, and DEMO_MODE follows DEBUG.
# The test suite sets DEBUG=True itself (pyproject.toml, pytest-env).
run: export DEBUG = True
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_reference_data
	$(BIN)/python manage.py seed_demo --size small
	@echo "PESS Tracker: http://$(HOST):$(PORT)/  (administración: http://$(HOST):$(PORT)/admin/)"
	@echo "Exportaciones en segundo plano: el proceso de tareas corre junto al servidor y se detiene con él."
	sh scripts/run_with_worker.sh $(BIN)/python $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

migrations-check: export DEBUG = True
migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
