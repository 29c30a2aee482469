//! Statistics of a code: moments, dimensionality, the power-law fit. The eigenvalues
//! themselves, and the scatter kernel the moments use, are dense linear algebra:
//! [`crate::linalg`].
//!
//! - [`moments`]: streaming means and scatter, merged by the Chan update; the covariance.
//! - [`spectrum`]: numerical rank, participation ratio, effective rank, k₉₀.
//! - [`powerlaw`]: α, its range, estimator, R² and validity.

pub mod moments;
pub mod powerlaw;
pub mod spectrum;

pub use moments::Moments;
pub use powerlaw::{fit_alpha, AlphaFit, Estimator, FitRequest, RangePreset};
pub use spectrum::SpectrumSummary;
