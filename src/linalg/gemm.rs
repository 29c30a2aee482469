//! The packed, register-tiled matrix product shared by the reduction's trailing update
//! ([`super::householder`]) and [`super::Mat::matmul`].
//!
//! As in GotoBLAS: the inner dimension is cut into panels of [`KC`]; for each, the columns of
//! B are packed in groups of [`NR`] and the rows of A in groups of [`MR`] (blocks of [`MC`]
//! rows at a time, which stay in L2), and an `MR × NR` tile of C is accumulated in registers by
//! [`micro_kernel`] from two contiguous packed strips. Plain Rust that LLVM vectorises (SSE2,
//! AVX2 when the CPU has it, wasm simd128).

/// Micro-tile of the matrix products: `MR` rows × `NR` columns held in registers.
pub(super) const MR: usize = 4;
pub(super) const NR: usize = 4;
/// Depth of a packed panel: a strip of `KC × NR` f64 is 8 KiB (L1).
const KC: usize = 256;
/// Rows of A packed at a time: `MC × KC` f64 is 256 KiB (L2).
const MC: usize = 128;

/// The register tile of the packed products: `acc[c][r] = Σₖ p[k·MR + r] · q[k·NR + c]`.
#[cfg(not(all(target_arch = "wasm32", target_feature = "relaxed-simd")))]
#[inline(always)]
pub(super) fn micro_kernel(p: &[f64], q: &[f64], kk: usize) -> [[f64; MR]; NR] {
    let mut acc = [[0.0f64; MR]; NR];
    let (p, q) = (&p[..kk * MR], &q[..kk * NR]);
    for (pk, qk) in p.chunks_exact(MR).zip(q.chunks_exact(NR)) {
        for c in 0..NR {
            for r in 0..MR {
                acc[c][r] += pk[r] * qk[c];
            }
        }
    }
    acc
}

/// The same tile in the relaxed-SIMD wasm build: rows (r, r+1) of column c accumulate
/// `p[k][r..r+2] · q[k][c]` with `f64x2.relaxed_madd` (fused or not, as the engine chooses; the
/// same products summed in the same order, see [`super::scatter`]).
#[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
#[inline(always)]
pub(super) fn micro_kernel(p: &[f64], q: &[f64], kk: usize) -> [[f64; MR]; NR] {
    use core::arch::wasm32::*;
    const V: usize = MR / 2;
    let mut acc = [[f64x2_splat(0.0); V]; NR];
    for (pk, qk) in p[..kk * MR].chunks_exact(MR).zip(q[..kk * NR].chunks_exact(NR)) {
        let pv: [v128; V] = core::array::from_fn(|r| f64x2(pk[2 * r], pk[2 * r + 1]));
        for (acc_c, &y) in acc.iter_mut().zip(qk) {
            let y = f64x2_splat(y);
            for (o, pr) in acc_c.iter_mut().zip(pv) {
                *o = f64x2_relaxed_madd(pr, y, *o);
            }
        }
    }
    let mut out = [[0.0f64; MR]; NR];
    for (col, acc_c) in out.iter_mut().zip(acc) {
        for (r, v) in acc_c.into_iter().enumerate() {
            col[2 * r] = f64x2_extract_lane::<0>(v);
            col[2 * r + 1] = f64x2_extract_lane::<1>(v);
        }
    }
    out
}

/// Packs `m` rows (`rows(r, k)`, `k < kk`) into blocks of `MR` rows, each block `[k][r]`,
/// zero-padded to a whole block.
pub(super) fn pack(m: usize, kk: usize, out: &mut Vec<f64>, rows: impl Fn(usize, usize) -> f64) {
    let blocks = m.div_ceil(MR);
    out.clear();
    out.resize(blocks * kk * MR, 0.0);
    for b in 0..blocks {
        let block = &mut out[b * kk * MR..(b + 1) * kk * MR];
        for r in 0..MR.min(m - b * MR) {
            let row = b * MR + r;
            for k in 0..kk {
                block[k * MR + r] = rows(row, k);
            }
        }
    }
}

/// `C += A B` for column-major `A` (m × k), `B` (k × n), `C` (m × n).
pub(super) fn gemm(m: usize, n: usize, k: usize, a: &[f64], b: &[f64], c: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { gemm_avx2(m, n, k, a, b, c) };
    }
    gemm_generic(m, n, k, a, b, c);
}

/// The same product compiled for AVX2, chosen at run time (no FMA: the same sums, bit for bit).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn gemm_avx2(m: usize, n: usize, k: usize, a: &[f64], b: &[f64], c: &mut [f64]) {
    gemm_generic(m, n, k, a, b, c);
}

#[inline(always)]
fn gemm_generic(m: usize, n: usize, k: usize, a: &[f64], b: &[f64], c: &mut [f64]) {
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    let (mut ap, mut bp) = (Vec::new(), Vec::new());
    let col_blocks = n.div_ceil(NR);
    for k0 in (0..k).step_by(KC) {
        let kc = KC.min(k - k0);
        // B's rows k0..k0+kc, in strips of NR columns, each strip [k][c], zero-padded.
        bp.clear();
        bp.resize(col_blocks * kc * NR, 0.0);
        for (jb, strip) in bp.chunks_exact_mut(kc * NR).enumerate() {
            for c in 0..NR.min(n - jb * NR) {
                let col = &b[(jb * NR + c) * k + k0..(jb * NR + c) * k + k0 + kc];
                for (kk, v) in col.iter().enumerate() {
                    strip[kk * NR + c] = *v;
                }
            }
        }
        for i0 in (0..m).step_by(MC) {
            let mc = MC.min(m - i0);
            pack(mc, kc, &mut ap, |r, kk| a[(k0 + kk) * m + i0 + r]);
            for (jb, q) in bp.chunks_exact(kc * NR).enumerate() {
                let j0 = jb * NR;
                for (rb, p) in ap.chunks_exact(kc * MR).enumerate() {
                    let acc = micro_kernel(p, q, kc);
                    let row0 = i0 + rb * MR;
                    let rows = MR.min(m - row0);
                    for (cc, accc) in acc.iter().enumerate().take(n - j0) {
                        let dst = &mut c[(j0 + cc) * m + row0..(j0 + cc) * m + row0 + rows];
                        for (o, v) in dst.iter_mut().zip(accc) {
                            *o += v;
                        }
                    }
                }
            }
        }
    }
}
