//! Dense linear algebra, written for the sizes a covariance has here (D = 512…8192) and for
//! wasm, where there is no BLAS and one thread. Laid out like faer's `linalg::evd`: the
//! reduction, the tridiagonal solvers and the driver each in their own file.
//!
//! - [`Mat`]: the one dense matrix type of this module, column-major (entry (i, j) at
//!   `data[i + j·rows]`, as LAPACK stores it), for eigenvectors and orthogonal matrices.
//!   [`crate::matrix::Matrix`] is something else: the rows of a data set held in memory,
//!   row-major as they are read.
//! - [`dot`] and [`Mat::matmul`]: the products the analyses need (the matrix product is
//!   packed and register-tiled, like the trailing update of the reduction).
//! - [`scatter`]: the BᵀB kernel that dominates the time of an analysis.
//! - [`householder`]: blocked Householder tridiagonalisation (`dsytrd`) and its back-transform
//!   (`dormtr`).
//! - [`tridiagonal`]: eigenvalues (`dsterf`) and eigenvectors (implicit QL, `dsteqr`) of a
//!   symmetric tridiagonal matrix.
//! - [`dc`]: eigenvalues and eigenvectors of a symmetric tridiagonal matrix by divide and
//!   conquer (`dstedc`, Gu–Eisenstat vectors; ported from faer), its merges on the packed
//!   `gemm`.
//! - [`eigen`]: the driver (`dsyev`): eigenvalues, and eigenvectors when asked, descending.
//! - [`topk`]: the top k eigenpairs of a covariance from passes over its rows (block Krylov),
//!   for layers too wide to form C.
//!
//! Failure is in the return type: an iteration that reaches its cap gives
//! [`NumericalError::NoConvergence`](crate::error::NumericalError::NoConvergence), a
//! non-finite input or result its own variant, never approximate numbers without a word.
//! Shapes of the matrices built here are never user data: a product of mismatched shapes is a
//! programming error and panics, as slicing does.

pub mod dc;
pub mod eigen;
pub mod householder;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
pub mod scatter;
pub mod topk;
pub mod tridiagonal;

mod gemm;

/// Runs `a` and `b`: natively on two threads of rayon's pool (the one faer uses), in wasm one
/// after the other (a worker has one thread). Callers cut their work the same way on every
/// target, so the numbers added, and their order, do not depend on where it runs.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn join(a: impl FnOnce() + Send, b: impl FnOnce() + Send) {
    rayon::join(a, b);
}

#[cfg(target_arch = "wasm32")]
pub(crate) fn join(a: impl FnOnce(), b: impl FnOnce()) {
    a();
    b();
}

