//! Uncertainty of α by the bootstrap over rows (METHODS.md, "Power-law exponent α",
//! Uncertainty): resample the N rows with replacement B times, refit α on each resample's
//! covariance spectrum with the same estimator and range, and report the quantiles.
//!
//! A resample is held as multinomial counts c_i (Σ c_i = N, drawn as N uniform row indices),
//! never as copied rows: its covariance is Σ c_i (x_i − μ_c)(x_i − μ_c)ᵀ / (N − 1) with
//! μ_c = Σ c_i x_i / N, the same matrix as that of the resampled rows written out. Rows with
//! c_i = 0 (about 37 % of them) cost nothing, and each row drawn k times enters the scatter kernel
//! once, scaled by √k, after an exact two-pass centring (the rows are in memory, so the mean
//! is known before the scatter is formed). Each resample costs about 0.63·N·D²/2
//! multiply-adds and one eigenvalue solve (D³); the rows are held in memory ([`Matrix`]).
//!
//! Two intervals are reported from the same resampled α*: the percentile interval
//! [q_lo, q_hi] of α*, and the basic (reverse-percentile) interval [2α̂ − q_hi, 2α̂ − q_lo],
//! which corrects to first order for a bias of the estimator that the resamples reproduce.

use crate::error::{DataError, Error, Result};
use crate::linalg::eigen::eigenvalues_desc;
use crate::linalg::scatter::add_gram_upper;
use crate::matrix::Matrix;
use crate::rng::Rng;
use crate::stats::{fit_alpha, FitRequest, SpectrumSummary};
use serde::{Deserialize, Serialize};

/// The most resamples one call computes.
pub const MAX_RESAMPLES: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BootstrapSettings {
    /// Resamples.
    pub b: usize,
    pub seed: u64,
    pub fit: FitRequest,
    /// Coverage of the interval (0.95: the 2.5 % and 97.5 % quantiles).
    pub level: f64,
}

