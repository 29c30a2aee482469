#!/usr/bin/env bash
# Compiles the core to wasm and writes the JS glue to www/pkg (imported by the worker).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --lib --release --target wasm32-unknown-unknown
wasm-bindgen --target web --no-typescript --out-dir www/pkg \
  target/wasm32-unknown-unknown/release/eigenlens.wasm
