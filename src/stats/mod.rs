//! Statistics of a code: moments, dimensionality, the power-law fit. The eigenvalues
//! themselves, and the scatter kernel the moments use, are dense linear algebra:
//! [`crate::linalg`].
//!
//! - [`moments`]: streaming means and scatter, merged by the Chan update; the covariance.
//! - [`spectrum`]: numerical rank, participation ratio, effective rank, k₉₀.
//! - [`powerlaw`]: α, its range, estimator, R² and validity.
//! - [`diagnostics`]: local slope, α over a grid of ranges, a suggested range, the curvature test.
//! - [`precision`]: the eigenvalue floor of f16/bf16/integer storage.
//! - [`compare`]: several layers' α over one common range.

pub mod compare;
pub mod diagnostics;
pub mod moments;
pub mod powerlaw;
pub mod precision;
pub mod spectrum;

pub use moments::Moments;
pub use powerlaw::{fit_alpha, AlphaFit, Estimator, FitRequest, RangePreset};
pub use spectrum::SpectrumSummary;
