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
//! 2. Eigenvalues only (in wasm, and natively only if faer's solver fails; natively
//!    [`eigenvalues_desc`] is faer's, threaded, see there): [`tridiagonal::eigenvalues`],
//!    Pal–Walker–Kahan root-free QL/QR (`dsterf`), O(D²).
//! 3. Eigenvectors (in wasm, and natively only if faer's solver fails; natively [`eigen_desc`]
//!    is faer's own divide and conquer, see there): [`dc::eigen`], Cuppen's divide and conquer
//!    on the tridiagonal (`dstedc`, ported from faer's `tridiag_evd`, Gu–Eisenstat vectors, the
//!    merge products on the packed `gemm`, blocks of order ≤ 32 by implicit QL), then `Z ← Q Z`
//!    with the blocked reflectors ([`householder::apply_q`], as `dormtr`). The former path,
//!    [`tridiagonal::eigen`] (implicit QL with the rotations accumulated, `dsteqr`, O(3n³)
//!    scalar rotation work), stays as `eigen_desc_ql_capped` (test builds) for the tests that
//!    compare the two.
//!
//! Failure is an error, never approximate numbers: a non-finite or short input
//! ([`NumericalError::NonFiniteMatrix`], [`NumericalError::NotSquare`]), an iteration that
//! reaches its cap ([`NumericalError::NoConvergence`]), or eigenvalues that overflow
//! ([`NumericalError::EigenvalueOverflow`]). The covariance's own overflow is caught before
//! this, with the column named ([`crate::stats::Moments::covariance`]).

