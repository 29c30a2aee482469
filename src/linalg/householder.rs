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
/// `a`, reading only its lower triangle, each element once (four columns per pass, so that
/// `x` and `y` are loaded once per four columns).
fn symv_lower(a: &[f64], n: usize, s: usize, x: &[f64], y: &mut [f64]) {
    let m = n - s;
    y[..m].fill(0.0);
    let mut c = 0;
    while c + 4 <= m {
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
        let mut t = [[0.0f64; 2]; 4];
        for (((((p0, p1), p2), p3), px), py) in r0
            .chunks_exact(2)
            .zip(r1.chunks_exact(2))
            .zip(r2.chunks_exact(2))
            .zip(r3.chunks_exact(2))
            .zip(xs.chunks_exact(2))
            .zip(ys.chunks_exact_mut(2))
        {
            for l in 0..2 {
                t[0][l] += p0[l] * px[l];
                t[1][l] += p1[l] * px[l];
                t[2][l] += p2[l] * px[l];
                t[3][l] += p3[l] * px[l];
                py[l] += (p0[l] * xc[0] + p1[l] * xc[1]) + (p2[l] * xc[2] + p3[l] * xc[3]);
            }
        }
        let mut u = [t[0][0] + t[0][1], t[1][0] + t[1][1], t[2][0] + t[2][1], t[3][0] + t[3][1]];
        if len % 2 == 1 {
            let k = len - 1;
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
    // The last < 4 columns: a small dense corner.
    for j in c..m {
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
    // Row panels of the packed P small enough to stay in L2 while every column tile passes.
    const ROW_PANEL: usize = 256;
    for rp in (0..blocks).step_by(ROW_PANEL / MR) {
        let rp_end = (rp + ROW_PANEL / MR).min(blocks);
        for cb in 0..rp_end {
            let q = &qp[cb * kk * NR..(cb + 1) * kk * NR];
            let col0 = cb * NR;
            for rb in rp.max(cb)..rp_end {
                let p = &pp[rb * kk * MR..(rb + 1) * kk * MR];
                let acc = micro_kernel(p, q, kk);
                let row0 = rb * MR;
                if row0 + MR <= m && col0 + NR <= m && row0 >= col0 + NR {
                    for (c, accc) in acc.iter().enumerate() {
                        let base = (s + col0 + c) * n + s + row0;
                        let dst = &mut a[base..base + MR];
                        for r in 0..MR {
                            dst[r] -= accc[r];
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
                                a[(s + col) * n + s + row] -= v;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// LAPACK `dlatrd` (lower): reduces columns `i0..i0+kb` of the trailing matrix, leaving the
/// rest of it un-updated, and fills `w` (column-major, `ldw = n − i0`) so that the caller can
/// apply the panel with [`rank2k_update`]. Sets `e[j]`, `tau[j]`; leaves `A[j+1, j] = 1`.
#[allow(clippy::too_many_arguments)]
fn panel(
    a: &mut [f64],
    n: usize,
    i0: usize,
    kb: usize,
    w: &mut [f64],
    e: &mut [f64],
    tau: &mut [f64],
    tmp: &mut [f64],
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
        symv_lower(a, n, j + 1, v, wk);
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
    let (mut pp, mut qp) = (Vec::new(), Vec::new());
    let mut i0 = 0;
    while i0 + 1 < n {
        let kb = NB.min(n - 1 - i0);
        let ldw = n - i0;
        panel(a, n, i0, kb, &mut w[..ldw * kb], &mut e, &mut tau, &mut tmp);
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
