#!/usr/bin/env bash
# Compiles the core to wasm and writes the JS glue to www/pkg (imported by the worker), then
# optimises the wasm with binaryen's wasm-opt (npm devDependency `binaryen`).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --lib --release --target wasm32-unknown-unknown
wasm-bindgen --target web --no-typescript --out-dir www/pkg \
  target/wasm32-unknown-unknown/release/eigenlens.wasm
# The features match what rustc emits for wasm32-unknown-unknown with +simd128
# (.cargo/config.toml): every current browser validates them.
wasm=www/pkg/eigenlens_bg.wasm
before=$(wc -c < "$wasm")
node_modules/.bin/wasm-opt -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$wasm" -o "$wasm.opt"
mv "$wasm.opt" "$wasm"
echo "wasm-opt: $before → $(wc -c < "$wasm") bytes ($(gzip -9 -c "$wasm" | wc -c) gzip)"
