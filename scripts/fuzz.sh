#!/usr/bin/env bash
# Runs each reader's fuzz target for SECONDS (default 600), seeded from tests/data, and prints
# libFuzzer's exec counts. Needs cargo-fuzz (cargo install cargo-fuzz); uses the stable
# toolchain with RUSTC_BOOTSTRAP for the sanitizer flags.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-600}; shift || true
targets=${*:-npy npz safetensors csv pt moments}
export RUSTC_BOOTSTRAP=1
for t in $targets; do
  corpus=corpus/$t; mkdir -p "$corpus"
  [ -d "seeds/$t" ] && cp -n seeds/"$t"/* "$corpus"/
  case $t in
    npy) cp -n ../tests/data/digits_mlp/X_test_pixels.f32.npy ../tests/data/sweep/digit_rotation_angle_deg.npy "$corpus"/ ;;
    moments) cp -n ../tests/data/moments/recorded.safetensors "$corpus"/ ;; # written by the Python package (D = 64)
    pt) ;; # seeds/pt: small torch.save files (a state dict, a 3-D tensor, the malicious pickle) and bare pickles
    npz) ;; # seeds/npz: small stored and deflated archives (the 1 MB fixtures ran at 27 execs/s)
    csv) head -c 4000 ../tests/data/formats/digits_test_pixels.csv > "$corpus/pixels.csv" ;;
    safetensors) printf '%s' '{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}' > /tmp/h.json
      { python3 -c "import struct,sys; sys.stdout.buffer.write(struct.pack('<Q', len(open('/tmp/h.json','rb').read())))"; cat /tmp/h.json; head -c 16 /dev/zero; } > "$corpus/small.safetensors" ;;
  esac
  echo "== $t ($seconds s)"
  cargo fuzz run "$t" "$corpus" -- -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=10 2>&1 | grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs|ERROR|SUMMARY|panicked" || true
done
