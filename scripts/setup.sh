#!/usr/bin/env bash
# Installs what building and testing need, skipping what is already there:
# the wasm32 target, wasm-bindgen-cli at exactly the version Cargo.lock pins, npm packages,
# and (with --browser) Debian's chromium and firefox-esr for the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must match the wasm-bindgen crate version exactly (the glue format is versioned).
[ -f Cargo.lock ] || cargo generate-lockfile
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "setup: installing wasm-bindgen-cli $want (have: ${have:-none}); this builds from crates.io, a few minutes"
  # Not --locked: a transitive version in its lock file is missing from the registry mirror.
  cargo install wasm-bindgen-cli --version "$want"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  # npm install, not npm ci: npm 11 writes a lock without the optional per-platform
  # rollup packages and then its own `npm ci` refuses that lock as out of sync.
  npm install --no-audit --no-fund
fi

# The browser tests run in two engines: Chromium (playwright-core) and Firefox ESR (puppeteer-core
# over WebDriver BiDi), both Debian's; no browser is ever downloaded by npm.
if [ "${1:-}" = "--browser" ]; then
  want=()
  [ -x /usr/bin/chromium ] || want+=(chromium)
  [ -x /usr/bin/firefox-esr ] || want+=(firefox-esr)
  if [ ${#want[@]} -gt 0 ]; then
    echo "setup: installing Debian's ${want[*]} for the browser tests"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${want[@]}"
  fi
fi
