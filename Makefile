# The two commands: `make demo` runs the product, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench clean

$(STAMP): pyproject.toml
	deploy/install-venv.sh $(PYTHON)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "正在安装依赖（首次约一两分钟）…"
	$(BIN)/python -m pip install --progress-bar on -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/anwang demo

test: $(STAMP)
	deploy/install-browser.sh
	$(BIN)/python -m pytest

lint: $(STAMP) typecheck
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy cannot follow setuptools' editable package-dir mapping, so it reads the folders
# through a tree of links that spells the `anwang` namespace out.
TYPECHECK := $(VENV)/typecheck
typecheck: $(STAMP)
	rm -rf $(TYPECHECK) && mkdir -p $(TYPECHECK)/anwang
	for d in platform tenants supervision enforcement gis reports; do ln -s "$(CURDIR)/$$d" $(TYPECHECK)/anwang/$$d; done
	cd $(TYPECHECK) && MYPYPATH=. "$(CURDIR)/$(BIN)/mypy" --namespace-packages --explicit-package-bases \
		--config-file "$(CURDIR)/pyproject.toml" -p anwang

# Seeds anwang_bench_taicang once (about two minutes), then reuses it; see bench/README.md.
bench: $(STAMP)
	$(BIN)/python -m bench.task_generation --scale taicang
	$(BIN)/python -m bench.hazard_api --scale taicang
	$(BIN)/python -m bench.rls_overhead --scale taicang
	$(BIN)/python -m bench.rollups --scale taicang

clean:
	rm -rf $(VENV) .anwang .pytest_cache
