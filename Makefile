# Two entry points: `make demo` runs the main job on bundled data, `make test` runs every check.
# Both create the virtual environment and build the extension on first use, editable and with
# the dev profile (fast to rebuild; the DSP crates are optimised even there, see Cargo.toml).
# `make wheel-test` (part of `make test`) builds each release artefact once (the wheel from the
# sdist, the server wheel) into dist/ and installs them into fresh virtual environments.

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The tests start the server binary that `cargo test --workspace` has just built (a
# `cargo build -p` would resolve the features again and rebuild part of the tree).
SERVER_BIN := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)/debug/wifi-densepose-sensing-server
PYTEST := WDP_SERVER_BIN=$(SERVER_BIN) $(VENV)/bin/pytest -q

.PHONY: demo test wheel-test wheels python-tests venv clean

$(STAMP): pyproject.toml Cargo.toml $(shell find crates -name '*.rs' -o -name Cargo.toml)
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,client,plot]' --config-settings=build-args='--profile dev'
	$(PY) -m pip install -q --group release
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/wdp vitals tests/data/esp32-excerpt.csi.jsonl
	$(PY) examples/reference_vitals.py

# Every check. The parallel Python tests run side by side with the release builds (mostly one
# LTO link at a time, so a core is often idle); the tests that measure rates or timing windows
# run alone afterwards.
test: $(STAMP)
	scripts/system-deps.sh
	cargo fmt --all --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy --strict python/ examples/
	cargo test --workspace --quiet
	cargo clippy --workspace --all-targets --quiet -- -D warnings
	$(MAKE) --no-print-directory -j2 --output-sync=target python-tests wheels
	$(PYTEST) -m load_sensitive
	WDP_DIST_DIR=dist $(VENV)/bin/pytest -q -m packaging tests/release

python-tests: $(STAMP)
	$(PYTEST) -n 4 --dist loadfile -m 'not packaging and not load_sensitive'

# `+`: cargo takes its jobs from make's pool (two in all, shared with the tests).
wheels: $(STAMP)
	+VENV=$(VENV) DIST_DIR=dist scripts/build-wheels.sh

wheel-test: wheels
	WDP_DIST_DIR=dist $(VENV)/bin/pytest -q -m packaging tests/release

clean:
	rm -rf $(VENV) target dist
