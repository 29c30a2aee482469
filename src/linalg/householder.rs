//! Householder reduction of a symmetric matrix to tridiagonal form, and the back-transform of
//! eigenvectors by the same reflectors.
//!
//! The algorithm is LAPACK's blocked `dsytrd` (lower triangle): a panel of `NB` columns is
//! reduced by `dlatrd`, which produces the reflectors `V` and the matrix `W` such that the
//! trailing matrix is updated once per panel by the rank-2·NB `dsyr2k` update
//! `A ← A − V Wᵀ − W Vᵀ`. Unblocked `dsytd2` streams the whole trailing matrix twice per column
//! (a `dsymv` and a `dsyr2`); at D ≥ 1024 the matrix does not fit in cache, so that is memory
//! bound. The blocked form keeps one stream per column (the `dsymv` inside `dlatrd`, fused to
//! read each element of the lower triangle once) and turns the other half of the work into a
//! cache-blocked, register-tiled matrix product (`rank2k_update`, with the packing and tile of
//! the `gemm` module), which LLVM vectorises for SSE2 and for wasm simd128 (two f64 lanes each).
//!
//! Natively the panel and both products are also compiled for AVX2 (four lanes), chosen at run
//! time ([`super::multiversion`]), and the two products are each cut into two shares of equal
//! work run on two threads ([`super::join`]); wasm runs the same shares one after the other.
//! Neither changes a result: the AVX2 code does the same multiplies and adds in the same order
//! (no fused multiply-adds), and the cut is the same on every machine.
//!
//! Storage: the working matrix is `n × n`, column-major, only its lower triangle is read or
//! written (for a symmetric row-major input that is simply a copy). On return, as in LAPACK,
//! reflector `H(i) = I − τᵢ vᵢ vᵢᵀ` has `vᵢ[0..=i] = 0`, `vᵢ[i+1] = 1` and `vᵢ[i+2..]` stored
//! below the subdiagonal of column `i`, and `A = Q T Qᵀ` with `Q = H(0) H(1) ⋯ H(n−2)`.
//!
//! [`apply_q`] computes `Q Z` like LAPACK's `dormtr` (side L, no transpose): the reflectors are
//! grouped in blocks of `NB`, each block written `I − V T Vᵀ` (`dlarft`, forward, columnwise)
//! and applied with two matrix products (`dlarfb`), last block first.

use super::dot;
use super::gemm::{micro_kernel, pack, MR, NR};

/// Panel width of the blocked reduction and of the blocked back-transform.
const NB: usize = 32;

/// y ← y + α x.
#[inline]
fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// ‖x‖₂ without overflow or harmful underflow (rescales only when the plain sum is unsafe).
fn norm2(x: &[f64]) -> f64 {
    let s = dot(x, x);
    if s.is_finite() && s > 1e-280 {
        return s.sqrt();
    }
    let scale = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if scale == 0.0 || !scale.is_finite() {
        return if scale.is_nan() { f64::NAN } else { scale };
    }
    let inv = 1.0 / scale;
    let s: f64 = x.iter().map(|v| (v * inv) * (v * inv)).sum();
    scale * s.sqrt()
}

/// LAPACK `dlarfg`: a reflector `H = I − τ v vᵀ` with `H [α; x] = [β; 0]`, `v = [1; x']`.
/// Overwrites `x` with `x'`, returns `(β, τ)`.
fn householder(alpha: f64, x: &mut [f64]) -> (f64, f64) {
    let xnorm = norm2(x);
    if xnorm == 0.0 {
        return (alpha, 0.0);
    }
    let beta = -alpha.hypot(xnorm).copysign(alpha);
    let tau = (beta - alpha) / beta;
    let scale = 1.0 / (alpha - beta);
    for v in x.iter_mut() {
        *v *= scale;
    }
    (beta, tau)
}

