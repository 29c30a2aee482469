//! Eigenvalues (and, when a view needs them, eigenvectors) of a symmetric matrix, in
//! descending order.

use nalgebra::DMatrix;

/// All eigenvalues of the symmetric row-major `d × d` matrix `c`, descending. Tiny negative
/// round-off values are kept.
pub fn eigenvalues_desc(c: &[f64], d: usize) -> Vec<f64> {
    let m = DMatrix::from_row_slice(d, d, &c[..d * d]);
    let mut values: Vec<f64> = m.symmetric_eigenvalues().iter().copied().collect();
    values.sort_by(|a, b| b.total_cmp(a));
    values
}

/// Eigenvalues descending and the matching unit eigenvectors, as columns of a `d × d`
/// column-major matrix (column n belongs to value n).
pub fn eigen_desc(c: &[f64], d: usize) -> (Vec<f64>, DMatrix<f64>) {
    let m = DMatrix::from_row_slice(d, d, &c[..d * d]);
    let eig = m.symmetric_eigen();
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
    let values = order.iter().map(|&i| eig.eigenvalues[i]).collect();
    let vectors = DMatrix::from_fn(d, d, |r, col| eig.eigenvectors[(r, order[col])]);
    (values, vectors)
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