use super::{dc, householder, tridiagonal, Mat};
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
/// The same code natively and in wasm: the blocked Householder reduction
/// ([`householder::tridiagonalize`], its two products split over two threads natively and
/// compiled for AVX2 where the CPU has it) and the QL iteration. Natively this replaced faer's
/// self-adjoint eigenvalues, after measuring both on the same covariances, best of five, two
/// threads: D = 1024 0.12 s both, 1536 0.37 s both, 2048 0.74 s against 0.94 s, 4096 6.2 s
/// against 8.4 s (one thread: 0.21 against 0.23 s at 1024, 1.11 against 1.44 s at 2048). The
/// values agree with faer's to 1e-15·λ₁; faer still gives the eigenvectors natively.
pub fn eigenvalues_desc(c: &[f64], d: usize) -> Result<Vec<f64>> {
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
/// faster at D = 1024 and 2048; should faer not converge, the path below runs and its own
/// result or typed error is returned. In wasm it is always the path below (our reduction, our
/// port of faer's divide and conquer, [`dc::eigen`], on our simd128 `gemm`): faer compiled whole
/// to wasm (std + linalg, no threads) was measured in Node at D = 1024 (benchKernels, N = 2000):
/// vectors 2.58 s against the former QL path's 2.72 s, for 252 KB more wasm (80 KB gzip); its
/// gemm has no simd128 kernels. The port, in Node (benchKernels, N = 20000, simd128, QL and
/// divide and conquer in the same run on a shared machine): vectors at D = 1024 3.10 s → 1.83 s,
/// at D = 2048 14.4 s → 5.29 s (4.98 s in the relaxed build), for 36 KB more wasm.
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

/// [`eigen_desc`] without faer: tridiagonalisation, divide and conquer ([`dc::eigen`], its QL
/// leaves capped at `maxit` iterations per eigenvalue), back-transform.
pub(crate) fn eigen_desc_capped(c: &[f64], d: usize, maxit: usize) -> Result<(Vec<f64>, Mat)> {
    eigen_desc_with(c, d, |diag, off, z| dc::eigen(diag, off, z, maxit))
}

/// The same with implicit QL on the whole tridiagonal instead of divide and conquer (the path
/// before divide and conquer; kept to compare against).
#[cfg(test)]
pub(crate) fn eigen_desc_ql_capped(c: &[f64], d: usize, maxit: usize) -> Result<(Vec<f64>, Mat)> {
    eigen_desc_with(c, d, |diag, off, z| {
        for i in 0..d {
            z[i * d + i] = 1.0;
        }
        tridiagonal::eigen_capped(diag, off, z, maxit)
    })
}

/// Tridiagonalise, solve the tridiagonal with `solve(diag, off, z)` (`z` a zeroed column-major
/// `d × d` buffer to receive its eigenvectors, columns in the order of `diag`), back-transform
/// and sort descending.
fn eigen_desc_with(
    c: &[f64],
    d: usize,
    solve: impl FnOnce(&mut [f64], &[f64], &mut [f64]) -> std::result::Result<(), NumericalError>,
) -> Result<(Vec<f64>, Mat)> {
    let mut a = working_copy(c, d)?;
    let (mut diag, off, tau) = householder::tridiagonalize(&mut a, d);
    finite(&diag).and(finite(&off))?;
    let mut z = Mat::zeros(d, d);
    solve(&mut diag, &off, z.as_mut_slice())?;
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

    /// A random symmetric `d × d` matrix, entries uniform on (−1, 1) from a 64-bit LCG (Knuth's
    /// MMIX constants) seeded with `seed`: the same matrix on every platform.
    fn random_symmetric(d: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        let mut c = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..=i {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let v = ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0;
                c[i * d + j] = v;
                c[j * d + i] = v;
            }
        }
        c
    }

    #[test]
    fn a_dense_matrix_of_known_spectrum_wide_enough_to_split() {
        // A = H diag(1, 2, …, d) H with H = I − 2 v vᵀ / vᵀv (orthogonal and symmetric), dense:
        // its eigenvalues are exactly 1…d. At d = 600 the reduction's products split in two
        // (from 256 rows on: two threads natively, in turn in wasm) for most of its columns.
        // Backward stable: each value within O(d ε ‖A‖) = 8e-11; asserted 1e-13·d = 6e-11,
        // measured 1.3e-12 (x86-64).
        let d = 600;
        let v: Vec<f64> = (0..d).map(|i| ((i * 7919) % 211) as f64 / 211.0 - 0.4).collect();
        let vv: f64 = v.iter().map(|x| x * x).sum();
        let h = |i: usize, j: usize| (i == j) as u8 as f64 - 2.0 * v[i] * v[j] / vv;
        let hv: Vec<f64> = (0..d * d).map(|k| h(k / d, k % d)).collect();
        let mut a = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                a[i * d + j] = (0..d).map(|k| hv[i * d + k] * (k + 1) as f64 * hv[k * d + j]).sum();
            }
        }
        let got = eigenvalues_desc(&a, d).unwrap();
        let err = got.iter().enumerate().map(|(n, w)| (w - (d - n) as f64).abs()).fold(0.0, f64::max);
        assert!(err < 1e-13 * d as f64, "max error {err:e}");
        let (w, _) = eigen_desc(&a, d).unwrap();
        let err_v = w.iter().enumerate().map(|(n, x)| (x - (d - n) as f64).abs()).fold(0.0, f64::max);
        assert!(err_v < 1e-13 * d as f64, "max error with vectors {err_v:e}");
    }

    #[test]
    fn divide_and_conquer_agrees_with_ql_on_a_dense_matrix() {
        // A random symmetric 300 × 300 (entries uniform on (−1, 1), a 64-bit LCG): torn three
        // times (LEAF = 32). The eigenvalues of the two paths agree to 1e-12 ‖C‖ (both backward
        // stable: each is within O(nε‖C‖) of the exact ones); the eigenvectors, for eigenvalues
        // separated by more than 1e-3, agree up to sign to 1e-9 (the angle error of each is
        // O(ε‖C‖ / gap)). Measured (x86-64): 7e-14 and 3e-15.
        let d = 300;
        let c = random_symmetric(d, 12345);
        let norm = c.iter().fold(0.0f64, |m, v| m.max(v.abs())) * d as f64;
        let (w_dc, u_dc) = eigen_desc_capped(&c, d, tridiagonal::MAXIT).unwrap();
        let (w_ql, u_ql) = eigen_desc_ql_capped(&c, d, tridiagonal::MAXIT).unwrap();
        let value_err = w_dc.iter().zip(&w_ql).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        assert!(value_err <= 1e-12 * norm, "eigenvalues differ by {value_err:e}");
        let mut vector_err = 0.0f64;
        for k in 0..d {
            let gap_below = if k + 1 < d { w_ql[k] - w_ql[k + 1] } else { f64::INFINITY };
            let gap_above = if k > 0 { w_ql[k - 1] - w_ql[k] } else { f64::INFINITY };
            if gap_below.min(gap_above) > 1e-3 {
                let dot = super::super::dot(u_dc.col(k), u_ql.col(k));
                vector_err = vector_err.max(1.0 - dot.abs());
            }
        }
        assert!(vector_err <= 1e-9, "eigenvectors differ: 1 − |cos| = {vector_err:e}");
        eprintln!("dense 300: values {value_err:e}, vectors {vector_err:e}");
    }

    #[test]
    fn divide_and_conquer_on_a_low_rank_covariance() {
        // C = BᵀB / 20 for B 20 × 200 (uniform entries): rank 20, so 180 eigenvalues are 0 up
        // to round-off and the merges deflate most of their entries, in runs (the reflectors,
        // the unit columns and the compacted products of dc.rs). Asserted: eigenvalues vs dsterf
        // within 1e-12 ‖C‖, max |C u − λ u| ≤ 1e-12 ‖C‖ and max |UᵀU − I| ≤ 1e-12 (backward
        // stable and orthogonal to O(nε); measured (x86-64) 6e-16, 5e-16 and 2e-15).
        let (n, d) = (20, 200);
        let mut s = 777u64;
        let b: Vec<f64> = (0..n * d)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
            })
            .collect();
        let mut c = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                c[i * d + j] = (0..n).map(|r| b[r * d + i] * b[r * d + j]).sum::<f64>() / n as f64;
            }
        }
        let (w, u) = eigen_desc_capped(&c, d, tridiagonal::MAXIT).unwrap();
        // The former QL path does not converge on this matrix (NoConvergence at position 0
        // after 30 iterations: the zero block's off-diagonal never passes its relative
        // deflation test); the eigenvalues are compared with dsterf's instead.
        assert!(eigen_desc_ql_capped(&c, d, tridiagonal::MAXIT).is_err());
        let w_ql = eigenvalues_desc(&c, d).unwrap();
        let norm = w[0];
        let value_err = w.iter().zip(&w_ql).fold(0.0f64, |m, (a, b)| m.max((a - b).abs())) / norm;
        let mut residual = 0.0f64;
        let mut orthogonality = 0.0f64;
        for k in 0..d {
            for i in 0..d {
                let cu: f64 = (0..d).map(|j| c[i * d + j] * u[(j, k)]).sum();
                residual = residual.max((cu - w[k] * u[(i, k)]).abs() / norm);
            }
            for l in 0..=k {
                let want = if k == l { 1.0 } else { 0.0 };
                orthogonality = orthogonality.max((super::super::dot(u.col(k), u.col(l)) - want).abs());
            }
        }
        eprintln!("low rank: values {value_err:e}, residual {residual:e}, orthogonality {orthogonality:e}");
        assert!(w[19] > 1e-3 && w[20].abs() < 1e-12 * norm, "rank is not 20: {} {}", w[19], w[20]);
        assert!(value_err <= 1e-12 && residual <= 1e-12 && orthogonality <= 1e-12);
    }

    /// Native timing of the two tridiagonal solvers behind [`eigen_desc_capped`] (run with
    /// `cargo test --release --lib eigen::tests::timing -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn timing_divide_and_conquer_against_ql() {
        for d in [1024, 2048] {
            let c = random_symmetric(d, 99);
            let t = std::time::Instant::now();
            let (w_dc, _) = eigen_desc_capped(&c, d, tridiagonal::MAXIT).unwrap();
            let t_dc = t.elapsed().as_secs_f64();
            let t = std::time::Instant::now();
            let (w_ql, _) = eigen_desc_ql_capped(&c, d, tridiagonal::MAXIT).unwrap();
            let t_ql = t.elapsed().as_secs_f64();
            let t = std::time::Instant::now();
            let _ = eigenvalues_desc(&c, d).unwrap();
            let t_values = t.elapsed().as_secs_f64();
            let diff = w_dc.iter().zip(&w_ql).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            eprintln!("D = {d}: values only {t_values:.2} s, D&C {t_dc:.2} s, QL {t_ql:.2} s, max |Δλ| {diff:e}");
        }
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
