//! Eigenvalues and eigenvectors of a symmetric tridiagonal matrix by Cuppen's divide and
//! conquer (LAPACK `dstedc` / `dlaed0`…`dlaed4`), with the eigenvectors made orthogonal by
//! Gu and Eisenstat's recomputed `z`. Ported from faer 0.24's `linalg::evd::tridiag_evd`
//! (`divide_and_conquer`, MIT) and its secular-equation solver
//! (`linalg::svd::bidiag_svd::secular_eq_root_finder`), in turn after LAPACK's `dlaed*`; the
//! merge product runs on this crate's packed [`gemm`] (simd128 / relaxed-madd in wasm).
//!
//! **Scaling.** `T` (diagonal `d`, off-diagonal `e`) is divided by `max(|dᵢ|, |eᵢ|)` first and
//! the eigenvalues multiplied back at the end (as `dstedc`), so the absolute tolerances below
//! are relative to ‖T‖.
//!
//! **Tear.** For `T` of order `m > LEAF`, split at `n₁ = ⌊m/2⌋` with `β = e[n₁−1]`:
//! `T = diag(T₁ − |β| e_{n₁} e_{n₁}ᵀ, T₂ − |β| e₁ e₁ᵀ) + |β| v vᵀ`, `v = (e_{n₁}, sign β · e₁)`.
//! Solve the two halves recursively, `Tᵢ' = Uᵢ Dᵢ Uᵢᵀ`; then
//! `T = U (D + ρ z zᵀ) Uᵀ` with `U = diag(U₁, U₂)`, `D = diag(D₁, D₂)`, `ρ = 2|β|` and
//! `z = Uᵀ v / √2` (the last row of `U₁`, sign β times the first row of `U₂`, over √2; ‖z‖ = 1).
//! Halves of order ≤ [`LEAF`] are solved by the implicit QL of [`tridiagonal::eigen_capped`]
//! on an identity-seeded block.
//!
//! **Deflation** (as faer; LAPACK's `dlaed2` in spirit), with `d` sorted ascending and
//! `tol = 8 ε max(maxᵢ|dᵢ|, maxᵢ|zᵢ|)` (ε = 2⁻⁵²): if `ρ maxᵢ|zᵢ| ≤ tol` the merge is just
//! `diag(U₁, U₂)` with the columns sorted; otherwise each `zᵢ` with `|ρ zᵢ| ≤ tol` is set to 0,
//! and each run of consecutive `dᵢ` within `tol` of the run's first is set equal to it and a
//! Householder reflector `H` (with `H D H = D` on the run) moves the run's `z` into its last
//! entry. A deflated pair `(dᵢ, eᵢ)` is an eigenpair of `D + ρ z zᵀ` as it stands (an error at
//! most `tol` in `T`); the backward error of the whole is `O(ε ‖T‖)`.
//!
//! **Secular equation.** The `k` remaining `dᵢ` (distinct, ascending) with `zᵢ ≠ 0` interlace
//! the eigenvalues `λⱼ` of `D + ρ z zᵀ`: `dⱼ < λⱼ < dⱼ₊₁`, `d_k < λ_k < d_k + ρ‖z‖²`, and each
//! `λⱼ` is the root in its interval of `f(λ) = 1/ρ + Σᵢ zᵢ² / (dᵢ − λ)` (increasing). Each root
//! is held as `λⱼ = σⱼ + μⱼ` with the shift `σⱼ` the nearer pole (`dⱼ` or `dⱼ₊₁`) so that
//! `dᵢ − λⱼ = (dᵢ − σⱼ) − μⱼ` keeps its relative accuracy. [`secular_root`] brackets the root
//! (a few evaluations at fractions of the interval, then up to five geometric-mean bisections),
//! refines it by a rational secant step (`f ≈ b + a/μ`), and falls back to bisection when the
//! secant leaves the bracket or stalls. It is capped (here, not in faer): more than
//! [`SECANT_CAP`] secant steps go to bisection, and a bisection that has not reached
//! `2ε max(|μ_lo|, |μ_hi|)` after [`BISECT_CAP`] halvings, or a non-finite root, is
//! [`NumericalError::NoConvergence`].
//!
//! **Vectors** (Gu–Eisenstat). The computed `λⱼ` are the exact eigenvalues of
//! `D + ρ ẑ ẑᵀ` for the `ẑ` of Löwner's formula
//! `ẑᵢ² = ∏ⱼ (λⱼ − dᵢ) / (ρ ∏_{j≠i} (dⱼ − dᵢ))`, evaluated as
//! `(λᵢ − dᵢ) ∏_{j≠i} (λⱼ − dᵢ)/(dⱼ − dᵢ)` (the common factor `1/ρ` cancels in the normalised
//! vectors), sign of `zᵢ`. The eigenvector of `λⱼ` is then `(ẑᵢ / (dᵢ − λⱼ))ᵢ` normalised,
//! orthogonal to working precision however close the `λⱼ` are. The reflectors `H` are applied
//! back, and the merged eigenvectors are `diag(U₁, U₂) · V`, computed with `gemm` on the
//! columns of `V` that are not unit vectors (a column of a deflated pair without reflector is
//! a column of `U₁` or `U₂`, copied) and on the rows that are not all zero.
//!
//! Cost: the products are `≈ (4/3) n³` flops in all (fewer with deflation), the secular
//! equations and vectors `O(n²)` per level.

