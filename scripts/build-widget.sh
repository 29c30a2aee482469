#!/usr/bin/env bash
# The Jupyter widget's static files: the package build (vite.lib.config.js writes dist-pkg/ with
# the element bundle eigenlens.js, its worker worker.js and eigenlens_bg.wasm, each
# self-contained) copied into python/eigenlens/static/ (gitignored), which pyproject.toml ships
# as package data. Run it before `pip install ./python`; the widget never fetches anything, so a
# package installed without these files refuses Spectrum(...) with this command's name.
# --no-wasm: the caller has just run scripts/build-wasm.sh (scripts/test.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = "--no-wasm" ] || bash scripts/build-wasm.sh
npx vite build -c vite.lib.config.js --logLevel warn
out=python/eigenlens/static
rm -rf "$out"
mkdir -p "$out"
for f in eigenlens.js worker.js eigenlens_bg.wasm; do
  if [ ! -f "dist-pkg/$f" ]; then
    echo "build-widget: dist-pkg/$f was not written by vite.lib.config.js" >&2
    exit 1
  fi
  cp "dist-pkg/$f" "$out/"
done
total=0
for f in "$out"/*; do
  bytes=$(wc -c < "$f")
  total=$((total + bytes))
  echo "build-widget: $(basename "$f") $bytes bytes ($(gzip -9 -c "$f" | wc -c) gzip)"
done
echo "build-widget: $out holds $total bytes"