impl Default for BootstrapSettings {
    fn default() -> Self {
        BootstrapSettings { b: 50, seed: 1, fit: FitRequest::default(), level: 0.95 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapReport {
    pub b: usize,
    pub seed: u64,
    pub level: f64,
    /// α of the data itself (α̂).
    pub alpha: Option<f64>,
    /// α of each resample whose fit was valid, in resample order.
    pub alphas: Vec<f64>,
    /// Resamples whose fit was invalid (B − alphas.len()).
    pub n_invalid: usize,
    /// The (1 − level)/2 and (1 + level)/2 quantiles of the resampled α (percentile interval).
    pub lo: Option<f64>,
    pub median: Option<f64>,
    pub hi: Option<f64>,
    /// The basic bootstrap interval 2α̂ − hi … 2α̂ − lo (none when α̂ or the quantiles are).
    #[serde(default)]
    pub basic_lo: Option<f64>,
    #[serde(default)]
    pub basic_hi: Option<f64>,
}

/// The covariance spectrum of the rows of `x` taken `counts[i]` times each (Σ counts = N ≥ 2),
/// descending. `block` is scratch space.
pub fn weighted_spectrum(x: &Matrix, counts: &[u32], block: &mut Vec<f64>) -> Result<Vec<f64>> {
    let d = x.cols;
    let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
    if total < 2 {
        return Err(DataError::TooFewRows { rows: total }.into());
    }
    if counts.len() != x.rows {
        return Err(Error::Setting(format!("{} row counts for {} rows", counts.len(), x.rows)));
    }
    // Pass 1: the weighted mean.
    let mut mean = vec![0.0; d];
    for (i, &c) in counts.iter().enumerate() {
        if c > 0 {
            let c = f64::from(c);
            for (m, v) in mean.iter_mut().zip(x.row(i)) {
                *m += c * v;
            }
        }
    }
    mean.iter_mut().for_each(|m| *m /= total as f64);
    // Pass 2: √c (x − μ) for the rows drawn, in blocks through the scatter kernel.
    const BLOCK_ROWS: usize = 512;
    let mut scatter = vec![0.0; d * d];
    block.clear();
    let mut rows_in_block = 0;
    let mut drawn = counts.iter().enumerate().filter(|(_, c)| **c > 0).peekable();
    while let Some((i, &c)) = drawn.next() {
        let s = f64::from(c).sqrt();
        block.extend(x.row(i).iter().zip(&mean).map(|(v, m)| s * (v - m)));
        rows_in_block += 1;
        if rows_in_block == BLOCK_ROWS || drawn.peek().is_none() {
            add_gram_upper(&mut scatter, d, block, rows_in_block);
            block.clear();
            rows_in_block = 0;
        }
    }
    let scale = 1.0 / (total - 1) as f64;
    for i in 0..d {
        for j in i..d {
            let v = scatter[i * d + j] * scale;
            scatter[i * d + j] = v;
            scatter[j * d + i] = v;
        }
    }
    eigenvalues_desc(&scatter, d)
}

/// α of the spectrum of `x`'s rows taken `counts[i]` times each, when the fit is valid.
fn alpha_of_counts(x: &Matrix, counts: &[u32], fit: &FitRequest, block: &mut Vec<f64>) -> Result<Option<f64>> {
    let values = weighted_spectrum(x, counts, block)?;
    let n: u64 = counts.iter().map(|&c| u64::from(c)).sum();
    let summary = SpectrumSummary::new(&values, n);
    let f = fit_alpha(&values, n, summary.numerical_rank, fit);
    Ok(f.alpha.filter(|_| f.valid))
}

/// The `q` quantile of sorted `v` by linear interpolation (NumPy's default).
fn quantile(v: &[f64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let pos = q * (v.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos.fract());
    Some(if i + 1 < v.len() { v[i] + frac * (v[i + 1] - v[i]) } else { v[i] })
}

/// Bootstraps α over the rows of `x`. `progress(resamples done)` returns false to cancel.
pub fn bootstrap_alpha(
    x: &Matrix,
    settings: &BootstrapSettings,
    progress: &mut dyn FnMut(usize) -> bool,
) -> Result<BootstrapReport> {
    if settings.b == 0 || settings.b > MAX_RESAMPLES {
        return Err(Error::Setting(format!("B = {}: choose between 1 and 10 000 resamples", settings.b)));
    }
    if !(settings.level > 0.0 && settings.level < 1.0) {
        return Err(Error::Setting(format!("level = {}: choose a coverage between 0 and 1", settings.level)));
    }
    if x.cols == 0 {
        return Err(DataError::NoColumns.into());
    }
    let n = x.rows;
    if n < 2 {
        return Err(DataError::TooFewRows { rows: n as u64 }.into());
    }
    if n > u32::MAX as usize {
        return Err(Error::Setting(format!("{n} rows: the bootstrap takes at most {} rows", u32::MAX)));
    }
    let mut block = Vec::new();
    let alpha = alpha_of_counts(x, &vec![1; n], &settings.fit, &mut block)?;
    let mut rng = Rng::new(settings.seed);
    let mut alphas = Vec::with_capacity(settings.b);
    let mut counts = vec![0u32; n];
    for done in 0..settings.b {
        counts.fill(0);
        for _ in 0..n {
            counts[rng.below(n)] += 1;
        }
        if let Some(a) = alpha_of_counts(x, &counts, &settings.fit, &mut block)? {
            alphas.push(a);
        }
        if !progress(done + 1) {
            return Err(Error::Cancelled);
        }
    }
    let mut sorted = alphas.clone();
    sorted.sort_by(f64::total_cmp);
    let tail = (1.0 - settings.level) / 2.0;
    let (lo, hi) = (quantile(&sorted, tail), quantile(&sorted, 1.0 - tail));
    let reflect = |q: Option<f64>| Some(2.0 * alpha? - q?);
    Ok(BootstrapReport {
        b: settings.b,
        seed: settings.seed,
        level: settings.level,
        alpha,
        n_invalid: settings.b - alphas.len(),
        lo,
        median: quantile(&sorted, 0.5),
        hi,
        basic_lo: reflect(hi),
        basic_hi: reflect(lo),
        alphas,
    })
}