use super::gemm::gemm;
use super::tridiagonal;
use crate::error::NumericalError;

/// Order at or below which a block is solved by implicit QL rather than torn.
pub const LEAF: usize = 32;
/// Secant steps per root before the solver falls back to bisection.
const SECANT_CAP: usize = 100;
/// Bisection halvings per root before the solver gives up (a double's exponent and mantissa
/// span about 2100 halvings).
const BISECT_CAP: usize = 4096;

/// Eigenvalues (ascending, in `d`) and eigenvectors (the columns of the column-major `n × n`
/// `z`, overwritten; column j belongs to `d[j]`) of the symmetric tridiagonal matrix with
/// diagonal `d` and off-diagonal `e` (`e.len() ≥ d.len() − 1`; extra entries are ignored).
/// `maxit` caps the QL iterations per eigenvalue of the leaves. Errors: a non-finite entry
/// ([`NumericalError::NonFiniteMatrix`]), a leaf or secular equation that does not converge
/// ([`NumericalError::NoConvergence`]), eigenvalues that overflow when scaled back
/// ([`NumericalError::EigenvalueOverflow`]); after an error `d` and `z` are unspecified.
pub fn eigen(d: &mut [f64], e: &[f64], z: &mut [f64], maxit: usize) -> Result<(), NumericalError> {
    let n = d.len();
    let e = &e[..n.saturating_sub(1)];
    let diag = d.iter().enumerate().map(|(i, v)| (i, i, *v));
    let off = e.iter().enumerate().map(|(i, v)| (i + 1, i, *v));
    if let Some((row, col, value)) = diag.chain(off).find(|(_, _, v)| !v.is_finite()) {
        return Err(NumericalError::NonFiniteMatrix { row, col, value });
    }
    let z = &mut z[..n * n];
    z.fill(0.0);
    let anorm = d.iter().chain(e).fold(0.0f64, |m, v| m.max(v.abs()));
    if anorm == 0.0 {
        for i in 0..n {
            z[i * n + i] = 1.0;
        }
        return Ok(());
    }
    for v in d.iter_mut() {
        *v /= anorm;
    }
    let mut e: Vec<f64> = e.iter().map(|v| v / anorm).collect();
    solve(d, &mut e, z, n, 0, maxit)?;
    for v in d.iter_mut() {
        *v *= anorm;
    }
    if d.iter().any(|v| !v.is_finite()) {
        return Err(NumericalError::EigenvalueOverflow);
    }
    Ok(())
}

/// The block of order `m = d.len()` whose top-left corner is at (o, o) of the global `z`
/// (leading dimension `ld`): on return, `d` is ascending and the block holds its eigenvectors
/// (the rest of `z` is untouched).
fn solve(d: &mut [f64], e: &mut [f64], z: &mut [f64], ld: usize, o: usize, maxit: usize) -> Result<(), NumericalError> {
    let m = d.len();
    if m <= LEAF {
        return leaf(d, e, z, ld, o, maxit);
    }
    let n1 = m / 2;
    let beta = e[n1 - 1];
    d[n1 - 1] -= beta.abs();
    d[n1] -= beta.abs();
    {
        let (d0, d1) = d.split_at_mut(n1);
        let (e0, rest) = e.split_at_mut(n1 - 1);
        solve(d0, e0, z, ld, o, maxit)?;
        solve(d1, &mut rest[1..], z, ld, o + n1, maxit)?;
    }
    merge(d, beta, z, ld, o, n1)
}

/// A leaf: implicit QL on an identity-seeded block, sorted ascending, copied into `z`.
fn leaf(d: &mut [f64], e: &[f64], z: &mut [f64], ld: usize, o: usize, maxit: usize) -> Result<(), NumericalError> {
    let m = d.len();
    let mut q = vec![0.0; m * m];
    for i in 0..m {
        q[i * m + i] = 1.0;
    }
    tridiagonal::eigen_capped(d, &e[..m.saturating_sub(1)], &mut q, maxit).map_err(|err| match err {
        NumericalError::NoConvergence { index, iterations } => {
            NumericalError::NoConvergence { index: index + o, iterations }
        }
        other => other,
    })?;
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| d[a].total_cmp(&d[b]));
    let sorted: Vec<f64> = order.iter().map(|&i| d[i]).collect();
    d.copy_from_slice(&sorted);
    for (j, &src) in order.iter().enumerate() {
        let dst = (o + j) * ld + o;
        z[dst..dst + m].copy_from_slice(&q[src * m..(src + 1) * m]);
    }
    Ok(())
}