/// Defines `fn NAME(args)` running `IMPL` (an `#[inline(always)]` function, so that it is
/// compiled into each caller) as built, or — on x86-64 CPUs with AVX2, checked at run time —
/// compiled for AVX2 in `AVX2_NAME`: four f64 lanes instead of SSE2's two, with the same
/// operations in the same order (no fused multiply-adds: LLVM does not contract them), so the
/// same results. One native binary runs everywhere.
macro_rules! multiversion {
    ($(#[$m:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) => $avx2:ident, $imp:ident) => {
        $(#[$m])*
        fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2, checked just above.
                return unsafe { $avx2($($arg),*) };
            }
            $imp($($arg),*)
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2")]
        #[allow(clippy::too_many_arguments)]
        unsafe fn $avx2($($arg: $ty),*) {
            $imp($($arg),*)
        }
    };
}
pub(crate) use multiversion;

use std::ops::{Index, IndexMut};

/// Σ aᵢbᵢ over the common length, with four independent partial sums (so that LLVM may
/// vectorise the reduction). The order of the sums is fixed, so the result is the same on every
/// platform.
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut s = [0.0f64; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for l in 0..4 {
            s[l] += x[l] * y[l];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * y;
    }
    (s[0] + s[2]) + (s[1] + s[3]) + tail
}

/// A dense `rows × cols` matrix of f64, column-major: column j is `data[j·rows..(j+1)·rows]`.
/// The length of `data` is always `rows · cols` (the fields are private to keep it so).
#[derive(Debug, Clone, PartialEq)]
pub struct Mat {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Mat {
    /// The `rows × cols` zero matrix.
    pub fn zeros(rows: usize, cols: usize) -> Mat {
        Mat { rows, cols, data: vec![0.0; rows * cols] }
    }

    /// The `n × n` identity.
    pub fn identity(n: usize) -> Mat {
        let mut m = Mat::zeros(n, n);
        for i in 0..n {
            m.data[i * n + i] = 1.0;
        }
        m
    }

    /// Entry (i, j) = `f(i, j)`, evaluated column by column.
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> f64) -> Mat {
        let mut data = Vec::with_capacity(rows * cols);
        for j in 0..cols {
            data.extend((0..rows).map(|i| f(i, j)));
        }
        Mat { rows, cols, data }
    }

    /// Takes `data` as the columns of a `rows × cols` matrix, one after another.
    ///
    /// # Panics
    /// If `data.len() != rows · cols`.
    pub fn from_col_major(rows: usize, cols: usize, data: Vec<f64>) -> Mat {
        assert_eq!(data.len(), rows * cols, "a {rows} × {cols} matrix needs {} values", rows * cols);
        Mat { rows, cols, data }
    }

    /// Copies `data`, the rows of a `rows × cols` matrix one after another (as
    /// [`crate::matrix::Matrix`] and the moments store them).
    ///
    /// # Panics
    /// If `data.len() != rows · cols`.
    pub fn from_row_major(rows: usize, cols: usize, data: &[f64]) -> Mat {
        assert_eq!(data.len(), rows * cols, "a {rows} × {cols} matrix needs {} values", rows * cols);
        Mat::from_fn(rows, cols, |i, j| data[i * cols + j])
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Column `j`, contiguous.
    pub fn col(&self, j: usize) -> &[f64] {
        &self.data[j * self.rows..(j + 1) * self.rows]
    }

    pub fn col_mut(&mut self, j: usize) -> &mut [f64] {
        &mut self.data[j * self.rows..(j + 1) * self.rows]
    }

    /// The columns in order.
    pub fn columns(&self) -> impl Iterator<Item = &[f64]> + '_ {
        (0..self.cols).map(move |j| self.col(j))
    }

    /// Every entry, column after column.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    pub fn as_mut_slice(&mut self) -> &mut [f64] {
        &mut self.data
    }

    /// The entries, column after column (no copy).
    pub fn into_vec(self) -> Vec<f64> {
        self.data
    }

    pub fn transpose(&self) -> Mat {
        Mat::from_fn(self.cols, self.rows, |i, j| self[(j, i)])
    }

    /// The product `self · b` (packed, register-tiled; AVX2 when the CPU has it, with the same
    /// sums as without: no FMA).
    ///
    /// # Panics
    /// If `self.cols() != b.rows()`.
    pub fn matmul(&self, b: &Mat) -> Mat {
        assert_eq!(
            self.cols, b.rows,
            "product of a {} × {} and a {} × {} matrix",
            self.rows, self.cols, b.rows, b.cols
        );
        let mut c = Mat::zeros(self.rows, b.cols);
        gemm::gemm(self.rows, b.cols, self.cols, &self.data, &b.data, &mut c.data);
        c
    }
}

impl Index<(usize, usize)> for Mat {
    type Output = f64;

    /// Entry (row i, column j).
    fn index(&self, (i, j): (usize, usize)) -> &f64 {
        debug_assert!(i < self.rows);
        &self.data[i + j * self.rows]
    }
}

impl IndexMut<(usize, usize)> for Mat {
    fn index_mut(&mut self, (i, j): (usize, usize)) -> &mut f64 {
        debug_assert!(i < self.rows);
        &mut self.data[i + j * self.rows]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_the_plain_sum() {
        let a: Vec<f64> = (0..11).map(|i| i as f64 * 0.5 - 2.0).collect();
        let b: Vec<f64> = (0..13).map(|i| 3.0 - i as f64).collect();
        let want: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert_eq!(dot(&a, &b), want);
        assert_eq!(dot(&[], &b), 0.0);
    }

    #[test]
    fn layout_and_accessors() {
        // [[1, 2, 3], [4, 5, 6]] given row by row; column-major it is 1 4 2 5 3 6.
        let m = Mat::from_row_major(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(m.as_slice(), &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        assert_eq!((m.rows(), m.cols(), m[(1, 2)], m.col(1)), (2, 3, 6.0, &[2.0, 5.0][..]));
        assert_eq!(m.transpose(), Mat::from_col_major(3, 2, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
        assert_eq!(m.columns().count(), 3);
        assert_eq!(Mat::identity(2).into_vec(), vec![1.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn product_matches_the_definition_on_ragged_sizes() {
        // Sizes that are not multiples of the tiles (4) nor of the panels, and one deeper than a
        // packed panel (256): every edge path of the kernel.
        for &(m, k, n) in &[(1usize, 1usize, 1usize), (3, 5, 2), (7, 300, 9), (130, 17, 5), (0, 3, 2), (4, 0, 4)] {
            let a = Mat::from_fn(m, k, |i, j| ((i * 7 + j * 13) % 11) as f64 - 5.0);
            let b = Mat::from_fn(k, n, |i, j| ((i * 3 + j * 5) % 7) as f64 * 0.5 - 1.0);
            let c = a.matmul(&b);
            assert_eq!((c.rows(), c.cols()), (m, n));
            for i in 0..m {
                for j in 0..n {
                    // Small integers and halves: every partial sum is exact, in any order.
                    let want: f64 = (0..k).map(|l| a[(i, l)] * b[(l, j)]).sum();
                    assert_eq!(c[(i, j)], want, "({i}, {j}) of {m} × {k} · {k} × {n}");
                }
            }
        }
    }
}
