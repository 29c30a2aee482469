#!/usr/bin/env bash
# The bench's own NumPy: a virtual environment at bench/.venv with NumPy and threadpoolctl from
# PyPI, as a user's `pip install numpy` gets them (never the system's site-packages, whose
# NumPy may be missing or differently built). Idempotent: a venv that already imports both is kept.
set -euo pipefail
cd "$(dirname "$0")"
PY=.venv/bin/python
if [ -x "$PY" ] && "$PY" -c 'import numpy, threadpoolctl' 2>/dev/null; then
  exit 0
fi
python3 -m venv .venv
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip install --quiet numpy threadpoolctl
"$PY" -c 'import numpy, threadpoolctl; print("bench NumPy", numpy.__version__, "in bench/.venv")'
