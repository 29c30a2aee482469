//! Uncertainty of α by the bootstrap over rows: resample the N rows with replacement B times,
//! refit α on each resample's spectrum with the same estimator and range, and report the
//! quantiles. The rows are held in memory ([`Matrix`]); each resample costs one covariance
//! (N·D²) and one eigenvalue solve (D³).

use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::rng::Rng;
use crate::stats::eigen::eigenvalues_desc;
use crate::stats::{fit_alpha, FitRequest, Moments, SpectrumSummary};
use serde::{Deserialize, Serialize};

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
    /// α of the data itself.
    pub alpha: Option<f64>,
    /// α of each resample whose fit was valid.
    pub alphas: Vec<f64>,
    pub n_invalid: usize,
    /// The (1 − level)/2 and (1 + level)/2 quantiles of the resampled α (percentile interval).
    pub lo: Option<f64>,
    pub median: Option<f64>,
    pub hi: Option<f64>,
}

/// α of the spectrum of `x`'s rows `order` (indices may repeat).
fn alpha_of_rows(x: &Matrix, order: &[usize], fit: &FitRequest) -> Result<Option<f64>> {
    let d = x.cols;
    let mut moments = Moments::new(d);
    let mut block = Vec::with_capacity(1024 * d);
    for chunk in order.chunks(1024) {
        block.clear();
        for &i in chunk {
            block.extend_from_slice(x.row(i));
        }
        moments.add_block(&mut block, chunk.len());
    }
    let values = eigenvalues_desc(&moments.covariance()?, d);
    let summary = SpectrumSummary::new(&values, order.len() as u64);
    let f = fit_alpha(&values, order.len() as u64, summary.numerical_rank, fit);
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
    if settings.b == 0 || settings.b > 10_000 {
        return Err(Error::Setting(format!("B = {}: choose between 1 and 10 000 resamples", settings.b)));
    }
    if !(settings.level > 0.0 && settings.level < 1.0) {
        return Err(Error::Setting(format!("level = {}: choose a coverage between 0 and 1", settings.level)));
    }
    let n = x.rows;
    let all: Vec<usize> = (0..n).collect();
    let alpha = alpha_of_rows(x, &all, &settings.fit)?;
    let mut rng = Rng::new(settings.seed);
    let mut alphas = Vec::with_capacity(settings.b);
    let mut order = vec![0; n];
    for done in 0..settings.b {
        order.iter_mut().for_each(|i| *i = rng.below(n));
        if let Some(a) = alpha_of_rows(x, &order, &settings.fit)? {
            alphas.push(a);
        }
        if !progress(done + 1) {
            return Err(Error::Cancelled);
        }
    }
    let mut sorted = alphas.clone();
    sorted.sort_by(f64::total_cmp);
    let tail = (1.0 - settings.level) / 2.0;
    Ok(BootstrapReport {
        b: settings.b,
        seed: settings.seed,
        level: settings.level,
        alpha,
        n_invalid: settings.b - alphas.len(),
        lo: quantile(&sorted, tail),
        median: quantile(&sorted, 0.5),
        hi: quantile(&sorted, 1.0 - tail),
        alphas,
    })
}
