//! Cross-validated PCA (Stringer et al. 2019; METHODS.md, "Cross-validated PCA"): the signal
//! variance along each principal axis, from two repeats A and B of the same inputs.
//!
//! With V the eigenvectors of cov(A), cv_n = vₙᵀ C_AB vₙ, C_AB = A_cᵀB_c/(N − 1). Only the
//! symmetric part of C_AB enters, and (C_AB + C_BA)/2 = (cov(A + B) − cov(A − B))/4, so the two
//! files are streamed once, in lockstep, into three symmetric moments (A, A + B, A − B) with the
//! same Chan-merged kernel as everything else: a file larger than memory still works.
//!
//! Repeat-swap shuffles (Stringer's `my_cvPCA`): each row's two repeats are exchanged with
//! probability 1/2, cvPCA is recomputed, and the spectra are averaged over shuffles. Rows are
//! then held in memory (up to [`crate::matrix::DEFAULT_MEMORY_LIMIT`] values per repeat).

use crate::analysis::{check_units, keep_finite_rows};
use crate::error::{DataError, Error, Result};
use crate::linalg::eigen::eigen_desc;
use crate::linalg::{dot, Mat};
use crate::matrix::{Matrix, DEFAULT_MEMORY_LIMIT};
use crate::read::{Progress, RowBlocks, SliceRows};
use crate::rng::Rng;
use crate::stats::{fit_alpha, AlphaFit, FitRequest, Moments, SpectrumSummary};
use serde::{Deserialize, Serialize};

/// What to compute beyond the plain cvPCA spectrum.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CvpcaSettings {
    pub fit: FitRequest,
    /// Repeat-swap shuffles to average (0: none).
    pub shuffles: usize,
    pub seed: u64,
}

/// The cvPCA spectrum beside the plain one, and what follows from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvpcaReport {
    pub n_rows: u64,
    pub n_cols: usize,
    /// Eigenvalues of cov(A), descending (the plain spectrum).
    pub eigenvalues: Vec<f64>,
    /// cv_n for every axis n (signal variance; negative where noise dominates).
    pub cv_spectrum: Vec<f64>,
    /// Σ cv_n / Σ λ_n(A): the fraction of A's variance that B shares.
    pub shared_variance_fraction: f64,
    /// Axes with cv_n ≤ 0.
    pub n_nonpositive: usize,
    /// α fitted on cv_n (invalid where cv_n ≤ 0 in range).
    pub alpha_fit: AlphaFit,
    /// α fitted on the plain spectrum of A, over the same range.
    pub alpha_fit_plain: AlphaFit,
    pub shuffles: usize,
    pub seed: u64,
    /// The cvPCA spectrum averaged over repeat-swap shuffles, when asked for.
    pub shuffled_cv_spectrum: Option<Vec<f64>>,
}

/// Streams the repeats `a` and `b` (same shape, same row order) and computes cvPCA.
/// `progress(bytes of A, rows)` returns false to cancel.
pub fn cvpca(
    a: &mut dyn RowBlocks,
    b: &mut dyn RowBlocks,
    settings: &CvpcaSettings,
    progress: &mut dyn FnMut(Progress, u64) -> bool,
) -> Result<CvpcaReport> {
    if settings.shuffles > 0 {
        let a = Matrix::read_all(a, DEFAULT_MEMORY_LIMIT)?;
        let b = Matrix::read_all(b, DEFAULT_MEMORY_LIMIT)?;
        return cvpca_in_memory(&a, &b, settings);
    }
    let (sums, n) = accumulate_pair(a, b, progress)?;
    report(sums, n, settings, None)
}

/// cvPCA of two repeats held in memory, with the shuffles `settings` asks for.
pub fn cvpca_in_memory(a: &Matrix, b: &Matrix, settings: &CvpcaSettings) -> Result<CvpcaReport> {
    let plain = |a: &Matrix, b: &Matrix| -> Result<(PairSums, u64)> {
        accumulate_pair(&mut SliceRows::new(&a.data, a.cols), &mut SliceRows::new(&b.data, b.cols), &mut |_, _| true)
    };
    check_shapes((a.rows as u64, a.cols), (b.rows as u64, b.cols))?;
    let mut shuffled = None;
    if settings.shuffles > 0 {
        let mut rng = Rng::new(settings.seed);
        let mut mean = vec![0.0; a.cols];
        let (mut a2, mut b2) = (a.clone(), b.clone());
        for _ in 0..settings.shuffles {
            for i in 0..a.rows {
                let swap = rng.coin();
                let (from_a, from_b) = if swap { (b.row(i), a.row(i)) } else { (a.row(i), b.row(i)) };
                a2.data[i * a.cols..(i + 1) * a.cols].copy_from_slice(from_a);
                b2.data[i * a.cols..(i + 1) * a.cols].copy_from_slice(from_b);
            }
            let (sums, _) = plain(&a2, &b2)?;
            let cv = sums.cv_spectrum()?.1;
            for (m, v) in mean.iter_mut().zip(&cv) {
                *m += v / settings.shuffles as f64;
            }
        }
        shuffled = Some(mean);
    }
    let (sums, n) = plain(a, b)?;
    report(sums, n, settings, shuffled)
}

/// Moments of A, A + B and A − B.
struct PairSums {
    a: Moments,
    sum: Moments,
    diff: Moments,
}

