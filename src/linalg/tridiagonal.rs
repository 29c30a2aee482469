//! Eigenvalues (and eigenvectors) of a symmetric tridiagonal matrix.
//!
//! - [`eigenvalues`]: LAPACK's `dsterf`, the Pal–Walker–Kahan variant of implicit QL/QR: it
//!   iterates on the squares of the off-diagonal, needs no square root per rotation, and costs
//!   O(n²) in all. QL or QR is chosen per unreduced block (the end with the larger diagonal
//!   entry first), the block is scaled away from overflow and underflow, and the iteration
//!   count is capped at 30·n in all (LAPACK's `MAXIT · n`).
//! - [`eigen`]: implicit QL with Wilkinson shifts (as in LAPACK's `dsteqr` / EISPACK's `tql2`)
//!   that also accumulates the plane rotations into `Z`. Applying each sweep's rotations to all
//!   of `Z` at once would stream the `n × n` matrix once per sweep (memory bound, ~2n sweeps);
//!   instead the rotations of many sweeps are recorded and applied to `Z` one slab of rows at a
//!   time, the slab staying in cache while every recorded sweep passes over it (rows of `Z` are
//!   independent, so the result is the same). Capped at 30 iterations per eigenvalue.
//!
//! Both return [`NumericalError::NoConvergence`] at the cap (with the position along the
//! diagonal and the iterations spent), where LAPACK sets `INFO > 0` and the old code here
//! returned `false` to callers that ignored it, and [`NumericalError::NonFiniteMatrix`] for a
//! NaN or ±Inf entry (which could never converge). After an error the contents of `d` (and
//! `z`) are unspecified. The caps are parameters of the `*_capped` functions, so that tests can
//! reach them.

use crate::error::NumericalError;

/// Iterations allowed per eigenvalue (LAPACK's MAXIT).
pub const MAXIT: usize = 30;

/// LAPACK's `(SSFMIN, SSFMAX)` (dsterf, dsteqr): a block whose largest entry lies outside
/// this range is scaled into it before iterating, so that no sum or square in the iteration
/// overflows or underflows: (√safmin / ε², √safmax / 3), ε = 2⁻⁵³, safmin the least normal
/// double, safmax = 1/safmin.
fn safe_range() -> (f64, f64) {
    let eps = f64::EPSILON * 0.5;
    let safmin = f64::MIN_POSITIVE;
    let safmax = 1.0 / safmin;
    (safmin.sqrt() / (eps * eps), safmax.sqrt() / 3.0)
}

/// The first NaN or ±Inf of the tridiagonal (`d[i]` is entry (i, i), `e[i]` entry (i + 1, i)).
fn first_non_finite(d: &[f64], e: &[f64]) -> Option<NumericalError> {
    let diag = d.iter().enumerate().map(|(i, v)| (i, i, *v));
    let off = e.iter().enumerate().map(|(i, v)| (i + 1, i, *v));
    let (row, col, value) = diag.chain(off).find(|(_, _, v)| !v.is_finite())?;
    Some(NumericalError::NonFiniteMatrix { row, col, value })
}

/// LAPACK `dlae2`: the eigenvalues `(rt1, rt2)`, `|rt1| ≥ |rt2|`, of `[[a, b], [b, c]]`.
fn dlae2(a: f64, b: f64, c: f64) -> (f64, f64) {
    let sm = a + c;
    let df = a - c;
    let adf = df.abs();
    let tb = b + b;
    let ab = tb.abs();
    let (acmx, acmn) = if a.abs() > c.abs() { (a, c) } else { (c, a) };
    let rt = if adf > ab {
        adf * (1.0 + (ab / adf) * (ab / adf)).sqrt()
    } else if adf < ab {
        ab * (1.0 + (adf / ab) * (adf / ab)).sqrt()
    } else {
        ab * std::f64::consts::SQRT_2
    };
    if sm < 0.0 {
        let rt1 = 0.5 * (sm - rt);
        (rt1, (acmx / rt1) * acmn - (b / rt1) * b)
    } else if sm > 0.0 {
        let rt1 = 0.5 * (sm + rt);
        (rt1, (acmx / rt1) * acmn - (b / rt1) * b)
    } else {
        (0.5 * rt, -0.5 * rt)
    }
}

