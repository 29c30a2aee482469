#!/usr/bin/env bash
# The Python package's tests (python/tests): builds the release CLI they call, creates a virtual
# environment that sees the system's packages, installs pytest and ./python with its dask extra
# (dask[array], distributed) into it from PyPI, and runs pytest. torch comes from the system
# where it is installed (these machines have it); elsewhere it is installed into the venv from
# PyPI (NOTES.md: under 5 minutes, but ~5.7 GB with its CUDA libraries), so that the record()
# and torch.distributed (gloo) tests run rather than skip. EIGENLENS_NO_TORCH=1 skips that
# install (the torch tests then skip, each with its reason).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin eigenlens
python3 -m venv --system-site-packages .venv-test
.venv-test/bin/python -m pip install --quiet pytest './python[dask,widget]'
if [ -z "${EIGENLENS_NO_TORCH:-}" ] && ! .venv-test/bin/python -c 'import torch' 2>/dev/null; then
  echo "test-python: torch is not installed; installing it into .venv-test from PyPI (a few GB)"
  .venv-test/bin/python -m pip install --quiet torch
fi
EIGENLENS_BIN="$PWD/target/release/eigenlens" .venv-test/bin/python -m pytest -rs python/tests "$@"
