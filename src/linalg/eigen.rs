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
//! 3. Eigenvectors (in wasm, and natively only if faer's solver fails; natively
//!    [`eigen_desc`] is faer's divide and conquer, see there): [`tridiagonal::eigen`], implicit QL with the rotations accumulated (as
//!    `dsteqr`, applied to `Z` in cache-sized slabs), then `Z ← Q Z` with the blocked reflectors
//!    ([`householder::apply_q`], as `dormtr`).
//!
//! Failure is an error, never approximate numbers: a non-finite or short input
//! ([`NumericalError::NonFiniteMatrix`], [`NumericalError::NotSquare`]), an iteration that
//! reaches its cap ([`NumericalError::NoConvergence`]), or eigenvalues that overflow
//! ([`NumericalError::EigenvalueOverflow`]). The covariance's own overflow is caught before
//! this, with the column named ([`crate::stats::Moments::covariance`]).

use super::{householder, tridiagonal, Mat};
use crate::error::{NumericalError, Result};

/// The input as a column-major working copy. Symmetric: the row-major matrix read
/// column-major is the same matrix (its lower triangle is the row-major upper triangle).
fn working_copy(c: &[f64], d: usize) -> Result<Vec<f64>> {
    let short = NumericalError::NotSquare { values: c.len(), d };
    let a = d.checked_mul(d).and_then(|dd| c.get(..dd)).filter(|a| a.len() == c.len()).ok_or(short)?;
    if let Some(k) = a.iter().position(|v| !v.is_finite()) {
        return Err(NumericalError::NonFiniteMatrix { row: k / d, col: k % d, value: a[k] }.into());
    }
    Ok(a.to_vec())
}

/// Checks that the solved eigenvalues are finite (they are for any finite matrix whose entries
/// stay well below the largest double).
fn finite(values: &[f64]) -> Result<()> {
    if values.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(NumericalError::EigenvalueOverflow.into())
    }
}

/// All eigenvalues of the symmetric row-major `d × d` matrix `c`, descending. Tiny negative
/// round-off values are kept.
///
/// Natively this is faer's self-adjoint eigenvalues ([`super::native::eigenvalues_asc`]: the
/// same Householder reduction and QR), which on one thread measured 8–20 % faster than the path
/// below (D = 1024: 0.13 s against 0.16 s; D = 2048: 1.28 s against 1.39–1.51 s, thread CPU
/// time) and which also splits the reduction's products over threads; the values agree with it
/// to 1e-15·λ₁. Should faer not converge, the path below runs and its own result or typed error
/// is returned. In wasm it is always the path below.
pub fn eigenvalues_desc(c: &[f64], d: usize) -> Result<Vec<f64>> {
    // faer 0.24 panics on a 0 × 0 matrix (an overflow in its scratch size); 1 × 1 needs no solver.
    #[cfg(not(target_arch = "wasm32"))]
    if d >= 2 {
        let a = working_copy(c, d)?;
        if let Some(mut values) = super::native::eigenvalues_asc(&a, d) {
            finite(&values)?;
            values.sort_by(|a, b| b.total_cmp(a));
            return Ok(values);
        }
    }
    eigenvalues_desc_capped(c, d, tridiagonal::MAXIT)
}

/// [`eigenvalues_desc`] with the tridiagonal iteration capped at `maxit · d` iterations.
pub(crate) fn eigenvalues_desc_capped(c: &[f64], d: usize, maxit: usize) -> Result<Vec<f64>> {
    let mut a = working_copy(c, d)?;
    let (mut diag, mut off, _) = householder::tridiagonalize(&mut a, d);
    drop(a);
    finite(&diag).and(finite(&off))?;
    tridiagonal::eigenvalues_capped(&mut diag, &mut off, maxit)?;
    finite(&diag)?;
    diag.sort_by(|a, b| b.total_cmp(a));
    Ok(diag)
}

/// Eigenvalues descending and the matching unit eigenvectors, as the columns of a `d × d`
/// [`Mat`] (column n belongs to value n).
///
/// Natively this is faer's self-adjoint eigensolver ([`super::native::eigen_asc`]: the same
/// reduction, then divide and conquer on the tridiagonal matrix instead of QL), measured 2.5–3×
/// faster at D = 1024 and 2048; should faer not converge, the QL path below runs and its own
/// result or typed error is returned. In wasm it is always the QL path: faer compiled to wasm
/// (std + linalg, no threads) was measured in Node at D = 1024 (benchKernels, N = 2000): vectors
/// 2.58 s against QL's 2.72 s, for 252 KB more wasm (80 KB gzip), so it was not taken.
pub fn eigen_desc(c: &[f64], d: usize) -> Result<(Vec<f64>, Mat)> {
    // faer 0.24 panics on a 0 × 0 matrix (an overflow in its scratch size); 1 × 1 needs no solver.
    #[cfg(not(target_arch = "wasm32"))]
    if d >= 2 {
        let a = working_copy(c, d)?;
        if let Some((values, vectors)) = super::native::eigen_asc(&a, d) {
            drop(a);
            finite(&values)?;
            if vectors.iter().all(|v| v.is_finite()) {
                // faer returns them ascending; reverse the order of the columns.
                let mut sorted = Vec::with_capacity(d * d);
                for j in (0..d).rev() {
                    sorted.extend_from_slice(&vectors[j * d..(j + 1) * d]);
                }
                return Ok((values.into_iter().rev().collect(), Mat::from_col_major(d, d, sorted)));
            }
        }
    }
    eigen_desc_capped(c, d, tridiagonal::MAXIT)
}