/// All eigenvalues of the symmetric tridiagonal matrix with diagonal `d` and off-diagonal `e`
/// (`e.len() == d.len() − 1`), in place in `d`, ascending (LAPACK `dsterf`). `e` is destroyed.
/// An error at the iteration cap (30·n iterations in all) or for a non-finite entry.
pub fn eigenvalues(d: &mut [f64], e: &mut [f64]) -> Result<(), NumericalError> {
    eigenvalues_capped(d, e, MAXIT)
}

/// [`eigenvalues`] with `maxit · n` iterations allowed in all.
pub(crate) fn eigenvalues_capped(d: &mut [f64], e: &mut [f64], maxit: usize) -> Result<(), NumericalError> {
    let n = d.len();
    if n <= 1 {
        return match d.first() {
            Some(v) if !v.is_finite() => Err(NumericalError::NonFiniteMatrix { row: 0, col: 0, value: *v }),
            _ => Ok(()),
        };
    }
    let eps = f64::EPSILON * 0.5;
    let eps2 = eps * eps;
    let (ssfmin, ssfmax) = safe_range();
    let nmaxit = n * maxit;
    let mut jtot = 0;
    let mut l1 = 0;
    // Fortran's 1-based indices are kept as 0-based: d[i] ↔ D(i+1), e[i] ↔ E(i+1).
    while l1 < n {
        if l1 > 0 {
            e[l1 - 1] = 0.0;
        }
        let mut m = l1;
        while m < n - 1 {
            if e[m].abs() <= (d[m].abs().sqrt() * d[m + 1].abs().sqrt()) * eps {
                e[m] = 0.0;
                break;
            }
            m += 1;
        }
        let mut l = l1;
        let lsv = l;
        let mut lend = m;
        let lendsv = lend;
        l1 = m + 1;
        if lend == l {
            continue;
        }
        // Scale the block l..=lend.
        let mut anorm = 0.0f64;
        for v in d[l..=lend].iter().chain(&e[l..lend]) {
            let v = v.abs();
            if v > anorm || v.is_nan() {
                anorm = v;
            }
        }
        if !anorm.is_finite() {
            let bad = first_non_finite(&d[l..=lend], &e[l..lend]);
            return Err(match bad {
                Some(NumericalError::NonFiniteMatrix { row, col, value }) => {
                    NumericalError::NonFiniteMatrix { row: row + l, col: col + l, value }
                }
                _ => NumericalError::NonFiniteMatrix { row: l, col: l, value: anorm },
            });
        }
        if anorm == 0.0 {
            continue;
        }
        // Where the cap was reached, if it was (the position whose eigenvalue was being sought).
        let mut stuck = None;
        let mut iscale = 0;
        if anorm > ssfmax {
            iscale = 1;
            scale(&mut d[l..=lend], &mut e[l..lend], ssfmax / anorm);
        } else if anorm < ssfmin {
            iscale = 2;
            scale(&mut d[l..=lend], &mut e[l..lend], ssfmin / anorm);
        }
        for x in &mut e[l..lend] {
            *x *= *x;
        }
        if d[lend].abs() < d[l].abs() {
            lend = lsv;
            l = lendsv;
        }
        if lend >= l {
            // QL iteration.
            loop {
                let mut m = l;
                while m < lend {
                    if e[m].abs() <= eps2 * (d[m] * d[m + 1]).abs() {
                        break;
                    }
                    m += 1;
                }
                if m < lend {
                    e[m] = 0.0;
                }
                let p = d[l];
                if m == l {
                    d[l] = p;
                    l += 1;
                    if l <= lend {
                        continue;
                    }
                    break;
                }
                if m == l + 1 {
                    let rte = e[l].sqrt();
                    let (rt1, rt2) = dlae2(d[l], rte, d[l + 1]);
                    d[l] = rt1;
                    d[l + 1] = rt2;
                    e[l] = 0.0;
                    l += 2;
                    if l <= lend {
                        continue;
                    }
                    break;
                }
                if jtot == nmaxit {
                    stuck = Some(l);
                    break;
                }
                jtot += 1;
                let rte = e[l].sqrt();
                let mut sigma = (d[l + 1] - p) / (2.0 * rte);
                let r = sigma.hypot(1.0);
                sigma = p - rte / (sigma + r.copysign(sigma));
                let mut c = 1.0;
                let mut s = 0.0;
                let mut gamma = d[m] - sigma;
                let mut p = gamma * gamma;
                let mut i = m;
                while i > l {
                    i -= 1;
                    let bb = e[i];
                    let r = p + bb;
                    if i != m - 1 {
                        e[i + 1] = s * r;
                    }
                    let oldc = c;
                    c = p / r;
                    s = bb / r;
                    let oldgam = gamma;
                    let alpha = d[i];
                    gamma = c * (alpha - sigma) - s * oldgam;
                    d[i + 1] = oldgam + (alpha - gamma);
                    p = if c != 0.0 { (gamma * gamma) / c } else { oldc * bb };
                }
                e[l] = s * p;
                d[l] = sigma + gamma;
            }
        } else {
            // QR iteration.
            loop {
                let mut m = l;
                while m > lend {
                    if e[m - 1].abs() <= eps2 * (d[m] * d[m - 1]).abs() {
                        break;
                    }
                    m -= 1;
                }
                if m > lend {
                    e[m - 1] = 0.0;
                }
                let p = d[l];
                if m == l {
                    d[l] = p;
                    if l == lend || l == 0 {
                        break;
                    }
                    l -= 1;
                    continue;
                }
                if m + 1 == l {
                    let rte = e[l - 1].sqrt();
                    let (rt1, rt2) = dlae2(d[l], rte, d[l - 1]);
                    d[l] = rt1;
                    d[l - 1] = rt2;
                    e[l - 1] = 0.0;
                    if l < lend + 2 {
                        break;
                    }
                    l -= 2;
                    continue;
                }
                if jtot == nmaxit {
                    stuck = Some(l);
                    break;
                }
                jtot += 1;
                let rte = e[l - 1].sqrt();
                let mut sigma = (d[l - 1] - p) / (2.0 * rte);
                let r = sigma.hypot(1.0);
                sigma = p - rte / (sigma + r.copysign(sigma));
                let mut c = 1.0;
                let mut s = 0.0;
                let mut gamma = d[m] - sigma;
                let mut p = gamma * gamma;
                for i in m..l {
                    let bb = e[i];
                    let r = p + bb;
                    if i != m {
                        e[i - 1] = s * r;
                    }
                    let oldc = c;
                    c = p / r;
                    s = bb / r;
                    let oldgam = gamma;
                    let alpha = d[i + 1];
                    gamma = c * (alpha - sigma) - s * oldgam;
                    d[i] = oldgam + (alpha - gamma);
                    p = if c != 0.0 { (gamma * gamma) / c } else { oldc * bb };
                }
                e[l - 1] = s * p;
                d[l] = sigma + gamma;
            }
        }
        // Undo the scaling.
        if iscale == 1 {
            scale(&mut d[lsv..=lendsv], &mut [], anorm / ssfmax);
        } else if iscale == 2 {
            scale(&mut d[lsv..=lendsv], &mut [], anorm / ssfmin);
        }
        if let Some(index) = stuck {
            return Err(NumericalError::NoConvergence { index, iterations: jtot });
        }
    }
    d.sort_by(|a, b| a.total_cmp(b));
    Ok(())
}

