#!/usr/bin/env bash
# Every test: the formatters and linters, the Rust core and CLI natively, then the built page
# in headless Chromium, and its main flows in Firefox ESR too (tests/e2e/flows.test.mjs), the
# Python package (with the widget's static files copied in), and the widget in JupyterLab.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
bash scripts/lint.sh
bash scripts/build-wasm.sh
bash scripts/build-web.sh
bash scripts/build-widget.sh --no-wasm
cargo test --release
bash scripts/test-python.sh
node --test tests/wasm/ tests/e2e/
bash scripts/test-notebook.sh --no-wasm