impl PairSums {
    /// Eigenvalues and eigenvectors of cov(A), and cv_n along each eigenvector.
    fn cv_spectrum(&self) -> Result<(Vec<f64>, Vec<f64>)> {
        let d = self.a.dim();
        let cov_a = self.a.covariance()?;
        let (values, vectors) = eigen_desc(&cov_a, d)?;
        drop(cov_a);
        // S = (cov(A + B) − cov(A − B)) / 4, the symmetric part of C_AB.
        let mut s = self.sum.covariance()?;
        let diff = self.diff.covariance()?;
        for (x, y) in s.iter_mut().zip(&diff) {
            *x = (*x - y) / 4.0;
        }
        drop(diff);
        // S is symmetric: its row-major entries are its column-major ones.
        let sv = Mat::from_col_major(d, d, s).matmul(&vectors);
        let cv = (0..d).map(|k| dot(vectors.col(k), sv.col(k))).collect();
        Ok((values, cv))
    }
}

fn check_shapes(left: (u64, usize), right: (u64, usize)) -> Result<()> {
    if left != right {
        return Err(DataError::ShapeMismatch { left, right }.into());
    }
    Ok(())
}

/// Streams both repeats in lockstep into [`PairSums`]; returns them and the row count.
fn accumulate_pair(
    a: &mut dyn RowBlocks,
    b: &mut dyn RowBlocks,
    progress: &mut dyn FnMut(Progress, u64) -> bool,
) -> Result<(PairSums, u64)> {
    let d = a.cols();
    if let (Some(na), Some(nb)) = (a.rows_hint(), b.rows_hint()) {
        check_shapes((na, d), (nb, b.cols()))?;
    } else if d != b.cols() {
        return Err(DataError::WidthMismatch { left: d, right: b.cols() }.into());
    }
    check_units(d)?;
    let mut sums = PairSums { a: Moments::new(d), sum: Moments::new(d), diff: Moments::new(d) };
    let (mut buf_a, mut buf_b) = (Vec::new(), Vec::new());
    let (mut block_a, mut block_b) = (Vec::new(), Vec::new());
    let (mut rows_a, mut rows_b) = (0u64, 0u64);
    let (mut done_a, mut done_b) = (false, false);
    loop {
        // Refill whichever side has fewer buffered rows, until both have some or are done.
        while !done_a && buf_a.len() <= buf_b.len() {
            let n = a.next_block(&mut block_a)?;
            done_a = n == 0;
            keep_finite_rows(&mut block_a, n, d, rows_a, false)?;
            rows_a += n as u64;
            buf_a.extend_from_slice(&block_a[..n * d]);
        }
        while !done_b && buf_b.len() < buf_a.len().max(1) {
            let n = b.next_block(&mut block_b)?;
            done_b = n == 0;
            keep_finite_rows(&mut block_b, n, d, rows_b, false)?;
            rows_b += n as u64;
            buf_b.extend_from_slice(&block_b[..n * d]);
        }
        let n = buf_a.len().min(buf_b.len()) / d;
        if n == 0 {
            if done_a && done_b || done_a && buf_a.is_empty() || done_b && buf_b.is_empty() {
                break;
            }
            continue;
        }
        let (ra, rb) = (&buf_a[..n * d], &buf_b[..n * d]);
        let mut sum: Vec<f64> = ra.iter().zip(rb).map(|(x, y)| x + y).collect();
        let mut diff: Vec<f64> = ra.iter().zip(rb).map(|(x, y)| x - y).collect();
        let mut only_a = ra.to_vec();
        sums.a.add_block(&mut only_a, n);
        sums.sum.add_block(&mut sum, n);
        sums.diff.add_block(&mut diff, n);
        buf_a.drain(..n * d);
        buf_b.drain(..n * d);
        if !progress(a.progress(), sums.a.count()) {
            return Err(Error::Cancelled);
        }
    }
    // Drain what is left to learn both row counts, then compare them.
    while !done_a {
        let n = a.next_block(&mut block_a)?;
        done_a = n == 0;
        rows_a += n as u64;
    }
    while !done_b {
        let n = b.next_block(&mut block_b)?;
        done_b = n == 0;
        rows_b += n as u64;
    }
    check_shapes((rows_a, d), (rows_b, d))?;
    if rows_a < 2 {
        return Err(DataError::TooFewRows { rows: rows_a }.into());
    }
    Ok((sums, rows_a))
}

fn report(sums: PairSums, n: u64, settings: &CvpcaSettings, shuffled: Option<Vec<f64>>) -> Result<CvpcaReport> {
    let (eigenvalues, cv) = sums.cv_spectrum()?;
    let summary = SpectrumSummary::new(&eigenvalues, n);
    let total: f64 = eigenvalues.iter().sum();
    Ok(CvpcaReport {
        n_rows: n,
        n_cols: sums.a.dim(),
        shared_variance_fraction: cv.iter().sum::<f64>() / total,
        n_nonpositive: cv.iter().filter(|v| **v <= 0.0).count(),
        alpha_fit: fit_alpha(&cv, n, summary.numerical_rank, &settings.fit),
        alpha_fit_plain: fit_alpha(&eigenvalues, n, summary.numerical_rank, &settings.fit),
        eigenvalues,
        cv_spectrum: cv,
        shuffles: settings.shuffles,
        seed: settings.seed,
        shuffled_cv_spectrum: shuffled,
    })
}
