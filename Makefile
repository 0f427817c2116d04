# Two entry points: `make demo` runs the main job on bundled data, `make test` runs every check.
# Both create the virtual environment and build the extension on first use, editable and with
# the dev profile (fast to rebuild; the DSP crates are optimised even there, see Cargo.toml).
# `make wheel-test` (part of `make test`) builds each release artefact once (the wheel from the
# sdist, the server wheel) into dist/ and installs them into fresh virtual environments.

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test wheel-test venv clean

$(STAMP): pyproject.toml Cargo.toml $(shell find crates -name '*.rs' -o -name Cargo.toml)
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,client,plot]' --config-settings=build-args='--profile dev'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/wdp vitals tests/data/esp32-excerpt.csi.jsonl
	$(PY) examples/reference_vitals.py

test: $(STAMP)
	scripts/system-deps.sh
	cargo fmt --all --check
	cargo test --workspace --quiet
	cargo clippy --workspace --all-targets --quiet -- -D warnings
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy --strict python/ examples/
	$(VENV)/bin/pytest -q
	$(MAKE) --no-print-directory wheel-test

wheel-test: $(STAMP)
	VENV=$(VENV) DIST_DIR=dist scripts/build-wheels.sh
	WDP_DIST_DIR=dist $(VENV)/bin/pytest -q -m packaging tests/release

clean:
	rm -rf $(VENV) target dist