/// `f(σ + μ) = 1/ρ + Σᵢ zᵢ² / ((dᵢ − σ) − μ)`.
fn secular(shift: f64, mu: f64, d: &[f64], z: &[f64], rho_recip: f64) -> f64 {
    let mut res = rho_recip;
    for (di, zi) in d.iter().zip(z) {
        res += zi * (zi / ((di - shift) - mu));
    }
    res
}

/// Four evaluations of [`secular`] in one pass over `d` and `z`.
fn secular4(shift: [f64; 4], mu: [f64; 4], d: &[f64], z: &[f64], rho_recip: f64) -> [f64; 4] {
    let mut res = [rho_recip; 4];
    for (di, zi) in d.iter().zip(z) {
        for l in 0..4 {
            res[l] += zi * (zi / ((di - shift[l]) - mu[l]));
        }
    }
    res
}

/// The root of [`secular`] in `(left, right)` as `(σ, μ)`, `σ ∈ {left, right}` (faer's
/// `secular_eq_root_finder`, with caps). `None` if it does not converge.
fn secular_root(d: &[f64], z: &[f64], rho_recip: f64, left: f64, right: f64, last: bool) -> Option<(f64, f64)> {
    let eps = f64::EPSILON;
    let f = |shift: f64, mu: f64| secular(shift, mu, d, z, rho_recip);
    let half_width = (right - left) * 0.5;
    let mid = left + half_width;
    let [mut f_mid, f_max, f_mid_left_shift, f_mid_right_shift] = secular4(
        [0.0, left, left, right],
        [mid, if last { right - left } else { half_width }, half_width, (left - right) * 0.5],
        d,
        z,
        rho_recip,
    );
    let (mut shift, mu) = if last || f_mid > 0.0 { (left, half_width) } else { (right, (left - right) * 0.5) };
    if f_mid_left_shift <= 0.0 && f_mid_right_shift > 0.0 {
        return Some((shift, mu));
    }
    if !last {
        if shift == left {
            if f_mid_left_shift < 0.0 {
                shift = right;
                f_mid = f_mid_right_shift;
            }
        } else if f_mid_right_shift > 0.0 {
            shift = left;
            f_mid = f_mid_left_shift;
        }
    }
    let at_left = shift == left;
    let (mut lo, mut f_lo, mut hi, mut f_hi) = if at_left {
        (0.0, f64::NEG_INFINITY, if last { right - left } else { half_width }, if last { f_max } else { f_mid })
    } else {
        ((left - right) * 0.5, f_mid, 0.0, f64::INFINITY)
    };
    // Fractions 1/256, 1/16, 1/4, 1/2 of the bracket, from the pole outwards.
    let fracs = [1.0 / 256.0, 1.0 / 16.0, 0.25, 0.5];
    let far = if at_left { hi } else { lo };
    let mus = fracs.map(|t| far * t);
    let fs = secular4([shift; 4], mus, d, z, rho_recip);
    // Outwards from the pole, the last sample still on the pole's side of the root (f < 0 at
    // the left pole, f > 0 at the right) bounds the root on that side and the sample after it on the other.
    let side = if at_left { -1.0 } else { 1.0 };
    let ((near, f_near), (beyond, f_beyond)) = if at_left {
        ((&mut lo, &mut f_lo), (&mut hi, &mut f_hi))
    } else {
        ((&mut hi, &mut f_hi), (&mut lo, &mut f_lo))
    };
    let mut i = 0;
    for (idx, (mu, fv)) in mus.iter().zip(&fs).enumerate() {
        if *fv * side > 0.0 {
            (*near, *f_near, i) = (*mu, *fv, idx + 1);
        }
    }
    if i < 4 {
        (*beyond, *f_beyond) = (mus[i], fs[i]);
    }
    // Up to five bisections at the geometric mean (the root may sit very near the pole).
    let mut f_prev = f_mid;
    for _ in 0..5 {
        if hi - lo <= 2.0 * eps * lo.abs().max(hi.abs()) {
            break;
        }
        let mut geo = lo.abs().sqrt() * hi.abs().sqrt();
        if lo < 0.0 {
            geo = -geo;
        }
        let m = if geo == 0.0 { (lo + hi) * 0.5 } else { geo };
        let fm = f(shift, m);
        if fm == 0.0 {
            return Some((shift, m));
        } else if fm > 0.0 {
            hi = m;
            f_prev = f_hi;
            f_hi = fm;
        } else {
            lo = m;
            f_prev = f_lo;
            f_lo = fm;
        }
    }
    let (mut mu_cur, mut mu_prev, mut f_cur, mut f_prv) = if lo == 0.0 {
        (hi * 2.0, hi, f_prev, f_hi)
    } else if hi == 0.0 {
        (lo * 2.0, lo, f_prev, f_lo)
    } else {
        (lo, hi, f_lo, f_hi)
    };
    // Rational secant: f ≈ b + a/μ through the last two points.
    if f_prv.abs() < f_cur.abs() {
        std::mem::swap(&mut f_prv, &mut f_cur);
        std::mem::swap(&mut mu_prev, &mut mu_cur);
    }
    let (mut left_c, mut right_c) = (None, None);
    if (f_prv > 0.0) != (f_cur > 0.0) {
        left_c = Some(mu_cur.min(mu_prev));
        right_c = Some(mu_cur.max(mu_prev));
    }
    let mut use_bisection = false;
    let mut steps = 0;
    while f_cur != 0.0
        && (mu_cur - mu_prev).abs() > 8.0 * eps * mu_cur.abs().max(mu_prev.abs())
        && (f_cur - f_prv).abs() > eps
        && !use_bisection
    {
        steps += 1;
        if steps > SECANT_CAP {
            use_bisection = true;
            break;
        }
        let a = (f_cur - f_prv) * (mu_prev * mu_cur) / (mu_prev - mu_cur);
        let b = f_cur - a / mu_cur;
        let mu_zero = -a / b;
        let f_zero = f(shift, mu_zero);
        if f_zero < 0.0 {
            left_c = Some(mu_zero);
        } else {
            right_c = Some(mu_zero);
        }
        mu_prev = mu_cur;
        f_prv = f_cur;
        mu_cur = mu_zero;
        f_cur = f_zero;
        if !mu_cur.is_finite() || !f_cur.is_finite() {
            use_bisection = true;
        }
        if at_left && (mu_cur < 0.0 || mu_cur > right - left) {
            use_bisection = true;
        }
        if !at_left && (mu_cur > 0.0 || mu_cur < left - right) {
            use_bisection = true;
        }
        if f_cur.abs() > f_prv.abs() {
            let mut k = 1.0;
            for _ in 0..4 {
                let mu_opp = -a / (k * f_zero + b);
                let f_opp = f(shift, mu_opp);
                if f_zero < 0.0 && f_opp >= 0.0 {
                    right_c = Some(mu_opp);
                    break;
                }
                if f_zero > 0.0 && f_opp <= 0.0 {
                    left_c = Some(mu_opp);
                    break;
                }
                k *= 2.0;
            }
            use_bisection = true;
        }
    }
    if !mu_cur.is_finite() {
        use_bisection = true;
    }
    if let (Some(l), Some(r)) = (left_c, right_c) {
        if l < r {
            lo = lo.max(l);
            hi = hi.min(r);
        }
    }
    if use_bisection {
        let mut halvings = 0;
        while hi - lo > 2.0 * eps * lo.abs().max(hi.abs()) {
            halvings += 1;
            if halvings > BISECT_CAP {
                return None;
            }
            let m = (lo + hi) * 0.5;
            let fm = f(shift, m);
            if fm == 0.0 {
                break;
            } else if fm > 0.0 {
                hi = m;
            } else {
                lo = m;
            }
        }
        mu_cur = (lo + hi) * 0.5;
    }
    (mu_cur.is_finite() && (shift + mu_cur).is_finite()).then_some((shift, mu_cur))
}

