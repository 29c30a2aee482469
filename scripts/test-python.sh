#!/usr/bin/env bash
# The Python package's tests (python/tests): builds the release CLI they call, creates a virtual
# environment that sees the system's packages (torch, if installed: the record() and
# torch.distributed tests skip with a reason when it is not importable), installs pytest and
# ./python with its dask extra (dask[array], distributed) into it from PyPI, and runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin eigenlens
python3 -m venv --system-site-packages .venv-test
.venv-test/bin/python -m pip install --quiet pytest './python[dask]'
EIGENLENS_BIN="$PWD/target/release/eigenlens" .venv-test/bin/python -m pytest -rs python/tests "$@"
