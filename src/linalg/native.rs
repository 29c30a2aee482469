//! faer-backed kernels for the native build only (the wasm build keeps the plain-Rust ones).
//!
//! - [`add_gram_upper`]: S += BᵀB on the upper triangle of the row-major `d × d` matrix S. The
//!   row-major upper triangle is the lower triangle of the same buffer read column-major, so
//!   this is faer's triangular matmul with a lower-triangular destination (a rank-k update,
//!   BLAS `dsyrk`), with `par` threads.
//! - [`eigenvalues_asc`] / [`eigen_asc`]: faer's self-adjoint eigensolver (Householder
//!   tridiagonalisation, then QR for values or divide and conquer for vectors) on the lower
//!   triangle, ascending as faer returns them. faer's one failure, `EvdError::NoConvergence`,
//!   comes back as `None`; the caller turns it into its typed error.
//!
//! Only [`eigen_asc`] serves the product (eigenvectors natively). The others stay for the
//! kernels example's `--faer` comparison, which is how the plain-Rust scatter (the covariance)
//! and reduction (the eigenvalues) were chosen over them.

use faer::linalg::matmul::triangular::{matmul, BlockStructure};
use faer::{Accum, MatMut, MatRef, Par, Side};

/// Adds `BᵀB` to the upper triangle (with the diagonal) of the row-major `d × d` matrix `s`,
/// where `block` holds `n` rows of `d` values. Entries below the diagonal are not touched.
pub fn add_gram_upper(s: &mut [f64], d: usize, block: &[f64], n: usize, par: Par) {
    let dst = MatMut::from_column_major_slice_mut(&mut s[..d * d], d, d);
    let b = MatRef::from_row_major_slice(&block[..n * d], n, d);
    matmul(
        dst,
        BlockStructure::TriangularLower,
        Accum::Add,
        b.transpose(),
        BlockStructure::Rectangular,
        b,
        BlockStructure::Rectangular,
        1.0,
        par,
    );
}

/// All eigenvalues of the symmetric `d × d` matrix `c` (either layout: it is symmetric; the
/// lower triangle of the column-major reading is used), ascending; `None` if faer's iteration
/// did not converge.
pub fn eigenvalues_asc(c: &[f64], d: usize) -> Option<Vec<f64>> {
    MatRef::from_column_major_slice(&c[..d * d], d, d).self_adjoint_eigenvalues(Side::Lower).ok()
}

/// Eigenvalues ascending and the unit eigenvectors as the columns of a column-major `d × d`
/// buffer (column n belongs to value n); `None` if faer's iteration did not converge.
pub fn eigen_asc(c: &[f64], d: usize) -> Option<(Vec<f64>, Vec<f64>)> {
    let evd = MatRef::from_column_major_slice(&c[..d * d], d, d).self_adjoint_eigen(Side::Lower).ok()?;
    let values: Vec<f64> = evd.S().column_vector().iter().copied().collect();
    let u = evd.U();
    let mut vectors = Vec::with_capacity(d * d);
    for j in 0..d {
        vectors.extend(u.col(j).iter().copied());
    }
    Some((values, vectors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gram_matches_the_plain_kernel() {
        let (n, d) = (517, 37);
        let block: Vec<f64> = (0..n * d).map(|i| ((i * 7919) % 101) as f64 / 10.0 - 5.0).collect();
        let mut want = vec![0.0; d * d];
        super::super::scatter::add_gram_upper(&mut want, d, &block, n);
        for par in [Par::Seq, Par::rayon(2)] {
            let mut s = vec![0.0; d * d];
            add_gram_upper(&mut s, d, &block, n, par);
            for i in 0..d {
                for j in i..d {
                    let w = want[i * d + j];
                    assert!((s[i * d + j] - w).abs() <= 1e-12 * w.abs().max(1.0), "({i},{j})");
                }
            }
        }
    }

    #[test]
    fn known_spectrum() {
        // [[2, 1], [1, 2]]: eigenvalues 1 and 3.
        let v = eigenvalues_asc(&[2.0, 1.0, 1.0, 2.0], 2).unwrap_or_default();
        assert!((v[0] - 1.0).abs() < 1e-14 && (v[1] - 3.0).abs() < 1e-14, "{v:?}");
        let (w, u) = eigen_asc(&[2.0, 1.0, 1.0, 2.0], 2).unwrap_or_default();
        assert!((w[1] - 3.0).abs() < 1e-14 && (u[2].abs() - 0.5f64.sqrt()).abs() < 1e-12);
    }
}
