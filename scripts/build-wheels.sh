#!/usr/bin/env bash
# Builds the release wheel (one cp310-abi3 manylinux wheel for this machine) and the sdist into
# dist/, then checks them and prints each tool's verdict:
#   auditwheel show    the wheel needs no shared library outside its manylinux policy
#   abi3audit --strict the extension uses only the stable ABI of CPython 3.10
#   size               the wheel stays within MAX_WHEEL_BYTES
#   twine check        the metadata and README render on PyPI
# Environment: VENV (default .venv, made by `make venv`), DIST_DIR (default dist).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
DIST_DIR=${DIST_DIR:-dist}
MAX_WHEEL_BYTES=1000000
BIN="$VENV/bin"

"$BIN/python" -m pip install -q --group release

mkdir -p "$DIST_DIR"
rm -f "$DIST_DIR"/wifi_densepose-*
# The release profile in Cargo.toml sets lto, codegen-units = 1 and strip.
"$BIN/maturin" build --release --out "$DIST_DIR"
"$BIN/maturin" sdist --out "$DIST_DIR"

shopt -s nullglob
wheels=("$DIST_DIR"/wifi_densepose-*-cp310-abi3-manylinux*.whl)
sdists=("$DIST_DIR"/wifi_densepose-*.tar.gz)
if [ ${#wheels[@]} -ne 1 ] || [ ${#sdists[@]} -ne 1 ]; then
    echo "expected one cp310-abi3 manylinux wheel and one sdist in $DIST_DIR" >&2
    ls -l "$DIST_DIR" >&2
    exit 1
fi
wheel=${wheels[0]}
sdist=${sdists[0]}

echo "== auditwheel show $(basename "$wheel")"
"$BIN/auditwheel" show "$wheel"
"$BIN/auditwheel" show --json "$wheel" | "$BIN/python" -c '
import json, sys
report = json.load(sys.stdin)
if report["external_libs"] or not report["overall_tag"].startswith("manylinux"):
    sys.exit(f"auditwheel: libraries outside the manylinux policy: {report}")
print("auditwheel: no external shared library; policy", report["overall_tag"])
'

echo "== abi3audit --strict"
"$BIN/abi3audit" --strict --summary "$wheel"

echo "== wheel size"
size=$(stat -c %s "$wheel")
echo "$(basename "$wheel"): $size bytes (budget $MAX_WHEEL_BYTES)"
if [ "$size" -gt "$MAX_WHEEL_BYTES" ]; then
    echo "the wheel is larger than $MAX_WHEEL_BYTES bytes" >&2
    exit 1
fi
echo "$(basename "$sdist"): $(stat -c %s "$sdist") bytes"

echo "== twine check"
"$BIN/twine" check --strict "$wheel" "$sdist"