fn scale(d: &mut [f64], e: &mut [f64], f: f64) {
    for x in d.iter_mut().chain(e.iter_mut()) {
        *x *= f;
    }
}

/// Rows of `Z` per slab when applying recorded rotations.
const SLAB: usize = 16;
/// Recorded rotations (c, s pairs) before they are applied to `Z`.
const BATCH: usize = 1 << 19;

/// Plane rotations recorded sweep by sweep: sweep `k` acts on columns `lo..=hi` of `Z`, its
/// rotations (for i = hi−1 down to lo) stored in `cs[start..start + hi − lo]`.
struct Recorded {
    sweeps: Vec<(usize, usize, usize)>,
    cs: Vec<[f64; 2]>,
}

impl Recorded {
    /// Applies every recorded sweep to the column-major `n × n` `z`, slab by slab, and forgets
    /// them. Rotation i on columns (i, i+1): z_{i+1} ← s z_i + c z_{i+1}; z_i ← c z_i − s z_{i+1}.
    fn flush(&mut self, z: &mut [f64], n: usize) {
        if self.sweeps.is_empty() {
            return;
        }
        let lo_all = self.sweeps.iter().map(|s| s.0).min().unwrap_or(0);
        let hi_all = self.sweeps.iter().map(|s| s.1).max().unwrap_or(0);
        let width = hi_all - lo_all + 1;
        // The slab is copied out contiguously: with a power-of-two n, the columns of one slab
        // of the column-major z are a power-of-two apart and would fight over a few cache sets.
        let mut buf = vec![0.0f64; width * SLAB];
        let mut r0 = 0;
        while r0 < n {
            let rows = SLAB.min(n - r0);
            for (col, dst) in (lo_all..=hi_all).zip(buf.chunks_exact_mut(SLAB)) {
                dst[..rows].copy_from_slice(&z[col * n + r0..col * n + r0 + rows]);
            }
            for &(lo, hi, start) in &self.sweeps {
                let rots = &self.cs[start..start + (hi - lo)];
                let (lo, hi) = (lo - lo_all, hi - lo_all);
                let mut carry = [0.0f64; SLAB];
                carry.copy_from_slice(&buf[hi * SLAB..(hi + 1) * SLAB]);
                let mut i = hi;
                for &[c, s] in rots {
                    i -= 1;
                    let (left, right) = buf.split_at_mut((i + 1) * SLAB);
                    let zi = &left[i * SLAB..(i + 1) * SLAB];
                    let zn = &mut right[..SLAB];
                    for r in 0..SLAB {
                        let a = zi[r];
                        zn[r] = s * a + c * carry[r];
                        carry[r] = c * a - s * carry[r];
                    }
                }
                buf[lo * SLAB..(lo + 1) * SLAB].copy_from_slice(&carry);
            }
            for (col, src) in (lo_all..=hi_all).zip(buf.chunks_exact(SLAB)) {
                z[col * n + r0..col * n + r0 + rows].copy_from_slice(&src[..rows]);
            }
            r0 += SLAB;
        }
        self.sweeps.clear();
        self.cs.clear();
    }
}

