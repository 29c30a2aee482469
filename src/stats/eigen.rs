//! Eigenvalues (and, when a view needs them, eigenvectors) of a symmetric matrix, in
//! descending order.
//!
//! The classic dense path of LAPACK's `dsyev`, written for the sizes a covariance has here
//! (D = 512…8192) and for wasm, where there is no BLAS and one thread:
//!
//! 1. [`householder::tridiagonalize`]: blocked Householder reduction `C = Q T Qᵀ` (`dsytrd` with
//!    `dlatrd` panels and a register-tiled `dsyr2k` trailing update). This is the O(D³) part of
//!    the eigenvalues; the blocking is what keeps it from being bound by memory bandwidth once
//!    the matrix outgrows the cache (nalgebra's unblocked reduction took 15 s at D = 2048 in
//!    wasm, this one 2.5 s).
//! 2. Eigenvalues only: [`tridiagonal::eigenvalues`], Pal–Walker–Kahan root-free QL/QR
//!    (`dsterf`), O(D²).
//! 3. Eigenvectors: [`tridiagonal::eigen`], implicit QL with the rotations accumulated (as
//!    `dsteqr`, applied to `Z` in cache-sized slabs), then `Z ← Q Z` with the blocked reflectors
//!    ([`householder::apply_q`], as `dormtr`).
//!
//! Non-finite input gives NaN eigenvalues (and NaN vectors) instead of an iteration that cannot
//! converge; every iteration is capped.

use super::{householder, tridiagonal};
use nalgebra::DMatrix;

/// The input as a column-major working copy, or None when it is too short or not finite.
fn working_copy(c: &[f64], d: usize) -> Option<Vec<f64>> {
    let a = c.get(..d.checked_mul(d)?)?;
    // Symmetric: the row-major matrix read column-major is the same matrix (its lower
    // triangle is the row-major upper triangle).
    a.iter().all(|v| v.is_finite()).then(|| a.to_vec())
}

/// All eigenvalues of the symmetric row-major `d × d` matrix `c`, descending. Tiny negative
/// round-off values are kept. NaN everywhere if `c` has a non-finite entry.
pub fn eigenvalues_desc(c: &[f64], d: usize) -> Vec<f64> {
    let Some(mut a) = working_copy(c, d) else {
        return vec![f64::NAN; d];
    };
    let (mut diag, mut off, _) = householder::tridiagonalize(&mut a, d);
    drop(a);
    tridiagonal::eigenvalues(&mut diag, &mut off);
    diag.sort_by(|a, b| b.total_cmp(a));
    diag
}

/// Eigenvalues descending and the matching unit eigenvectors, as columns of a `d × d`
/// column-major matrix (column n belongs to value n). NaN everywhere if `c` has a non-finite
/// entry.
pub fn eigen_desc(c: &[f64], d: usize) -> (Vec<f64>, DMatrix<f64>) {
    let Some(mut a) = working_copy(c, d) else {
        return (vec![f64::NAN; d], DMatrix::from_element(d, d, f64::NAN));
    };
    let (mut diag, off, tau) = householder::tridiagonalize(&mut a, d);
    let mut z = vec![0.0; d * d];
    for i in 0..d {
        z[i * d + i] = 1.0;
    }
    tridiagonal::eigen(&mut diag, &off, &mut z);
    householder::apply_q(&a, &tau, d, &mut z, d);
    drop(a);
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|&x, &y| diag[y].total_cmp(&diag[x]));
    let values = order.iter().map(|&i| diag[i]).collect();
    let mut sorted = vec![0.0; d * d];
    for (col, &src) in order.iter().enumerate() {
        sorted[col * d..(col + 1) * d].copy_from_slice(&z[src * d..(src + 1) * d]);
    }
    (values, DMatrix::from_vec(d, d, sorted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_spectrum() {
        // [[2, 1], [1, 2]] has eigenvalues 3 and 1.
        let v = eigenvalues_desc(&[2.0, 1.0, 1.0, 2.0], 2);
        assert!((v[0] - 3.0).abs() < 1e-14 && (v[1] - 1.0).abs() < 1e-14);
        let (w, u) = eigen_desc(&[2.0, 1.0, 1.0, 2.0], 2);
        assert!((w[0] - 3.0).abs() < 1e-14);
        assert!((u[(0, 0)].abs() - 0.5f64.sqrt()).abs() < 1e-12);
    }
}
