//! The heavy kernels timed alone, for the benchmark: the covariance (streamed moments and
//! their scatter), all eigenvalues, and eigenvalues with eigenvectors. The same code runs
//! natively (`examples/kernels.rs`) and in wasm (`benchKernels`), each with its own clock.

use crate::linalg::eigen::{eigen_desc, eigenvalues_desc};
use crate::rng::Rng;
use crate::stats::Moments;
use serde::Serialize;

/// Seconds taken by each kernel on an `n × d` matrix, and the covariance's speed.
#[derive(Debug, Clone, Serialize)]
pub struct KernelTimings {
    pub n: usize,
    pub d: usize,
    pub covariance_s: f64,
    /// n·d² floating-point operations (the upper triangle's n·d(d+1)/2 multiply-adds) per second.
    pub covariance_gflops: f64,
    pub eigenvalues_s: f64,
    /// None when not asked for (it is the slowest kernel at large D).
    pub eigenvectors_s: Option<f64>,
    /// Why a kernel failed, if one did (its time is then the time to the failure). Random
    /// uniform data does not make any fail; the field keeps a failure from passing as a time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Times the kernels on a random `n × d` matrix (uniform, seeded; made before the clock starts).
/// `clock` returns seconds.
pub fn time_kernels(n: usize, d: usize, seed: u64, vectors: bool, clock: &dyn Fn() -> f64) -> KernelTimings {
    let mut rng = Rng::new(seed);
    let block_rows = 4096;
    let blocks: Vec<Vec<f64>> = (0..n.div_ceil(block_rows))
        .map(|b| (0..(n - b * block_rows).min(block_rows) * d).map(|_| rng.uniform() - 0.5).collect())
        .collect();
    let t = clock();
    let mut moments = Moments::new(d);
    for mut block in blocks {
        let rows = block.len() / d.max(1);
        moments.add_block(&mut block, rows);
    }
    let covariance = moments.covariance();
    let covariance_s = clock() - t;
    let mut errors = Vec::new();
    let covariance = covariance.unwrap_or_else(|e| {
        errors.push(format!("covariance: {e}"));
        Vec::new()
    });
    let t = clock();
    if let Err(e) = eigenvalues_desc(&covariance, d) {
        errors.push(format!("eigenvalues: {e}"));
    }
    let eigenvalues_s = clock() - t;
    let eigenvectors_s = vectors.then(|| {
        let t = clock();
        if let Err(e) = eigen_desc(&covariance, d) {
            errors.push(format!("eigenvectors: {e}"));
        }
        clock() - t
    });
    KernelTimings {
        n,
        d,
        covariance_s,
        covariance_gflops: n as f64 * (d * d) as f64 / covariance_s / 1e9,
        eigenvalues_s,
        eigenvectors_s,
        error: (!errors.is_empty()).then(|| errors.join("; ")),
    }
}

/// The SIMD ceiling of this CPU for two-lane f64 vectors (wasm simd128's width; SSE2
/// natively): the floating-point operations per second of independent streams of f64x2
/// multiplies and adds, and (where the target has them) fused multiply-adds.
#[derive(Debug, Clone, Serialize)]
pub struct SimdCeiling {
    /// Loop iterations run; each does [`CEILING_CHAINS`] multiplies and as many adds on f64x2.
    pub iters: u64,
    pub seconds: f64,
    /// 2 lanes × (1 multiply + 1 add) × chains × iters / s / 1e9: every lane's multiply and
    /// every lane's add count one flop each, as a multiply-add counts two in
    /// [`KernelTimings::covariance_gflops`].
    pub gflops: f64,
    /// The same count for chains of fused multiply-adds (wasm relaxed SIMD's
    /// `f64x2.relaxed_madd`, natively FMA3), 2 flops per lane each; None where the build has
    /// no fused instruction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fused_gflops: Option<f64>,
}

/// Independent accumulator chains of each kind: a multiply or add has a latency of 3–4
/// cycles and two pipes issue them on current x86 cores, so 6 chains of each keep both pipes
/// busy, and 6 + 6 accumulators and 2 constants fit x86-64's 16 vector registers (which V8
/// allocates wasm's v128 values to).
pub const CEILING_CHAINS: usize = 6;

/// Measures [`SimdCeiling`] with `iters` iterations per stream (about 0.3 s at 10⁸ on a
/// 3 GHz core). `clock` returns seconds.
pub fn simd_ceiling(iters: u64, clock: &dyn Fn() -> f64) -> SimdCeiling {
    // The constants are read, and the streams' results written, through volatile accesses
    // between the two clock calls, so that the compiler can neither fold x·1 and x + 0, nor
    // drop the loops, nor move them out of the timed interval (it did, in the wasm build, with
    // black_box and the result kept after the clock).
    let t = clock();
    let (one, zero) = constants();
    let sink = ceiling::mul_add_streams(iters, one, zero);
    keep(sink);
    let seconds = clock() - t;
    let flops = (2 * 2 * CEILING_CHAINS) as f64 * iters as f64;
    let fused_gflops = ceiling::fused_streams(iters, one, zero, clock).map(|s| flops / s / 1e9);
    SimdCeiling { iters, seconds, gflops: flops / seconds / 1e9, fused_gflops }
}

/// 1 and 0, read where the compiler cannot see their values.
fn constants() -> (f64, f64) {
    let (one, zero) = (1.0f64, 0.0f64);
    // SAFETY: reads of two initialised locals.
    unsafe { (std::ptr::read_volatile(&one), std::ptr::read_volatile(&zero)) }
}

/// Stores `x` where the compiler must assume it is read.
fn keep(x: f64) {
    let mut sink = 0.0f64;
    // SAFETY: a write to an initialised local.
    unsafe { std::ptr::write_volatile(&mut sink, x) };
}

#[cfg(target_arch = "wasm32")]
mod ceiling {
    use super::CEILING_CHAINS;
    use core::arch::wasm32::*;

