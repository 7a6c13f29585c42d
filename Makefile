# Entry points: `make demo`, `make test`, `make bench`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv demo test bench bench-quick clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[mongo,demo,test]"
	touch $(STAMP)

demo: venv
	$(PY) -m jupyter_sacred.demo notebooks/quickstart.ipynb

test: venv
	$(PY) -m pytest -p no:cacheprovider --nbval-lax notebooks tests

bench: venv
	$(PY) -m pip install --quiet -e ".[bench]"
	$(PY) benchmarks/run.py

bench-quick: venv
	$(PY) benchmarks/run.py --quick --check

clean:
	rm -rf $(VENV) build dist
