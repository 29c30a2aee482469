#!/usr/bin/env bash
# Compiles the core to wasm twice and writes the JS glue to www/pkg (imported by the worker),
# then optimises each wasm with binaryen's wasm-opt (npm devDependency `binaryen`):
# - www/pkg/eigenlens_bg.wasm: simd128 (.cargo/config.toml), the default, which every current
#   browser runs;
# - www/pkg/eigenlens_relaxed_bg.wasm: simd128 + relaxed SIMD, whose scatter and matrix-product
#   micro-kernels use f64x2.relaxed_madd (src/linalg/scatter.rs, gemm.rs). The page loads it
#   where the browser validates relaxed SIMD (www/simd.js). Same exports, so the same glue
#   (checked below); it builds in target/relaxed so that the two builds do not evict each other.
set -euo pipefail
cd "$(dirname "$0")/.."
out=www/pkg
features="--enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue"

# wasm-opt in place; the features match what rustc emits for wasm32-unknown-unknown. The
# producers and target_features custom sections (the toolchain's name, the features for a
# linker) are not read by browsers: stripping them leaves every other section byte-identical.
# -O3 rather than -Oz or -O3 --converge: at 414 KB gzip those take 0.8 KB and 0.5 KB off, -Oz
# by inlining less (the kernels too; a shared machine could not time it), --converge for twice
# wasm-opt's time. The size is rustc's code, not what wasm-opt can fold (issue 15, goal 6).
optimise() {
  local wasm=$1 extra=${2:-}
  local before
  before=$(wc -c < "$wasm")
  # shellcheck disable=SC2086
  node_modules/.bin/wasm-opt -O3 --strip-producers --strip-target-features $features $extra "$wasm" -o "$wasm.opt"
  mv "$wasm.opt" "$wasm"
  echo "wasm-opt $(basename "$wasm"): $before → $(wc -c < "$wasm") bytes ($(gzip -9 -c "$wasm" | wc -c) gzip)"
}

cargo build --lib --release --target wasm32-unknown-unknown
wasm-bindgen --target web --no-typescript --out-dir "$out" target/wasm32-unknown-unknown/release/eigenlens.wasm
optimise "$out/eigenlens_bg.wasm"

RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" \
  cargo build --lib --release --target wasm32-unknown-unknown --target-dir target/relaxed
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$tmp" target/relaxed/wasm32-unknown-unknown/release/eigenlens.wasm
if ! cmp -s "$tmp/eigenlens.js" "$out/eigenlens.js"; then
  echo "build-wasm: the relaxed build's JS glue differs from the simd128 build's; they must share it" >&2
  exit 1
fi
mv "$tmp/eigenlens_bg.wasm" "$out/eigenlens_relaxed_bg.wasm"
optimise "$out/eigenlens_relaxed_bg.wasm" --enable-relaxed-simd
