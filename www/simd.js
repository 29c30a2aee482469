// Which of the two wasm builds this browser runs (scripts/build-wasm.sh writes both to www/pkg,
// with one JS glue): the relaxed-SIMD build, whose covariance and matrix-product kernels use
// f64x2.relaxed_madd (src/linalg/scatter.rs, gemm.rs), where the engine validates relaxed
// SIMD; the plain simd128 build everywhere else. Both give the same numbers within rounding
// (tests/wasm/simd.test.mjs).
//
// The test is an 82-byte module whose one function returns f64x2.relaxed_madd of three
// v128.const: WebAssembly.validate accepts it exactly where the engine decodes relaxed SIMD
// (Chromium ≥ 114; Firefox and Safari keep it behind a flag; Node 20 needs
// --experimental-wasm-relaxed-simd).

const v128Const = [0xfd, 0x0c, ...new Array(16).fill(0)];
// No locals; three v128.const; f64x2.relaxed_madd (0xfd 0x107); end.
const body = [0x00, ...v128Const, ...v128Const, ...v128Const, 0xfd, 0x87, 0x02, 0x0b];
const PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // \0asm, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // types: () → v128
  0x03, 0x02, 0x01, 0x00, // one function of type 0
  0x0a, body.length + 2, 0x01, body.length, ...body, // its code
]);

let supported = null;

/** Whether this engine validates wasm relaxed SIMD (checked once). */
export function relaxedSupported() {
  if (supported === null) {
    try {
      supported = typeof WebAssembly === 'object' && WebAssembly.validate(PROBE);
    } catch {
      supported = false;
    }
  }
  return supported;
}

/** The URL of the wasm build to load here: relaxed SIMD where it validates, simd128 otherwise. */
export function wasmUrl() {
  return relaxedSupported()
    ? new URL('./pkg/eigenlens_relaxed_bg.wasm', import.meta.url)
    : new URL('./pkg/eigenlens_bg.wasm', import.meta.url);
}

/** The probe module's bytes, for the tests. */
export const relaxedProbe = () => PROBE.slice();