/// [`eigen_desc`] with the implicit QL capped at `maxit` iterations per eigenvalue.
pub(crate) fn eigen_desc_capped(c: &[f64], d: usize, maxit: usize) -> Result<(Vec<f64>, Mat)> {
    let mut a = working_copy(c, d)?;
    let (mut diag, off, tau) = householder::tridiagonalize(&mut a, d);
    finite(&diag).and(finite(&off))?;
    let mut z = Mat::identity(d);
    tridiagonal::eigen_capped(&mut diag, &off, z.as_mut_slice(), maxit)?;
    finite(&diag)?;
    householder::apply_q(&a, &tau, d, z.as_mut_slice(), d);
    drop(a);
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|&x, &y| diag[y].total_cmp(&diag[x]));
    let values = order.iter().map(|&i| diag[i]).collect();
    let mut sorted = Vec::with_capacity(d * d);
    for &src in &order {
        sorted.extend_from_slice(z.col(src));
    }
    Ok((values, Mat::from_col_major(d, d, sorted)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn known_spectrum() {
        // [[2, 1], [1, 2]] has eigenvalues 3 and 1, eigenvectors (1, ±1)/√2.
        let v = eigenvalues_desc(&[2.0, 1.0, 1.0, 2.0], 2).unwrap();
        assert!((v[0] - 3.0).abs() < 1e-14 && (v[1] - 1.0).abs() < 1e-14);
        let (w, u) = eigen_desc(&[2.0, 1.0, 1.0, 2.0], 2).unwrap();
        assert!((w[0] - 3.0).abs() < 1e-14);
        assert!((u[(0, 0)].abs() - 0.5f64.sqrt()).abs() < 1e-12);
        assert!((u[(0, 0)] - u[(1, 0)]).abs() < 1e-12 && (u[(0, 1)] + u[(1, 1)]).abs() < 1e-12);
    }

    /// The 12 × 12 second-difference matrix tridiag(−1, 2, −1): eigenvalues 2 − 2 cos(kπ/13)
    /// (a textbook closed form), and no zero off-diagonal for the QL to stop at early.
    fn second_difference(d: usize) -> Vec<f64> {
        let mut c = vec![0.0; d * d];
        for i in 0..d {
            c[i * d + i] = 2.0;
            if i + 1 < d {
                c[i * d + i + 1] = -1.0;
                c[(i + 1) * d + i] = -1.0;
            }
        }
        c
    }

    #[test]
    fn hitting_the_iteration_cap_is_a_typed_error() {
        let d = 12;
        let c = second_difference(d);
        let values = eigenvalues_desc(&c, d).unwrap();
        for (k, v) in values.iter().rev().enumerate() {
            let want = 2.0 - 2.0 * ((k + 1) as f64 * std::f64::consts::PI / (d + 1) as f64).cos();
            assert!((v - want).abs() < 1e-14, "λ = {v} vs {want}");
        }
        // Measured on this matrix: dsterf needs 25 to 36 iterations in all (it fails with 2·12
        // allowed, succeeds with 3·12), the QL with vectors 5 on its first eigenvalue. The cap is
        // then the only thing between a result and the error.
        let e = eigenvalues_desc_capped(&c, d, 2).unwrap_err();
        assert_eq!(e, Error::Numerical(NumericalError::NoConvergence { index: 9, iterations: 24 }));
        // Natively `values` came from faer: the same numbers to round-off.
        let ours = eigenvalues_desc_capped(&c, d, 3).unwrap();
        assert!(ours.iter().zip(&values).all(|(a, b)| (a - b).abs() < 1e-14), "{ours:?} vs {values:?}");
        let e = eigen_desc_capped(&c, d, 4).unwrap_err();
        assert_eq!(e, Error::Numerical(NumericalError::NoConvergence { index: 0, iterations: 4 }));
        assert!(e.to_string().starts_with("the eigenvalue iteration did not converge (position 0 of"), "{e}");
        assert!(eigen_desc_capped(&c, d, 5).is_ok());
    }

    #[test]
    fn bad_input_and_overflow_are_typed_errors() {
        let nan = [1.0, f64::NAN, f64::NAN, 1.0];
        let want = Error::Numerical(NumericalError::NonFiniteMatrix { row: 0, col: 1, value: f64::NAN });
        // NaN ≠ NaN: compare the messages.
        assert_eq!(eigenvalues_desc(&nan, 2).unwrap_err().to_string(), want.to_string());
        assert_eq!(eigen_desc(&nan, 2).unwrap_err().to_string(), want.to_string());
        let short = Error::Numerical(NumericalError::NotSquare { values: 3, d: 2 });
        assert_eq!(eigenvalues_desc(&[1.0, 2.0, 3.0], 2).unwrap_err(), short);
        assert_eq!(eigen_desc(&[1.0; 5], 2).unwrap_err(), NumericalError::NotSquare { values: 5, d: 2 }.into());
        // [[M, M], [M, M]] with M = 1e308 has eigenvalues 2M (past the largest double) and 0.
        let big = [1e308; 4];
        assert_eq!(eigenvalues_desc(&big, 2).unwrap_err(), NumericalError::EigenvalueOverflow.into());
        assert_eq!(eigen_desc(&big, 2).unwrap_err(), NumericalError::EigenvalueOverflow.into());
    }
}
