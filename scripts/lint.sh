#!/usr/bin/env bash
# The formatters and linters, as npm test runs them: rustfmt, clippy (native, every target,
# and the wasm32 library whose binding only compiles there), and ESLint over the page's JS.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --all-targets --locked -- -D warnings
cargo clippy --lib --target wasm32-unknown-unknown --locked -- -D warnings
npx eslint .
