#!/usr/bin/env bash
# The widget's notebook test (issue 17): builds the widget's static files, installs JupyterLab,
# ipykernel and ./python with its widget extra (anywidget) from PyPI into the test environment
# .venv-test (the one scripts/test-python.sh uses), then runs tests/notebook/: JupyterLab started
# on 127.0.0.1 by the test, a notebook that creates eigenlens.widget.Spectrum(...) and Compare(...)
# on reference layers, headless Chromium checking the figures and α against tests/data. Prints
# how long the install and the test took. --no-wasm: scripts/build-wasm.sh has just run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-widget.sh "$@"
python3 -m venv --system-site-packages .venv-test
start=$(date +%s%N)
.venv-test/bin/python -m pip install --quiet jupyterlab ipykernel './python[widget]'
echo "test-notebook: pip install (jupyterlab, ipykernel, ./python[widget]) took $((($(date +%s%N) - start) / 1000000)) ms"
start=$(date +%s%N)
EIGENLENS_VENV="$PWD/.venv-test" node --test tests/notebook/
echo "test-notebook: the notebook test took $((($(date +%s%N) - start) / 1000000)) ms"
