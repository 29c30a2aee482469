//! The benchmark's wasm entry points that need no file: the SIMD ceiling of the CPU running
//! the page (`simdCeiling`), beside the kernels' timings (`benchKernels`, in the module root).

use super::to_js;
use wasm_bindgen::prelude::*;

/// The simd128 ceiling (`eigenlens::kernels::simd_ceiling`): GFLOP/s of independent f64x2
/// multiply and add streams, `iters` iterations each (10⁸ takes about 0.3 s), and of fused
/// `relaxed_madd` streams in the relaxed-SIMD build. `{iters, seconds, gflops, fused_gflops?}`.
#[wasm_bindgen(js_name = simdCeiling)]
pub fn simd_ceiling(iters: f64) -> Result<JsValue, JsError> {
    if !(iters.is_finite() && (1.0..=1e12).contains(&iters)) {
        return Err(JsError::new(&format!("simdCeiling: iterations must be between 1 and 10¹², not {iters}")));
    }
    let clock = || js_sys::Date::now() / 1000.0;
    to_js(&crate::kernels::simd_ceiling(iters as u64, &clock))
}

/// Whether this build's kernels use wasm relaxed SIMD (`f64x2.relaxed_madd`): the build the
/// page loads where the engine validates relaxed SIMD, `false` in the plain simd128 build.
#[wasm_bindgen(js_name = relaxedSimd)]
pub fn relaxed_simd() -> bool {
    cfg!(target_feature = "relaxed-simd")
}