    /// CEILING_CHAINS chains of `m = m · one` and as many of `a = a + zero`, all independent.
    pub fn mul_add_streams(iters: u64, one: f64, zero: f64) -> f64 {
        let (c, z) = (f64x2_splat(one), f64x2_splat(zero));
        let mut m = [f64x2_splat(1.5); CEILING_CHAINS];
        let mut a = [f64x2_splat(0.5); CEILING_CHAINS];
        for _ in 0..iters {
            for (m, a) in m.iter_mut().zip(a.iter_mut()) {
                *m = f64x2_mul(*m, c);
                *a = f64x2_add(*a, z);
            }
        }
        let s = m.iter().zip(&a).fold(f64x2_splat(0.0), |s, (m, a)| f64x2_add(s, f64x2_add(*m, *a)));
        f64x2_extract_lane::<0>(s) + f64x2_extract_lane::<1>(s)
    }

    /// 2·CEILING_CHAINS chains of `a = relaxed_madd(one, zero, a)` (each a multiply and an
    /// add), timed; None in the plain simd128 build.
    pub fn fused_streams(iters: u64, one: f64, zero: f64, clock: &dyn Fn() -> f64) -> Option<f64> {
        #[cfg(target_feature = "relaxed-simd")]
        {
            let _ = (one, zero);
            let t = clock();
            let (one, zero) = super::constants();
            let (c, z) = (f64x2_splat(one), f64x2_splat(zero));
            let mut a = [f64x2_splat(1.5); 2 * CEILING_CHAINS];
            for _ in 0..iters {
                for acc in a.iter_mut() {
                    // acc ← 1·0 + acc: the chain runs through the addend, which V8's
                    // vfmadd231pd accumulates in place (no copy of a shared addend).
                    *acc = f64x2_relaxed_madd(c, z, *acc);
                }
            }
            super::keep(a.iter().fold(0.0, |s, v| s + f64x2_extract_lane::<0>(*v)));
            Some(clock() - t)
        }
        #[cfg(not(target_feature = "relaxed-simd"))]
        {
            let _ = (iters, one, zero, clock);
            None
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod ceiling {
    use super::{keep, CEILING_CHAINS};
    use std::arch::x86_64::*;

    /// As the wasm streams, with SSE2's two-lane `mulpd`/`addpd` (the width of wasm simd128).
    pub fn mul_add_streams(iters: u64, one: f64, zero: f64) -> f64 {
        // SAFETY: SSE2 is part of x86-64.
        unsafe {
            let (c, z) = (_mm_set1_pd(one), _mm_set1_pd(zero));
            let mut m = [_mm_set1_pd(1.5); CEILING_CHAINS];
            let mut a = [_mm_set1_pd(0.5); CEILING_CHAINS];
            for _ in 0..iters {
                for (m, a) in m.iter_mut().zip(a.iter_mut()) {
                    *m = _mm_mul_pd(*m, c);
                    *a = _mm_add_pd(*a, z);
                }
            }
            let s = m.iter().zip(&a).fold(_mm_setzero_pd(), |s, (m, a)| _mm_add_pd(s, _mm_add_pd(*m, *a)));
            let mut out = [0.0f64; 2];
            _mm_storeu_pd(out.as_mut_ptr(), s);
            out[0] + out[1]
        }
    }

    /// Two-lane FMA3 chains (`vfmadd` on xmm), where the CPU has FMA.
    pub fn fused_streams(iters: u64, one: f64, zero: f64, clock: &dyn Fn() -> f64) -> Option<f64> {
        if !std::arch::is_x86_feature_detected!("fma") {
            return None;
        }
        // SAFETY: the CPU has FMA, checked just above.
        Some(unsafe { fused(iters, one, zero, clock) })
    }

    #[target_feature(enable = "fma")]
    unsafe fn fused(iters: u64, one: f64, zero: f64, clock: &dyn Fn() -> f64) -> f64 {
        let _ = (one, zero);
        let t = clock();
        let (one, zero) = super::constants();
        let (c, z) = (_mm_set1_pd(one), _mm_set1_pd(zero));
        let mut a = [_mm_set1_pd(1.5); 2 * CEILING_CHAINS];
        for _ in 0..iters {
            for acc in a.iter_mut() {
                *acc = _mm_fmadd_pd(c, z, *acc);
            }
        }
        let mut out = [0.0f64; 2];
        _mm_storeu_pd(out.as_mut_ptr(), a.iter().fold(_mm_setzero_pd(), |s, v| _mm_add_pd(s, *v)));
        keep(out[0] + out[1]);
        clock() - t
    }
}

#[cfg(not(any(target_arch = "wasm32", target_arch = "x86_64")))]
mod ceiling {
    /// Scalar pairs where no SIMD intrinsics are written for the target (a reference only).
    pub fn mul_add_streams(iters: u64, one: f64, zero: f64) -> f64 {
        let mut m = [[1.5f64; 2]; super::CEILING_CHAINS];
        let mut a = [[0.5f64; 2]; super::CEILING_CHAINS];
        for _ in 0..iters {
            for (m, a) in m.iter_mut().zip(a.iter_mut()) {
                for (m, a) in m.iter_mut().zip(a.iter_mut()) {
                    *m *= one;
                    *a += zero;
                }
            }
        }
        m.iter().zip(&a).map(|(m, a)| m[0] + m[1] + a[0] + a[1]).sum()
    }

    pub fn fused_streams(_: u64, _: f64, _: f64, _: &dyn Fn() -> f64) -> Option<f64> {
        None
    }
}
