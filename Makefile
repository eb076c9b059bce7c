# stai: set-up, demo and tests. Every target installs what it needs first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lit pytest bench setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v gcc >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq gcc make; }
	@$(PYTHON) -c "import venv, ensurepip" 2>/dev/null || { apt-get update -qq && apt-get install -y -qq python3-venv; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,all]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m stai.demo

test: $(STAMP)
	$(VENV)/bin/lit -sv tests/filecheck
	$(PY) -m pytest -n 2 tests

bench: $(STAMP)
	$(PY) -m pytest benchmarks --benchmark-only

clean:
	rm -rf $(VENV) build out *.egg-info
