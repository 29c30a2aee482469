//! The scatter kernel for x86-64 CPUs with AVX2 and FMA (chosen at run time by
//! [`super::add_gram_upper`]): S += BᵀB on the upper triangle, laid out as BLIS lays out a
//! `dsyrk` on Haswell and later cores.
//!
//! The portable kernel (the parent module) packs the block once, in panels of 8 units, and
//! computes each 4 × 8 tile from two such panels: 8 accumulators, and per row of the block two
//! vector loads of `b` for 8 multiply-adds. That leaves the FMA pipes waiting on loads and on
//! the latency of too few accumulator chains (measured 15 GFLOP/s at D = 2048 on one Zen 4
//! core, where OpenBLAS's `dsyrk` gives 26).
//!
//! Here the block is packed twice per [`KC`] rows:
//! - `B`: panels of [`NR`] = 8 units (the parent's [`super::pack`]), for every unit;
//! - `A`: for [`MC`] units at a time, micro-panels of [`MR`] = 6 units (`a[k·6 + r]`), 96 · 256
//!   doubles = 192 KiB, which stays in L2.
//!
//! For each 8-unit column panel of `B` (16 KiB, kept in L1 across the inner loop) the kernel
//! runs over the micro-panels of `A`: a 6 × 8 tile in 12 `ymm` accumulators, per row of the
//! block two loads of `b`, six broadcasts of `a` and 12 fused multiply-adds (BLIS's Haswell
//! `dgemm` micro-kernel shape). A tile is computed when any of its entries is on or above the
//! diagonal (j ≥ i); it is added whole, so a few entries just below the diagonal are written
//! too — as in the parent, the result is read through the upper triangle only.
//!
//! Each entry is still Σ_k a_k·b_k over the block's rows in order; only the rounding of each
//! step differs from the unfused kernel (one rounding per fused step instead of two), which is
//! within the tolerance every test holds the covariance to (the relaxed-SIMD wasm build fuses
//! the same way).

use std::arch::x86_64::*;

/// Units per `B` panel (two `ymm` vectors).
const NR: usize = super::NR;
/// Units per `A` micro-panel (broadcast one at a time).
const MR: usize = 6;
/// Units of `A` packed at a time (a multiple of [`MR`]): 96 · KC doubles = 192 KiB, in L2.
const MC: usize = 96;
/// Rows of the block per pass.
const KC: usize = super::KC;

/// S += BᵀB on the upper triangle of the row-major `d × d` matrix `s`; `block` holds `n` rows
/// of `d` values.
///
/// # Safety
/// The CPU must have AVX2 and FMA (`is_x86_feature_detected!` both).
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn add_gram_upper(s: &mut [f64], d: usize, block: &[f64], n: usize) {
    debug_assert!(s.len() >= d * d && block.len() >= n * d);
    let panels = d.div_ceil(NR);
    super::with_buffers(panels * KC * NR, MC * KC, |packed_b, packed_a| {
        let mut k0 = 0;
        while k0 < n {
            let kc = KC.min(n - k0);
            super::pack(packed_b, block, d, k0, kc);
            let mut ic = 0;
            while ic < d {
                let mc = MC.min(d - ic);
                let micro = mc.div_ceil(MR);
                pack_a(packed_a, block, d, k0, kc, ic, mc);
                // Column panels that hold any j ≥ ic (the first one may straddle ic).
                for jp in ic / NR..panels {
                    let j0 = jp * NR;
                    let b = &packed_b[jp * KC * NR..jp * KC * NR + kc * NR];
                    for ir in 0..micro {
                        let i0 = ic + ir * MR;
                        if j0 + NR <= i0 {
                            // The whole tile is below the diagonal; so are those after it.
                            break;
                        }
                        let a = &packed_a[ir * KC * MR..ir * KC * MR + kc * MR];
                        prefetch_tile(s, d, i0, j0);
                        let tile = micro_kernel(a, b);
                        store(s, d, i0, j0, &tile);
                    }
                }
                ic += mc;
            }
            k0 += kc;
        }
    })
}