/// Copies the `rows × cols` block at (r0, c0) of the column-major `z` (leading dimension `ld`)
/// into a contiguous column-major buffer.
fn block(z: &[f64], ld: usize, r0: usize, c0: usize, rows: usize, cols: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(rows * cols);
    for j in 0..cols {
        let s = (c0 + j) * ld + r0;
        out.extend_from_slice(&z[s..s + rows]);
    }
    out
}

/// Merges the two solved halves (`d[..n1]`, `d[n1..]` ascending; their eigenvectors in the
/// diagonal blocks of the block at (o, o) of `z`) torn at the off-diagonal `beta`.
fn merge(d: &mut [f64], beta: f64, z: &mut [f64], ld: usize, o: usize, n1: usize) -> Result<(), NumericalError> {
    let n = d.len();
    let n2 = n - n1;
    let eps = f64::EPSILON;
    let inv_sqrt2 = 0.5f64.sqrt();
    // z = (last row of U₁, sign β · first row of U₂) / √2, ρ = 2|β|.
    let mut zv = vec![0.0; n];
    for j in 0..n1 {
        zv[j] = z[(o + j) * ld + o + n1 - 1] * inv_sqrt2;
    }
    let sign = if beta < 0.0 { -1.0 } else { 1.0 };
    for j in 0..n2 {
        zv[n1 + j] = sign * z[(o + n1 + j) * ld + o + n1] * inv_sqrt2;
    }
    let rho = 2.0 * beta.abs();
    // Merge the two ascending halves.
    let mut pl_before = vec![0usize; n];
    {
        let (mut i, mut j) = (0, 0);
        for p in pl_before.iter_mut() {
            if i == n1 || (j < n2 && d[n1 + j] <= d[i]) {
                *p = n1 + j;
                j += 1;
            } else {
                *p = i;
                i += 1;
            }
        }
    }
    let mut pdiag: Vec<f64> = pl_before.iter().map(|&p| d[p]).collect();
    let mut pz: Vec<f64> = pl_before.iter().map(|&p| zv[p]).collect();
    let dmax = pdiag.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let zmax = pz.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let tol = 8.0 * eps * dmax.max(zmax);
    let u0 = block(z, ld, o, o, n1, n1);
    let u1 = block(z, ld, o + n1, o + n1, n2, n2);
    // Column `src` of diag(U₁, U₂) scaled by v, into column `dst` of the block (the merged
    // eigenvectors are written straight into z: U₁ and U₂ are copied out above).
    let put_col = |z: &mut [f64], dst: usize, src: usize, v: f64| {
        let col = &mut z[(o + dst) * ld + o..(o + dst) * ld + o + n];
        col.fill(0.0);
        if src < n1 {
            for (o, u) in col[..n1].iter_mut().zip(&u0[src * n1..(src + 1) * n1]) {
                *o = v * u;
            }
        } else {
            let s = src - n1;
            for (o, u) in col[n1..].iter_mut().zip(&u1[s * n2..(s + 1) * n2]) {
                *o = v * u;
            }
        }
    };
    if rho * zmax <= tol {
        for (j, &p) in pl_before.iter().enumerate() {
            put_col(z, j, p, 1.0);
        }
        d.copy_from_slice(&pdiag);
        return Ok(());
    }
    for v in pz.iter_mut() {
        if (rho * *v).abs() <= tol {
            *v = 0.0;
        }
    }
    // Runs of equal (within tol) d: a reflector H = I − h hᵀ/τ moves the run's z into its last
    // entry. `house[idx..idx+len]` holds h (last entry 1), `runs` the (start, len, 1/τ).
    let mut house = vec![0.0; n];
    let mut runs: Vec<(usize, usize, f64)> = Vec::new();
    let mut idx = 0;
    while idx < n {
        let mut len = 1;
        let d_first = pdiag[idx];
        while idx + len < n && pdiag[idx + len] - d_first <= tol {
            pdiag[idx + len] = d_first;
            len += 1;
        }
        if len > 1 {
            // faer's make_householder_in_place with the last entry as the head.
            let x = &mut pz[idx..idx + len];
            let head = x[len - 1];
            let tail_norm = x[..len - 1].iter().map(|v| v * v).sum::<f64>().sqrt();
            if tail_norm >= f64::MIN_POSITIVE {
                let head = if head.abs() < f64::MIN_POSITIVE { 0.0 } else { head };
                let norm = head.hypot(tail_norm);
                let signed_norm = if head < 0.0 { -norm } else { norm };
                let hb_inv = 1.0 / (head + signed_norm);
                let h = &mut house[idx..idx + len];
                for (hk, xk) in h.iter_mut().zip(x.iter()) {
                    *hk = xk * hb_inv;
                }
                h[len - 1] = 1.0;
                let tau = 0.5 * (1.0 + (tail_norm * hb_inv.abs()).powi(2));
                x.fill(0.0);
                x[len - 1] = -signed_norm;
                runs.push((idx, len, 1.0 / tau));
            }
        }
        idx += len;
    }
    // Non-deflated entries first (in order), then the deflated ones; pl_after maps the new order
    // to the merged (pl_before) order.
    let mut pl_after = Vec::with_capacity(n);
    let mut deflated = Vec::new();
    let (mut kd, mut kz) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for r in 0..n {
        if pz[r] == 0.0 {
            deflated.push(r);
        } else {
            pl_after.push(r);
            kd.push(pdiag[r]);
            kz.push(pz[r]);
        }
    }
    let k = kd.len();
    pl_after.extend_from_slice(&deflated);
    // Roots of the secular equation.
    let rho_recip = 1.0 / rho;
    let znorm2: f64 = kz.iter().map(|v| v * v).sum();
    let mut shifts = vec![0.0; n];
    let mut mus = vec![0.0; n];
    for i in 0..k {
        let last = i + 1 == k;
        let right = if last { kd[i] + rho * znorm2 } else { kd[i + 1] };
        let (s, m) = secular_root(&kd, &kz, rho_recip, kd[i], right, last)
            .ok_or(NumericalError::NoConvergence { index: o + n1 - 1, iterations: BISECT_CAP })?;
        shifts[i] = s;
        mus[i] = m;
    }
    for (i, &r) in deflated.iter().enumerate() {
        mus[k + i] = pdiag[r];
    }
    // Löwner's formula for ẑ.
    for i in 0..k {
        let di = kd[i];
        let mut prod = mus[i] + (shifts[i] - di);
        for j in (0..i).chain(i + 1..k) {
            prod *= (mus[j] + (shifts[j] - di)) / (kd[j] - di);
        }
        let v = prod.abs().sqrt();
        kz[i] = if kz[i] < 0.0 { -v } else { v };
    }
    let values: Vec<f64> = (0..n).map(|i| mus[i] + shifts[i]).collect();
    let mut pr: Vec<usize> = (0..n).collect();
    pr.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    // W: the eigenvectors of D + ρ ẑ ẑᵀ, rows in diag(U₁, U₂)'s order; with reflectors, first
    // in the pl_before order (where the runs are contiguous), permuted after applying them.
    if runs.is_empty() {
        for p in pl_after.iter_mut() {
            *p = pl_before[*p];
        }
    }
    let mut v = vec![0.0; n * n];
    for (j, &pj) in pr.iter().enumerate() {
        let col = &mut v[j * n..(j + 1) * n];
        if pj >= k {
            col[pl_after[pj]] = 1.0;
        } else {
            let (s, m) = (shifts[pj], mus[pj]);
            let mut norm2 = 0.0;
            for i in 0..k {
                let x = kz[i] / ((kd[i] - s) - m);
                col[pl_after[i]] = x;
                norm2 += x * x;
            }
            let inv = 1.0 / norm2.sqrt();
            for i in 0..k {
                col[pl_after[i]] *= inv;
            }
        }
    }
    for &(start, len, tau_inv) in &runs {
        let h = &house[start..start + len];
        for j in 0..n {
            let col = &mut v[j * n + start..j * n + start + len];
            let dot: f64 = h.iter().zip(col.iter()).map(|(a, b)| a * b).sum::<f64>() * tau_inv;
            for (c, hk) in col.iter_mut().zip(h) {
                *c -= dot * hk;
            }
        }
    }
    let w = if runs.is_empty() {
        v
    } else {
        let mut w = vec![0.0; n * n];
        for j in 0..n {
            for (i, &p) in pl_before.iter().enumerate() {
                w[j * n + p] = v[j * n + i];
            }
        }
        w
    };
    // diag(U₁, U₂) · W: unit columns copied, the rest by gemm on the rows that are used.
    let mut dense = Vec::new();
    for j in 0..n {
        let col = &w[j * n..(j + 1) * n];
        let mut nz = col.iter().enumerate().filter(|(_, x)| **x != 0.0);
        match (nz.next(), nz.next()) {
            (Some((r, x)), None) => put_col(z, j, r, *x),
            (None, _) => put_col(z, j, 0, 0.0),
            _ => dense.push(j),
        }
    }
    for (r0, m, u) in [(0, n1, &u0), (n1, n2, &u1)] {
        let used: Vec<usize> = (0..m).filter(|&r| dense.iter().any(|&j| w[j * n + r0 + r] != 0.0)).collect();
        if used.is_empty() {
            for &j in &dense {
                let s = (o + j) * ld + o + r0;
                z[s..s + m].fill(0.0);
            }
            continue;
        }
        let kk = used.len();
        let compact;
        let a: &[f64] = if kk == m {
            u
        } else {
            let mut a = Vec::with_capacity(m * kk);
            for &r in &used {
                a.extend_from_slice(&u[r * m..(r + 1) * m]);
            }
            compact = a;
            &compact
        };
        let mut b = Vec::with_capacity(kk * dense.len());
        for &j in &dense {
            b.extend(used.iter().map(|&r| w[j * n + r0 + r]));
        }
        let mut c = vec![0.0; m * dense.len()];
        gemm(m, dense.len(), kk, a, &b, &mut c);
        for (cj, &j) in dense.iter().enumerate() {
            let s = (o + j) * ld + o + r0;
            z[s..s + m].copy_from_slice(&c[cj * m..(cj + 1) * m]);
        }
    }
    for (dj, &pj) in d.iter_mut().zip(&pr) {
        *dj = values[pj];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a solve left: the eigenvalues (ascending), max |T Z − Z Λ| / ‖T‖ and max |ZᵀZ − I|.
    struct Solved {
        values: Vec<f64>,
        z: Vec<f64>,
        residual: f64,
        orthogonality: f64,
    }

    fn solve_dc(d: &[f64], e: &[f64]) -> Solved {
        let n = d.len();
        let mut values = d.to_vec();
        let mut z = vec![f64::NAN; n * n];
        eigen(&mut values, e, &mut z, tridiagonal::MAXIT).unwrap();
        assert!(values.windows(2).all(|w| w[0] <= w[1]), "not ascending: {values:?}");
        let norm = d.iter().chain(e).fold(0.0f64, |m, v| m.max(v.abs())).max(f64::MIN_POSITIVE);
        let mut residual = 0.0f64;
        for j in 0..n {
            let col = &z[j * n..(j + 1) * n];
            for i in 0..n {
                let mut t = d[i] * col[i];
                if i > 0 {
                    t += e[i - 1] * col[i - 1];
                }
                if i + 1 < n {
                    t += e[i] * col[i + 1];
                }
                residual = residual.max((t - values[j] * col[i]).abs() / norm);
            }
        }
        let mut orthogonality = 0.0f64;
        for a in 0..n {
            for b in 0..=a {
                let dot = super::super::dot(&z[a * n..(a + 1) * n], &z[b * n..(b + 1) * n]);
                let want = if a == b { 1.0 } else { 0.0 };
                orthogonality = orthogonality.max((dot - want).abs());
            }
        }
        Solved { values, z, residual, orthogonality }
    }

    /// Eigenvalues by the QL path (the reference the divide and conquer replaces), ascending.
    fn ql_values(d: &[f64], e: &[f64]) -> Vec<f64> {
        let n = d.len();
        let mut v = d.to_vec();
        let mut z = vec![0.0; n * n];
        tridiagonal::eigen(&mut v, e, &mut z).unwrap();
        v.sort_by(f64::total_cmp);
        v
    }

    fn max_diff(a: &[f64], b: &[f64]) -> f64 {
        assert_eq!(a.len(), b.len());
        a.iter().zip(b).fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
    }

    /// A deterministic uniform stream on (−1, 1) (a 64-bit LCG, Knuth's MMIX constants).
    fn uniform(seed: u64, n: usize) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
            })
            .collect()
    }

    /// Asserted for every matrix below: residual ≤ 2e-14 ‖T‖ and orthogonality ≤ 2e-14. Gu and
    /// Eisenstat bound both by O(n ε) with a small constant; measured here (x86-64) up to
    /// n = 500 the largest were 2.8e-15 and 3.6e-15 (≈ 16 ε), so 2e-14 (≈ 90 ε) leaves a margin
    /// of five for other platforms without hiding a broken merge (errors of 1e-8 or worse).
    fn assert_accurate(s: &Solved, what: &str) {
        assert!(s.residual <= 2e-14, "{what}: residual {:e}", s.residual);
        assert!(s.orthogonality <= 2e-14, "{what}: orthogonality {:e}", s.orthogonality);
    }

    #[test]
    fn second_difference_matches_its_closed_form() {
        // tridiag(−1, 2, −1) of order n: λ_k = 2 − 2 cos(kπ/(n+1)), k = 1…n (textbook closed
        // form). n = 31, 32 are single QL leaves, 33 and 200 are torn (LEAF = 32).
        for n in [1, 2, 31, 32, 33, 200] {
            let (d, e) = (vec![2.0; n], vec![-1.0; n - 1]);
            let s = solve_dc(&d, &e);
            let exact: Vec<f64> =
                (1..=n).map(|k| 2.0 - 2.0 * (k as f64 * std::f64::consts::PI / (n + 1) as f64).cos()).collect();
            let err = max_diff(&s.values, &exact);
            // ‖T‖ ≤ 4; 1e-13 · 4 bounds the error of a backward-stable solver with margin.
            assert!(err <= 4e-13, "n = {n}: eigenvalue error {err:e}");
            assert_accurate(&s, &format!("second difference n = {n}"));
        }
    }

    #[test]
    fn a_diagonal_matrix_deflates_to_a_permutation() {
        // Off-diagonal all 0: every merge deflates entirely, Z is the sorting permutation.
        let n = 150;
        let d = uniform(7, n);
        let s = solve_dc(&d, &vec![0.0; n - 1]);
        let mut sorted = d.clone();
        sorted.sort_by(f64::total_cmp);
        // Exact up to the scaling by 1/‖T‖ and back (one rounding each way).
        for (v, w) in s.values.iter().zip(&sorted) {
            assert!((v - w).abs() <= 2.0 * f64::EPSILON * w.abs(), "{v} vs {w}");
        }
        for (j, w) in sorted.iter().enumerate() {
            let i = d.iter().position(|x| x == w).unwrap();
            assert_eq!(s.z[j * n + i], 1.0, "column {j}");
            assert_eq!(s.z[j * n..(j + 1) * n].iter().filter(|x| **x != 0.0).count(), 1);
        }
    }

    #[test]
    fn a_zero_off_diagonal_splits_the_problem() {
        // e = 0 at 49 (the first tear of n = 100 is at 50, so this one lands inside a half) and
        // at 70: the spectrum is the union of the three blocks' spectra (each by QL).
        let n = 100;
        let d = uniform(11, n);
        let mut e = uniform(12, n - 1);
        e[49] = 0.0;
        e[70] = 0.0;
        let s = solve_dc(&d, &e);
        let mut want = ql_values(&d[..50], &e[..49]);
        want.extend(ql_values(&d[50..71], &e[50..70]));
        want.extend(ql_values(&d[71..], &e[71..]));
        want.sort_by(f64::total_cmp);
        assert!(max_diff(&s.values, &want) <= 1e-13, "{:e}", max_diff(&s.values, &want));
        assert_accurate(&s, "split");
    }

    #[test]
    fn wilkinson_matrices_keep_their_close_pairs_apart() {
        // W₁₀₁⁺: d_i = |50 − i|, e = 1. Its largest eigenvalues come in pairs that agree to far
        // below ε (Wilkinson, The Algebraic Eigenvalue Problem): the vectors must still be
        // orthogonal. Then five copies of W₂₁⁺ glued by 1e-12: near-repeated eigenvalues five
        // at a time, which deflate in runs (the Householder reflectors).
        let n = 101;
        let d: Vec<f64> = (0..n).map(|i| (50.0 - i as f64).abs()).collect();
        let e = vec![1.0; n - 1];
        let s = solve_dc(&d, &e);
        let want = ql_values(&d, &e);
        assert!(max_diff(&s.values, &want) <= 50.0 * 1e-13, "{:e}", max_diff(&s.values, &want));
        assert!((s.values[n - 1] - s.values[n - 2]).abs() < 1e-12, "the top pair is not close");
        assert_accurate(&s, "W101+");

        let w: Vec<f64> = (0..21).map(|i| (10.0 - i as f64).abs()).collect();
        let d: Vec<f64> = w.iter().cycle().take(105).copied().collect();
        let e: Vec<f64> = (0..104).map(|i| if i % 21 == 20 { 1e-12 } else { 1.0 }).collect();
        let s = solve_dc(&d, &e);
        let want = ql_values(&d, &e);
        assert!(max_diff(&s.values, &want) <= 10.0 * 1e-13, "{:e}", max_diff(&s.values, &want));
        assert_accurate(&s, "glued W21+");
    }

    #[test]
    fn graded_entries_from_1e_300_to_1() {
        // d_i = 10^(−300 i/(n−1)), e_i = 0.3 √(d_i d_{i+1}): entries spread over 300 decades.
        // Normwise (‖T‖ = 1) the same bounds hold; the small eigenvalues are only accurate to
        // ε ‖T‖ absolutely, which is what is asserted.
        let n = 120;
        let d: Vec<f64> = (0..n).map(|i| 10f64.powf(-300.0 * i as f64 / (n - 1) as f64)).collect();
        let e: Vec<f64> = (0..n - 1).map(|i| 0.3 * (d[i] * d[i + 1]).sqrt()).collect();
        let s = solve_dc(&d, &e);
        assert!(max_diff(&s.values, &ql_values(&d, &e)) <= 1e-13);
        assert_accurate(&s, "graded");
    }

    #[test]
    fn random_500_agrees_with_ql() {
        let n = 500;
        let (d, e) = (uniform(1, n), uniform(2, n - 1));
        let s = solve_dc(&d, &e);
        let norm = d.iter().chain(&e).fold(0.0f64, |m, v| m.max(v.abs()));
        let err = max_diff(&s.values, &ql_values(&d, &e));
        assert!(err <= 1e-13 * norm, "eigenvalues vs QL: {err:e}");
        assert_accurate(&s, "random 500");
    }

    #[test]
    fn a_leaf_that_does_not_converge_is_a_typed_error_at_its_position() {
        // With 0 QL iterations allowed no leaf can converge; the first leaf of n = 100 (tears at
        // 50, then 25) starts at 0, and the error names a position along the whole tridiagonal.
        let n = 100;
        let (mut d, e) = (vec![2.0; n], vec![-1.0; n - 1]);
        let mut z = vec![0.0; n * n];
        let err = eigen(&mut d, &e, &mut z, 0).unwrap_err();
        assert_eq!(err, NumericalError::NoConvergence { index: 0, iterations: 0 });
        let bad = eigen(&mut [1.0, f64::NAN], &[0.5], &mut [0.0; 4], 30).unwrap_err();
        assert_eq!(bad.to_string(), NumericalError::NonFiniteMatrix { row: 1, col: 1, value: f64::NAN }.to_string());
    }
}
