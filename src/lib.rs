//! # eigenlens
//!
//! Reads a neural network's code off its activations. A layer's activations are a matrix
//! X (N inputs × D units); eigenlens computes the eigenspectrum of its covariance, the
//! power-law exponent α of that spectrum, and the dimensionality figures that go with it,
//! exactly as `METHODS.md` defines them.
//!
//! The core is plain Rust with no browser types, so that it is tested natively and compiled
//! unchanged to WebAssembly:
//!
//! - [`read`]: streaming readers, from bytes to blocks of rows.
//! - [`stats`]: moments, spectrum figures, the power-law fit.
//! - [`linalg`]: dense linear algebra: the column-major [`linalg::Mat`], the scatter kernel, the
//!   symmetric eigensolver (Householder, tridiagonal QL/QR), with non-convergence as an error.
//! - [`analysis`]: the pipeline from rows to a [`analysis::Report`].
//! - [`smoothness`]: the smoothness verdict, random projections, roughness and Hölder H along a sweep.
//! - [`alignment`]: how neuron-aligned the principal axes are (units per axis), unit activity.
//! - [`bootstrap`]: the uncertainty of α, by resampling rows.
//! - [`crossval`]: cross-validated PCA from two repeats (signal against noise variance).
//! - [`synth`]: synthetic codes of known α.
//! - [`rng`]: a seeded random stream that is the same natively and in wasm.
//! - [`matrix`]: a matrix held in memory, for analyses that need every row at once.
//! - [`moments_file`]: moments files (count, mean, scatter per layer), read, written and merged.
//! - [`plan`]: how a file's rows are split over parallel readers (CLI threads, page workers).
//! - [`report_html`]: the standalone HTML report (numbers, report JSON, the package files inlined).
//! - [`toy`]: the toy model of superposition (Elhage et al. 2022), trained here.
//! - [`error`]: every way input can be wrong, as typed errors.
//! - [`limits`]: the sizes eigenlens refuses to go past (units, values held in memory).
//! - [`kernels`]: the heavy kernels timed alone, for the benchmark.
//!
//! The browser binding lives in `wasm` (compiled for `wasm32` only) and the command line in
//! `src/bin/eigenlens/`; both are thin.
//!
//! Modules depend downwards only: `error`, `limits` and `rng` at the bottom, then `linalg`,
//! `stats` and `read`, then `matrix` (rows in memory, read through `read`), the analyses, and the
//! bindings on top.

pub mod alignment;
pub mod analysis;
pub mod bootstrap;
pub mod crossval;
pub mod error;
pub mod kernels;
pub mod limits;
pub mod linalg;
pub mod matrix;
pub mod moments_file;
pub mod plan;
pub mod read;
pub mod report_html;
pub mod rng;
pub mod smoothness;
pub mod stats;
pub mod synth;
pub mod toy;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::{Error, Result};
