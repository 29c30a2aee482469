//! Statistics of a code: moments, eigenspectrum, dimensionality, the power-law fit.
//!
//! - [`moments`]: streaming means and scatter, merged by the Chan update.
//! - [`scatter`]: the BᵀB kernel that dominates the time.
//! - [`eigen`]: eigenvalues (and vectors) of the covariance.
//! - [`householder`]: blocked Householder tridiagonalisation (`dsytrd`) and its back-transform.
//! - [`tridiagonal`]: eigenvalues (`dsterf`) and eigenvectors (implicit QL) of a tridiagonal.
//! - [`spectrum`]: numerical rank, participation ratio, effective rank, k₉₀.
//! - [`powerlaw`]: α, its range, estimator, R² and validity.
//! - [`diagnostics`]: local slope, α over a grid of ranges, a suggested range, the curvature test.
//! - [`precision`]: the eigenvalue floor of f16/bf16/integer storage.
//! - [`compare`]: several layers' α over one common range.

pub mod compare;
pub mod diagnostics;
pub mod eigen;
pub mod householder;
pub mod moments;
pub mod powerlaw;
pub mod precision;
pub mod scatter;
pub mod spectrum;
pub mod tridiagonal;

pub use moments::Moments;
pub use powerlaw::{fit_alpha, AlphaFit, Estimator, FitRequest, RangePreset};
pub use spectrum::SpectrumSummary;