/// y ← A x for the symmetric trailing block `A[s.., s..]` of the column-major `n × n` matrix
/// `a`, reading only its lower triangle, each element once.
///
/// From [`PAR_MIN`] rows on, the columns are cut in two shares of equal work
/// ([`equal_work_cut`], rounded down to four columns), summed into `y` and `y2` on two threads
/// natively ([`super::join`]) and one after the other in wasm; `y` then gets `y2`'s rows. The
/// cut does not depend on the machine, so every build adds the same numbers in the same order.
/// This product is half the reduction's work and reads the whole trailing matrix per column:
/// two cores stream it twice as fast.
fn symv_lower(a: &[f64], n: usize, s: usize, x: &[f64], y: &mut [f64], y2: &mut Vec<f64>) {
    let m = n - s;
    if m < PAR_MIN {
        return symv_cols(a, n, s, x, &mut y[..m], 0, m);
    }
    let cut = equal_work_cut(m) & !3;
    y2.resize(m, 0.0);
    let (y1, y2) = (&mut y[..m], &mut y2[..m]);
    super::join(|| symv_cols(a, n, s, x, y1, 0, cut), || symv_cols(a, n, s, x, y2, cut, m));
    for (o, v) in y1[cut..].iter_mut().zip(&y2[cut..]) {
        *o += v;
    }
}

/// Trailing blocks from this many rows on have their products split over two threads.
const PAR_MIN: usize = 256;

/// Where to cut `len` columns of a lower triangle (column c holding len − c entries) into two
/// shares of equal work: the first `len·(1 − 1/√2)` columns hold half the entries.
fn equal_work_cut(len: usize) -> usize {
    (len as f64 * (1.0 - std::f64::consts::FRAC_1_SQRT_2)) as usize
}

super::multiversion! {
    /// The part of `y ← A x` ([`symv_lower`]) that columns `c0..c1` of the trailing block give:
    /// `y[c0..m]` is overwritten with it (rows above `c0` get nothing from these columns).
    /// Four columns per pass, so that `x` and `y` are loaded once per four columns.
    fn symv_cols(a: &[f64], n: usize, s: usize, x: &[f64], y: &mut [f64], c0: usize, c1: usize) => symv_cols_avx2, symv_cols_impl
}

/// Rows per step of [`rows_of_four`]: lane l of every vector is row l of the step.
const L: usize = 4;

/// The body of [`symv_cols_impl`] for four columns `p` (rows past their diagonal block, a
/// multiple of [`L`]): `ys[k] += Σ_q p[q][k]·xc[q]` (the columns' part of the rows below) and,
/// returned, `t[q][l] = Σ_{k ≡ l mod L} p[q][k]·xs[k]` (their own rows' part, by lane).
#[inline(always)]
fn rows_of_four(p: [&[f64]; 4], xs: &[f64], ys: &mut [f64], xc: [f64; 4]) -> [[f64; L]; 4] {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { rows_of_four_avx2(p, xs, ys, xc) };
    }
    rows_of_four_plain(p, xs, ys, xc)
}

/// [`rows_of_four`] as plain Rust (what LLVM vectorises for SSE2 and wasm simd128).
#[inline(always)]
fn rows_of_four_plain(p: [&[f64]; 4], xs: &[f64], ys: &mut [f64], xc: [f64; 4]) -> [[f64; L]; 4] {
    let mut t = [[0.0f64; L]; 4];
    for (k, (px, py)) in xs.chunks_exact(L).zip(ys.chunks_exact_mut(L)).enumerate() {
        let pk = p.map(|c| &c[k * L..k * L + L]);
        for l in 0..L {
            for q in 0..4 {
                t[q][l] += pk[q][l] * px[l];
            }
            py[l] += (pk[0][l] * xc[0] + pk[1][l] * xc[1]) + (pk[2][l] * xc[2] + pk[3][l] * xc[3]);
        }
    }
    t
}

