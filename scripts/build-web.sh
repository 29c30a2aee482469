#!/usr/bin/env bash
# The two JavaScript builds, from the wasm in www/pkg/ (scripts/build-wasm.sh first):
#   dist-pkg/  the npm package: eigenlens.js, worker.js, eigenlens_bg.wasm (vite.lib.config.js);
#   dist/      the site (vite.config.js), which also serves the package's files under pkg/.
set -euo pipefail
cd "$(dirname "$0")/.."
npx vite build -c vite.lib.config.js --logLevel warn
npx vite build --logLevel warn