/// Packs rows `k0..k0+kc` of units `ic..ic+mc` into micro-panels of [`MR`] units:
/// micro-panel p, row k, lane r = block[k0 + k][ic + p·MR + r] (zero past `ic + mc`).
fn pack_a(packed: &mut [f64], block: &[f64], d: usize, k0: usize, kc: usize, ic: usize, mc: usize) {
    for p in 0..mc.div_ceil(MR) {
        let c0 = ic + p * MR;
        let width = MR.min(ic + mc - c0);
        let panel = &mut packed[p * KC * MR..p * KC * MR + kc * MR];
        for (k, dst) in panel.chunks_exact_mut(MR).enumerate() {
            let row = (k0 + k) * d;
            super::copy_padded::<MR>(dst, &block[row + c0..row + c0 + width]);
        }
    }
}

/// tile[r] = Σ_k a[k][r] · b[k][0..8], for r < 6, as two `ymm` vectors per row.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn micro_kernel(a: &[f64], b: &[f64]) -> [[__m256d; 2]; MR] {
    let mut acc = [[_mm256_setzero_pd(); 2]; MR];
    for (ak, bk) in a.chunks_exact(MR).zip(b.chunks_exact(NR)) {
        // SAFETY: bk holds NR = 8 doubles: two unaligned 4-lane loads stay inside it.
        let b0 = unsafe { _mm256_loadu_pd(bk.as_ptr()) };
        let b1 = unsafe { _mm256_loadu_pd(bk.as_ptr().add(4)) };
        for (acc_r, &x) in acc.iter_mut().zip(ak) {
            let x = _mm256_set1_pd(x);
            acc_r[0] = _mm256_fmadd_pd(x, b0, acc_r[0]);
            acc_r[1] = _mm256_fmadd_pd(x, b1, acc_r[1]);
        }
    }
    acc
}

/// Asks for the cache lines of the 6 × 8 tile of `s` at (i0, j0) before its micro-kernel runs,
/// as BLIS's kernels prefetch C: S (D² doubles) is far larger than the caches, the tiles are
/// visited down a column of S (rows `d` apart), and without this each tile's load-add-store
/// waited on six cache misses in turn (14 % of the scatter's time at D = 2048). The k-loop
/// that follows takes ~1500 cycles, time enough for the lines to arrive.
#[inline(always)]
fn prefetch_tile(s: &[f64], d: usize, i0: usize, j0: usize) {
    let last = (j0 + NR).min(d) - 1;
    for i in i0..(i0 + MR).min(d) {
        for j in [j0, last] {
            if let Some(p) = s.get(i * d + j) {
                // SAFETY: a prefetch is only a hint; the address is inside `s`.
                unsafe { _mm_prefetch::<_MM_HINT_T0>((p as *const f64).cast()) };
            }
        }
    }
}

/// Adds the 6 × 8 tile at (i0, j0) into `s`, clipped to the matrix.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn store(s: &mut [f64], d: usize, i0: usize, j0: usize, tile: &[[__m256d; 2]; MR]) {
    let width = NR.min(d - j0);
    for (r, row) in tile.iter().enumerate() {
        let i = i0 + r;
        if i >= d {
            break;
        }
        let dst = &mut s[i * d + j0..i * d + j0 + width];
        if width == NR {
            // SAFETY: dst holds 8 doubles: two unaligned 4-lane loads and stores inside it.
            unsafe {
                let p = dst.as_mut_ptr();
                _mm256_storeu_pd(p, _mm256_add_pd(_mm256_loadu_pd(p), row[0]));
                _mm256_storeu_pd(p.add(4), _mm256_add_pd(_mm256_loadu_pd(p.add(4)), row[1]));
            }
        } else {
            let mut lanes = [0.0f64; NR];
            // SAFETY: lanes holds 8 doubles.
            unsafe {
                _mm256_storeu_pd(lanes.as_mut_ptr(), row[0]);
                _mm256_storeu_pd(lanes.as_mut_ptr().add(4), row[1]);
            }
            for (o, v) in dst.iter_mut().zip(lanes) {
                *o += v;
            }
        }
    }
}