/// [`rows_of_four`] in AVX2 vectors of four rows: the same products and sums in the same
/// order as the plain loop (a multiply, then an add: no fused multiply-add), which LLVM
/// vectorised across the four columns instead, with a shuffle per load.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn rows_of_four_avx2(p: [&[f64]; 4], xs: &[f64], ys: &mut [f64], xc: [f64; 4]) -> [[f64; L]; 4] {
    use std::arch::x86_64::*;
    let rows = xs.len() - xs.len() % L;
    let (p, ys) = (p.map(|c| &c[..rows]), &mut ys[..rows]);
    let xcv = xc.map(|v| _mm256_set1_pd(v));
    let mut t = [_mm256_setzero_pd(); 4];
    for k in (0..rows).step_by(L) {
        // SAFETY: k + L ≤ rows, the length of every slice here (cut above): each load and the
        // store read or write four doubles inside them.
        unsafe {
            let x = _mm256_loadu_pd(xs.as_ptr().add(k));
            let pv = p.map(|c| _mm256_loadu_pd(c.as_ptr().add(k)));
            for q in 0..4 {
                t[q] = _mm256_add_pd(t[q], _mm256_mul_pd(pv[q], x));
            }
            let s01 = _mm256_add_pd(_mm256_mul_pd(pv[0], xcv[0]), _mm256_mul_pd(pv[1], xcv[1]));
            let s23 = _mm256_add_pd(_mm256_mul_pd(pv[2], xcv[2]), _mm256_mul_pd(pv[3], xcv[3]));
            let y = ys.as_mut_ptr().add(k);
            _mm256_storeu_pd(y, _mm256_add_pd(_mm256_loadu_pd(y), _mm256_add_pd(s01, s23)));
        }
    }
    t.map(|v| {
        let mut o = [0.0; L];
        // SAFETY: o holds four doubles.
        unsafe { _mm256_storeu_pd(o.as_mut_ptr(), v) };
        o
    })
}

#[inline(always)]
fn symv_cols_impl(a: &[f64], n: usize, s: usize, x: &[f64], y: &mut [f64], c0: usize, c1: usize) {
    let m = n - s;
    y[c0..m].fill(0.0);
    let mut c = c0;
    while c + 4 <= c1 {
        let col = |k: usize| &a[(s + c + k) * n + s + c..(s + c + k + 1) * n];
        let (c0, c1, c2, c3) = (col(0), col(1), col(2), col(3));
        let xc = [x[c], x[c + 1], x[c + 2], x[c + 3]];
        // The 4 × 4 diagonal block (lower part read, used symmetrically).
        let blk = [c0, c1, c2, c3];
        for i in 0..4 {
            let mut acc = 0.0;
            for (j, cj) in blk.iter().enumerate() {
                acc += if i >= j { cj[i] } else { blk[i][j] } * xc[j];
            }
            y[c + i] += acc;
        }
        let len = m - c - 4;
        let (r0, r1, r2, r3) = (&c0[4..4 + len], &c1[4..4 + len], &c2[4..4 + len], &c3[4..4 + len]);
        let xs = &x[c + 4..m];
        let ys = &mut y[c + 4..m];
        let rows = len - len % L;
        let t = rows_of_four([&r0[..rows], &r1[..rows], &r2[..rows], &r3[..rows]], &xs[..rows], &mut ys[..rows], xc);
        let mut u = t.map(|tq| (tq[0] + tq[2]) + (tq[1] + tq[3]));
        for k in rows..len {
            let (p, xv) = ([r0[k], r1[k], r2[k], r3[k]], xs[k]);
            for q in 0..4 {
                u[q] += p[q] * xv;
            }
            ys[k] += (p[0] * xc[0] + p[1] * xc[1]) + (p[2] * xc[2] + p[3] * xc[3]);
        }
        for q in 0..4 {
            y[c + q] += u[q];
        }
        c += 4;
    }
    // The last < 4 columns of the range: a small dense corner.
    for j in c..c1 {
        let colj = &a[(s + j) * n + s..(s + j + 1) * n];
        y[j] += colj[j] * x[j];
        for i in j + 1..m {
            y[i] += colj[i] * x[j];
            y[j] += colj[i] * x[i];
        }
    }
}