/// Eigenvalues (in `d`, unsorted) and eigenvectors of the tridiagonal matrix (`d`, `e` with
/// `e.len() == d.len() − 1`): implicit QL with Wilkinson shifts, rotations accumulated into the
/// column-major `n × n` `z` (pass the identity to get the tridiagonal's own eigenvectors, or
/// `Q` to get those of `Q T Qᵀ`). Column j of `z` belongs to `d[j]`. An error at the iteration
/// cap (30 iterations for one eigenvalue) or for a non-finite entry.
pub fn eigen(d: &mut [f64], e_in: &[f64], z: &mut [f64]) -> Result<(), NumericalError> {
    eigen_capped(d, e_in, z, MAXIT)
}

/// [`eigen`] with `maxit` iterations allowed per eigenvalue.
pub(crate) fn eigen_capped(d: &mut [f64], e_in: &[f64], z: &mut [f64], maxit: usize) -> Result<(), NumericalError> {
    let n = d.len();
    if let Some(bad) = first_non_finite(d, &e_in[..n.saturating_sub(1)]) {
        return Err(bad);
    }
    if n <= 1 {
        return Ok(());
    }
    let mut e = vec![0.0; n];
    e[..n - 1].copy_from_slice(&e_in[..n - 1]);
    // Scale into the safe range as dsteqr does (the eigenvectors do not change; the values are
    // scaled back at the end). Without it, |d| near 1e308 overflows the deflation test below,
    // which then passes and returns the diagonal as the eigenvalues.
    let anorm = d.iter().chain(&e).fold(0.0f64, |m, v| m.max(v.abs()));
    let (ssfmin, ssfmax) = safe_range();
    let scale_to = if anorm > ssfmax {
        Some(ssfmax)
    } else if anorm < ssfmin && anorm > 0.0 {
        Some(ssfmin)
    } else {
        None
    };
    if let Some(to) = scale_to {
        scale(d, &mut e, to / anorm);
    }
    let eps = f64::EPSILON;
    let mut rec = Recorded { sweeps: Vec::new(), cs: Vec::new() };
    for l in 0..n {
        let mut iter = 0;
        loop {
            let mut m = l;
            while m < n - 1 {
                let dd = d[m].abs() + d[m + 1].abs();
                if e[m].abs() <= eps * dd || e[m].abs() < f64::MIN_POSITIVE {
                    break;
                }
                m += 1;
            }
            if m == l {
                break;
            }
            if iter == maxit {
                return Err(NumericalError::NoConvergence { index: l, iterations: iter });
            }
            if !e[l].is_finite() || !d[l].is_finite() {
                // The input was finite (checked above): the rotations overflowed.
                return Err(NumericalError::EigenvalueOverflow);
            }
            iter += 1;
            let mut g = (d[l + 1] - d[l]) / (2.0 * e[l]);
            let mut r = g.hypot(1.0);
            g = d[m] - d[l] + e[l] / (g + r.copysign(g));
            let (mut s, mut c, mut p) = (1.0f64, 1.0f64, 0.0f64);
            let start = rec.cs.len();
            let mut i = m;
            let mut underflow = false;
            while i > l {
                i -= 1;
                let f = s * e[i];
                let b = c * e[i];
                r = f.hypot(g);
                e[i + 1] = r;
                if r == 0.0 {
                    d[i + 1] -= p;
                    e[m] = 0.0;
                    underflow = true;
                    i += 1;
                    break;
                }
                s = f / r;
                c = g / r;
                g = d[i + 1] - p;
                r = (d[i] - g) * s + 2.0 * c * b;
                p = s * r;
                d[i + 1] = g + p;
                g = c * r - b;
                rec.cs.push([c, s]);
            }
            // The rotations recorded act on columns i..=m (i is the last one applied).
            if rec.cs.len() > start {
                rec.sweeps.push((i, m, start));
            }
            if rec.cs.len() >= BATCH {
                rec.flush(z, n);
            }
            if underflow {
                continue;
            }
            d[l] -= p;
            e[l] = g;
            e[m] = 0.0;
        }
    }
    rec.flush(z, n);
    if let Some(to) = scale_to {
        scale(d, &mut [], anorm / to);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_finite_entries_are_scaled_not_deflated() {
        // [[M, M/10], [M/10, M]], M = 1e308: eigenvalues 1.1·M and 0.9·M, both representable,
        // eigenvectors (1, ±1)/√2. Unscaled, |d₀| + |d₁| overflows the deflation test of the QL,
        // which then passed and returned the diagonal (found in review of this module).
        let m = 1e308;
        let (mut d, mut z) = (vec![m, m], vec![1.0, 0.0, 0.0, 1.0]);
        eigen(&mut d, &[m / 10.0], &mut z).unwrap();
        d.sort_by(|a, b| b.total_cmp(a));
        assert!((d[0] / m - 1.1).abs() < 1e-15 && (d[1] / m - 0.9).abs() < 1e-15, "{d:?}");
        assert!(z.iter().all(|v| (v.abs() - 0.5f64.sqrt()).abs() < 1e-15), "{z:?}");
        let (mut d, mut e) = (vec![m, m], vec![m / 10.0]);
        eigenvalues(&mut d, &mut e).unwrap();
        assert!((d[1] / m - 1.1).abs() < 1e-15 && (d[0] / m - 0.9).abs() < 1e-15, "{d:?}");
    }

    #[test]
    fn non_finite_entries_are_named() {
        let (mut d, mut e) = (vec![1.0, 2.0, 3.0], vec![0.5, f64::INFINITY]);
        let want = NumericalError::NonFiniteMatrix { row: 2, col: 1, value: f64::INFINITY };
        assert_eq!(eigenvalues(&mut d, &mut e), Err(want.clone()));
        let mut z = vec![0.0; 9];
        assert_eq!(eigen(&mut [1.0, 2.0, 3.0], &[0.5, f64::INFINITY], &mut z), Err(want));
        assert_eq!(
            eigenvalues(&mut [f64::NEG_INFINITY], &mut []),
            Err(NumericalError::NonFiniteMatrix { row: 0, col: 0, value: f64::NEG_INFINITY })
        );
    }
}