/// LAPACK `dsyr2k` (lower, no transpose) on the trailing block: `A[s.., s..] −= V Wᵀ + W Vᵀ`,
/// with `V = A[s.., i0..i0+kb]` and `W` the `dlatrd` panel (column-major, leading dimension
/// `ldw`, row `s − i0` onwards). Written as one product `P Qᵀ` with `P = [V W]`, `Q = [W V]`.
#[allow(clippy::too_many_arguments)]
fn rank2k_update(
    a: &mut [f64],
    n: usize,
    i0: usize,
    kb: usize,
    w: &[f64],
    ldw: usize,
    pp: &mut Vec<f64>,
    qp: &mut Vec<f64>,
) {
    let s = i0 + kb;
    let m = n - s;
    if m == 0 {
        return;
    }
    let kk = 2 * kb;
    let off = s - i0;
    {
        let a_ro: &[f64] = a;
        pack(m, kk, pp, |r, k| if k < kb { a_ro[(i0 + k) * n + s + r] } else { w[(k - kb) * ldw + off + r] });
    }
    // Q has the same rows as P with its halves swapped; NR == MR, so the blocks line up.
    let blocks = m.div_ceil(MR);
    qp.clear();
    qp.resize(pp.len(), 0.0);
    for b in 0..blocks {
        let (src, dst) = (&pp[b * kk * MR..(b + 1) * kk * MR], &mut qp[b * kk * NR..(b + 1) * kk * NR]);
        dst[..kb * NR].copy_from_slice(&src[kb * MR..]);
        dst[kb * NR..].copy_from_slice(&src[..kb * MR]);
    }
    // Two shares of column tiles of equal work ([`equal_work_cut`]), each
    // writing only its own columns of `a`; applied on two threads natively, in turn in wasm.
    // Each entry is the same micro-kernel sum either way.
    let u = Update { pp: &pp[..], qp: &qp[..], n, s, m, kk, blocks };
    let first = s * n;
    if m < PAR_MIN {
        return update_cols(u, &mut a[first..], first, 0, blocks);
    }
    let cut = equal_work_cut(blocks);
    let mid = (s + cut * NR) * n;
    let (left, right) = a[first..].split_at_mut(mid - first);
    super::join(|| update_cols(u, left, first, 0, cut), || update_cols(u, right, mid, cut, blocks));
}

/// The packed operands of one trailing update ([`rank2k_update`]), shared by its threads.
#[derive(Clone, Copy)]
struct Update<'a> {
    pp: &'a [f64],
    qp: &'a [f64],
    n: usize,
    s: usize,
    m: usize,
    kk: usize,
    blocks: usize,
}

super::multiversion! {
    /// Subtracts the update's tiles in column tiles `cb0..cb1` from `dst`, which is `a` from
    /// element `first` on (the columns these tiles write, and those after them).
    fn update_cols(u: Update<'_>, dst: &mut [f64], first: usize, cb0: usize, cb1: usize) => update_cols_avx2, update_cols_impl
}

#[inline(always)]
fn update_cols_impl(u: Update<'_>, dst: &mut [f64], first: usize, cb0: usize, cb1: usize) {
    let Update { pp, qp, n, s, m, kk, blocks } = u;
    // Row panels of the packed P small enough to stay in L2 while every column tile passes.
    const ROW_PANEL: usize = 256;
    for rp in (0..blocks).step_by(ROW_PANEL / MR) {
        let rp_end = (rp + ROW_PANEL / MR).min(blocks);
        for cb in cb0..cb1.min(rp_end) {
            let q = &qp[cb * kk * NR..(cb + 1) * kk * NR];
            let col0 = cb * NR;
            for rb in rp.max(cb)..rp_end {
                let p = &pp[rb * kk * MR..(rb + 1) * kk * MR];
                let acc = micro_kernel(p, q, kk);
                let row0 = rb * MR;
                if row0 + MR <= m && col0 + NR <= m && row0 >= col0 + NR {
                    for (c, accc) in acc.iter().enumerate() {
                        let base = (s + col0 + c) * n + s + row0 - first;
                        let d = &mut dst[base..base + MR];
                        for r in 0..MR {
                            d[r] -= accc[r];
                        }
                    }
                } else {
                    for (c, accc) in acc.iter().enumerate() {
                        let col = col0 + c;
                        if col >= m {
                            break;
                        }
                        for (r, v) in accc.iter().enumerate() {
                            let row = row0 + r;
                            if row < m && row >= col {
                                dst[(s + col) * n + s + row - first] -= v;
                            }
                        }
                    }
                }
            }
        }
    }
}

super::multiversion! {
    /// LAPACK `dlatrd` (lower): reduces columns `i0..i0+kb` of the trailing matrix, leaving the
    /// rest of it un-updated, and fills `w` (column-major, `ldw = n − i0`) so that the caller can
    /// apply the panel with [`rank2k_update`]. Sets `e[j]`, `tau[j]`; leaves `A[j+1, j] = 1`.
    #[allow(clippy::too_many_arguments)]
    fn panel(a: &mut [f64], n: usize, i0: usize, kb: usize, w: &mut [f64], e: &mut [f64], tau: &mut [f64], tmp: &mut [f64], y2: &mut Vec<f64>,) => panel_avx2, panel_impl
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn panel_impl(
    a: &mut [f64],
    n: usize,
    i0: usize,
    kb: usize,
    w: &mut [f64],
    e: &mut [f64],
    tau: &mut [f64],
    tmp: &mut [f64],
    y2: &mut Vec<f64>,
) {
    let ldw = n - i0;
    for k in 0..kb {
        let j = i0 + k;
        // Bring column j up to date with the previous columns of the panel:
        // A[j.., j] −= V[j.., 0..k] W[j, 0..k]ᵀ + W[j.., 0..k] V[j, 0..k]ᵀ.
        for kk in 0..k {
            let wj = w[kk * ldw + (j - i0)];
            let vj = a[(i0 + kk) * n + j];
            let (left, right) = a.split_at_mut(j * n);
            let vcol = &left[(i0 + kk) * n + j..(i0 + kk + 1) * n];
            let acol = &mut right[j..n];
            let wcol = &w[kk * ldw + (j - i0)..(kk + 1) * ldw];
            for ((x, v), ww) in acol.iter_mut().zip(vcol).zip(wcol) {
                *x -= v * wj + ww * vj;
            }
        }
        if j + 1 >= n {
            tau[j] = 0.0;
            continue;
        }
        // The reflector annihilating A[j+2.., j].
        let alpha = a[j * n + j + 1];
        let (beta, t) = householder(alpha, &mut a[j * n + j + 2..(j + 1) * n]);
        e[j] = beta;
        tau[j] = t;
        a[j * n + j + 1] = 1.0;
        // w = τ (A − V Wᵀ − W Vᵀ) v on the trailing rows j+1.., then w −= ½ τ (wᵀv) v.
        let len = n - j - 1;
        let a: &[f64] = a;
        let v = &a[j * n + j + 1..(j + 1) * n];
        let (w_prev, w_cur) = w.split_at_mut(k * ldw);
        let wk = &mut w_cur[j + 1 - i0..j + 1 - i0 + len];
        symv_lower(a, n, j + 1, v, wk, y2);
        // tmp = W[j+1.., 0..k]ᵀ v ; wk −= V[j+1.., 0..k] tmp
        for kk in 0..k {
            tmp[kk] = dot(&w_prev[kk * ldw + (j + 1 - i0)..(kk + 1) * ldw], v);
        }
        for kk in 0..k {
            let vcol = &a[(i0 + kk) * n + j + 1..(i0 + kk + 1) * n];
            axpy(-tmp[kk], vcol, wk);
        }
        // tmp = V[j+1.., 0..k]ᵀ v ; wk −= W[j+1.., 0..k] tmp
        for kk in 0..k {
            tmp[kk] = dot(&a[(i0 + kk) * n + j + 1..(i0 + kk + 1) * n], v);
        }
        for kk in 0..k {
            axpy(-tmp[kk], &w_prev[kk * ldw + (j + 1 - i0)..(kk + 1) * ldw], wk);
        }
        for x in wk.iter_mut() {
            *x *= t;
        }
        let alpha2 = -0.5 * t * dot(wk, v);
        axpy(alpha2, v, wk);
    }
}

/// The reduction `A = Q T Qᵀ` of the symmetric `n × n` column-major matrix `a` (lower triangle
/// read). Returns the diagonal `d` (n), off-diagonal `e` (n − 1) and the reflectors' `τ`
/// (n − 1); `a` keeps the reflectors below its subdiagonal.
pub fn tridiagonalize(a: &mut [f64], n: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut d = vec![0.0; n];
    let mut e = vec![0.0; n.saturating_sub(1)];
    let mut tau = vec![0.0; n.saturating_sub(1)];
    if n == 0 {
        return (d, e, tau);
    }
    let mut w = vec![0.0; n * NB];
    let mut tmp = vec![0.0; NB];
    let (mut pp, mut qp, mut y2) = (Vec::new(), Vec::new(), Vec::new());
    let mut i0 = 0;
    while i0 + 1 < n {
        let kb = NB.min(n - 1 - i0);
        let ldw = n - i0;
        panel(a, n, i0, kb, &mut w[..ldw * kb], &mut e, &mut tau, &mut tmp, &mut y2);
        rank2k_update(a, n, i0, kb, &w[..ldw * kb], ldw, &mut pp, &mut qp);
        for j in i0..i0 + kb {
            a[j * n + j + 1] = e[j];
            d[j] = a[j * n + j];
        }
        i0 += kb;
    }
    d[n - 1] = a[(n - 1) * n + n - 1];
    (d, e, tau)
}

/// `Z ← Q Z` for the `n × ncols` column-major `z`, with `Q` the product of the reflectors left
/// in `a` by [`tridiagonalize`] (LAPACK `dormtr`: blocked with `dlarft` + `dlarfb`).
pub fn apply_q(a: &[f64], tau: &[f64], n: usize, z: &mut [f64], ncols: usize) {
    if n < 2 {
        return;
    }
    let nref = n - 1;
    let mut vp = Vec::new();
    let mut t = vec![0.0; NB * NB];
    let mut y = vec![0.0; NB * NR];
    let mut col_v = vec![0.0; n * NB];
    let mut b0 = (nref - 1) / NB * NB;
    loop {
        let kb = NB.min(nref - b0);
        // V: rows b0+1..n (local row r ↔ global b0+1+r), column k is reflector b0+k.
        let r0 = b0 + 1;
        let len = n - r0;
        for k in 0..kb {
            let col = &mut col_v[k * len..(k + 1) * len];
            col[..k].fill(0.0);
            col[k] = 1.0;
            col[k + 1..].copy_from_slice(&a[(b0 + k) * n + b0 + k + 2..(b0 + k + 1) * n]);
        }
        // dlarft: T upper triangular with H(b0)⋯H(b0+kb−1) = I − V T Vᵀ.
        t[..kb * NB].fill(0.0);
        let mut tcol = [0.0f64; NB];
        for i in 0..kb {
            let ti = tau[b0 + i];
            if ti != 0.0 {
                let vi = &col_v[i * len..(i + 1) * len];
                for j in 0..i {
                    // V[:, j] and V[:, i] overlap from local row i onwards.
                    tcol[j] = -ti * dot(&col_v[j * len + i..(j + 1) * len], &vi[i..]);
                }
                for j in 0..i {
                    let mut s = 0.0;
                    for l in j..i {
                        s += t[l * NB + j] * tcol[l];
                    }
                    t[i * NB + j] = s;
                }
            }
            t[i * NB + i] = ti;
        }
        {
            let cv: &[f64] = &col_v;
            pack(len, kb, &mut vp, |r, k| cv[k * len + r]);
        }
        let rblocks = len.div_ceil(MR);
        let mut c0 = 0;
        while c0 < ncols {
            let nc = NR.min(ncols - c0);
            // Y = Vᵀ Z[r0.., c0..c0+nc], as y[k·NR + c].
            y.fill(0.0);
            for rb in 0..rblocks {
                let row = rb * MR;
                let rows = MR.min(len - row);
                let mut zr = [[0.0f64; NR]; MR];
                for (r, zrow) in zr.iter_mut().enumerate().take(rows) {
                    for (c, v) in zrow.iter_mut().enumerate().take(nc) {
                        *v = z[(c0 + c) * n + r0 + row + r];
                    }
                }
                let p = &vp[rb * kb * MR..(rb + 1) * kb * MR];
                for (k, pk) in p.chunks_exact(MR).enumerate() {
                    let yk = &mut y[k * NR..(k + 1) * NR];
                    for r in 0..MR {
                        for c in 0..NR {
                            yk[c] += pk[r] * zr[r][c];
                        }
                    }
                }
            }
            // Y ← T Y (T upper triangular).
            for c in 0..NR {
                for i in 0..kb {
                    let mut s = 0.0;
                    for l in i..kb {
                        s += t[l * NB + i] * y[l * NR + c];
                    }
                    y[i * NR + c] = s;
                }
            }
            // Z −= V Y.
            for rb in 0..rblocks {
                let p = &vp[rb * kb * MR..(rb + 1) * kb * MR];
                let acc = micro_kernel(p, &y, kb);
                let row = rb * MR;
                let rows = MR.min(len - row);
                for (c, accc) in acc.iter().enumerate().take(nc) {
                    let base = (c0 + c) * n + r0 + row;
                    for r in 0..rows {
                        z[base + r] -= accc[r];
                    }
                }
            }
            c0 += NR;
        }
        if b0 == 0 {
            break;
        }
        b0 -= NB;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AVX2 body of the symmetric product gives the plain loop's numbers bit for bit (the
    /// same multiplies and adds in the same order), on a length with a partial last step.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_rows_match_the_plain_loop_bit_for_bit() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let len = 203;
        let col = |q: usize| -> Vec<f64> { (0..len).map(|k| ((k * 31 + q * 17) % 97) as f64 / 7.0 - 6.5).collect() };
        let cols = [col(0), col(1), col(2), col(3)];
        let xs: Vec<f64> = (0..len).map(|k| ((k * 13) % 89) as f64 / 11.0 - 4.0).collect();
        let xc = [0.3, -1.7, 2.9, 0.01];
        let rows = len - len % L;
        let p = [&cols[0][..rows], &cols[1][..rows], &cols[2][..rows], &cols[3][..rows]];
        let (mut y_plain, mut y_avx) = (vec![1.25; rows], vec![1.25; rows]);
        let t_plain = rows_of_four_plain(p, &xs[..rows], &mut y_plain, xc);
        // SAFETY: the CPU has AVX2, checked above.
        let t_avx = unsafe { rows_of_four_avx2(p, &xs[..rows], &mut y_avx, xc) };
        assert_eq!(t_plain, t_avx);
        assert_eq!(y_plain, y_avx);
        assert!(t_plain.iter().flatten().any(|v| *v != 0.0));
    }
}
