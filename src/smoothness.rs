//! Smoothness of a code along an ordered stimulus sweep (METHODS.md, "Smoothness of the code";
//! Stringer et al. 2019).
//!
//! - The verdict: a code over a d-dimensional input can be differentiable only if
//!   α > 1 + 2/d. A necessary condition, never a sufficient one, and worded so.
//! - Random projections y_k = (X − μ)·w_k on K seeded unit directions, drawn against the sweep
//!   parameter t: what a reader looks at to see smooth or rough.
//! - Roughness R = Σᵢ ‖x_{i+1} − x_i‖² / (N − 1) / (2 trace C): about 1 for rows in random
//!   order, ≪ 1 for a smooth sweep; per projection the same ratio with var(y_k).
//! - The Hölder exponent H: half the slope of log S(h) on log h, S(h) = mean ‖x_{i+h} − x_i‖²,
//!   over lags h = 1 … N/8 (wrapping around for a periodic sweep). H ≥ 1: differentiable.
//!   For a one-parameter sweep a power-law code predicts H = min(1, (α − 1)/2).
//!
//! Lags and shuffles need every row, so the sweep is held in memory ([`Matrix`]).

use crate::analysis::{self, Options, Report};
use crate::error::{DataError, Error, Result};
use crate::matrix::Matrix;
use crate::read::SliceRows;
use crate::rng::{derive_seed, Rng};
use crate::stats::{AlphaFit, FitRequest};
use serde::{Deserialize, Serialize};

/// Streams of the seeded generator, kept apart from those of the synthetic codes: with the same
/// seed, a code's random mixing and the projection directions would otherwise be the same
/// numbers, and the curves would be the code's own features instead of random directions.
const PROJECTION_STREAM: usize = 0x5052_4f4a; // "PROJ"
const SHUFFLE_STREAM: usize = 0x5348_5546; // "SHUF"

/// The dimensionality d of the input space the sweep samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum InputDim {
    /// d = 1 for a one-parameter sweep (an angle, a position), 2, 3, …
    Finite(f64),
    /// Natural images or text: d large, where the bound tends to 1.
    High(HighDim),
}

/// The word "high" in settings and JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HighDim {
    High,
}

impl Default for InputDim {
    fn default() -> Self {
        InputDim::Finite(1.0)
    }
}

impl std::str::FromStr for InputDim {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "high" => Ok(InputDim::High(HighDim::High)),
            _ => match s.parse::<f64>() {
                Ok(d) if d > 0.0 && d.is_finite() => Ok(InputDim::Finite(d)),
                _ => Err(format!("d must be a positive number or 'high', got '{s}'")),
            },
        }
    }
}

impl InputDim {
    /// The smallest α at which a code over this input can be differentiable: 1 + 2/d.
    pub fn threshold(self) -> f64 {
        match self {
            InputDim::Finite(d) => 1.0 + 2.0 / d,
            InputDim::High(_) => 1.0,
        }
    }
}

/// α beside 1 + 2/d, and what it allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub alpha: Option<f64>,
    pub d: InputDim,
    pub threshold: f64,
    /// α − (1 + 2/d).
    pub margin: Option<f64>,
    /// Whether the necessary condition holds (None without a valid α).
    pub may_be_smooth: Option<bool>,
    pub text: String,
}

/// The smoothness verdict for a fitted α over a `d`-dimensional input.
pub fn smoothness_verdict(alpha: Option<f64>, d: InputDim) -> Verdict {
    let threshold = d.threshold();
    let bound = match d {
        InputDim::Finite(d) => format!("1 + 2/d = {threshold:.3} (d = {d})"),
        InputDim::High(_) => "1 (d high)".to_string(),
    };
    let (margin, may_be_smooth, text) = match alpha {
        Some(a) if a > threshold => (
            Some(a - threshold),
            Some(true),
            format!(
                "α = {a:.3} > {bound}: the code may be differentiable (a necessary condition, not a sufficient one)"
            ),
        ),
        Some(a) => (
            Some(a - threshold),
            Some(false),
            format!("α = {a:.3} ≤ {bound}: the code cannot be differentiable over this input"),
        ),
        None => (None, None, format!("no valid α, so no verdict (the bound is {bound})")),
    };
    Verdict { alpha, d, threshold, margin, may_be_smooth, text }
}

/// Settings of a sweep analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SweepSettings {
    /// Random projections to draw.
    pub k: usize,
    /// Seed of the projection directions.
    pub seed: u64,
    /// Whether the sweep wraps around (an angle over a full turn): lags then wrap too.
    pub periodic: bool,
    /// Seed of the row shuffle that gives the rough baseline.
    pub shuffle_seed: u64,
    pub fit: FitRequest,
    pub d: InputDim,
}

impl Default for SweepSettings {
    fn default() -> Self {
        SweepSettings {
            k: 5,
            seed: 1,
            periodic: false,
            shuffle_seed: 0,
            fit: FitRequest::default(),
            d: InputDim::default(),
        }
    }
}

/// A structure function and its power-law fit: S(h) ∝ h^(2H).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HolderFit {
    pub lags: Vec<usize>,
    pub structure: Vec<f64>,
    /// Half the slope of log S on log h; None when S vanishes (a constant curve).
    pub h: Option<f64>,
    pub slope: Option<f64>,
    pub intercept: Option<f64>,
}

/// One random projection along the sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    pub roughness: f64,
    pub holder_h: Option<f64>,
    pub values: Vec<f64>,
}

/// Everything the sweep view shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepReport {
    pub n_rows: usize,
    pub n_cols: usize,
    /// The sweep parameter per row (from a file, or the row index).
    pub t: Vec<f64>,
    pub t_from_file: bool,
    pub periodic: bool,
    pub roughness: f64,
    /// R for the rows in a random order (seeded by `shuffle_seed`): the rough baseline.
    pub roughness_shuffled: f64,
    pub shuffle_seed: u64,
    /// ‖x_{N−1} − x_0‖² over the mean squared step: ≈ 1 where a periodic sweep closes.
    pub wraparound_ratio: f64,
    pub holder: HolderFit,
    pub holder_h: Option<f64>,
    /// min(1, (α − 1)/2), the H a power-law code predicts for a one-parameter sweep.
    pub predicted_h: Option<f64>,
    pub alpha_fit: AlphaFit,
    pub verdict: Verdict,
    pub seed: u64,
    pub curves: Vec<Curve>,
    /// The spectrum of the sweep's rows (the same report `analyze` gives).
    pub spectrum: Report,
}

/// Σᵢ ‖x_{order[i+1]} − x_{order[i]}‖² / (N − 1) / (2 · total variance), for `order` a list of
/// row indices of `x` (NaN for fewer than two).
pub fn roughness_in_order(x: &Matrix, order: &[usize], total_variance: f64) -> f64 {
    if order.len() < 2 {
        return f64::NAN;
    }
    let steps: f64 = order.windows(2).map(|w| sq_dist(x.row(w[0]), x.row(w[1]))).sum();
    steps / (order.len() - 1) as f64 / (2.0 * total_variance)
}

fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum()
}

/// The lags h = 1 … ⌊N/8⌋ (at least 1 and 2, so that a slope exists).
pub fn lags(n: usize) -> Vec<usize> {
    (1..=(n / 8).max(2)).collect()
}

/// S(h) = mean over i of ‖x_{i+h} − x_i‖² for each lag (i + h wraps when `periodic`), and
/// H = slope/2 of the least-squares line through (log h, log S(h)).
pub fn holder_fit(x: &Matrix, periodic: bool) -> HolderFit {
    let n = x.rows;
    let lags = lags(n);
    let structure: Vec<f64> = lags
        .iter()
        .map(|&h| {
            let pairs = if periodic { n } else { n - h };
            let total: f64 = (0..pairs).map(|i| sq_dist(x.row((i + h) % n), x.row(i))).sum();
            total / pairs as f64
        })
        .collect();
    fit_structure(lags, structure)
}

fn fit_structure(lags: Vec<usize>, structure: Vec<f64>) -> HolderFit {
    let points: Vec<(f64, f64)> =
        lags.iter().zip(&structure).filter(|(_, s)| **s > 0.0).map(|(h, s)| ((*h as f64).ln(), s.ln())).collect();
    let (slope, intercept) = match least_squares(&points) {
        Some((a, b)) => (Some(a), Some(b)),
        None => (None, None),
    };
    HolderFit { lags, structure, h: slope.map(|s| s / 2.0), slope, intercept }
}

/// Slope and intercept of the ordinary least-squares line through `points`.
fn least_squares(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let (mx, my) = points.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let sxx: f64 = points.iter().map(|(x, _)| (x - mx) * (x - mx)).sum();
    let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    (sxx > 0.0).then(|| (sxy / sxx, my - sxy / sxx * mx))
}

/// The whole sweep analysis of `x` (rows in sweep order); `t` is the sweep parameter per row,
/// or None for the row index.
pub fn analyze_sweep(x: &Matrix, t: Option<&[f64]>, settings: &SweepSettings) -> Result<SweepReport> {
    let (n, d) = (x.rows, x.cols);
    if n < 3 {
        return Err(DataError::TooShortSweep { rows: n as u64 }.into());
    }
    if settings.k == 0 || settings.k > 64 {
        return Err(Error::Setting(format!("k = {}: draw between 1 and 64 random projections", settings.k)));
    }
    if let Some(t) = t {
        if t.len() != n {
            return Err(Error::Setting(format!(
                "the sweep parameter has {} values but the matrix has {n} rows",
                t.len()
            )));
        }
    }
    let options = Options { fit: settings.fit.clone(), drop_nonfinite: false };
    let spectrum = analysis::analyze(&mut SliceRows::new(&x.data, d), &options, &mut |_, _| true)?;
    let total_variance = spectrum.total_variance;
    let order: Vec<usize> = (0..n).collect();
    let roughness = roughness_in_order(x, &order, total_variance);
    if !(total_variance > 0.0) {
        return Err(DataError::ConstantRows.into());
    }
    let mut shuffled = order.clone();
    Rng::new(derive_seed(settings.shuffle_seed, SHUFFLE_STREAM)).shuffle(&mut shuffled);
    let roughness_shuffled = roughness_in_order(x, &shuffled, total_variance);
    let mean_step = roughness * 2.0 * total_variance;
    let wraparound_ratio = sq_dist(x.row(n - 1), x.row(0)) / mean_step;

    let holder = holder_fit(x, settings.periodic);
    let alpha = spectrum.alpha_fit.alpha.filter(|_| spectrum.alpha_fit.valid);
    let predicted_h = alpha.map(|a| ((a - 1.0) / 2.0).min(1.0));

    let mean = column_means(x);
    let mut rng = Rng::new(derive_seed(settings.seed, PROJECTION_STREAM));
    let curves = (0..settings.k)
        .map(|_| {
            let w = rng.unit_vector(d);
            let values: Vec<f64> =
                (0..n).map(|i| x.row(i).iter().zip(&mean).zip(&w).map(|((v, m), w)| (v - m) * w).sum()).collect();
            projection_curve(values, settings.periodic)
        })
        .collect();

    Ok(SweepReport {
        n_rows: n,
        n_cols: d,
        t: t.map_or_else(|| (0..n).map(|i| i as f64).collect(), <[f64]>::to_vec),
        t_from_file: t.is_some(),
        periodic: settings.periodic,
        roughness,
        roughness_shuffled,
        shuffle_seed: settings.shuffle_seed,
        wraparound_ratio,
        holder_h: holder.h,
        holder,
        predicted_h,
        alpha_fit: spectrum.alpha_fit.clone(),
        verdict: smoothness_verdict(alpha, settings.d),
        seed: settings.seed,
        curves,
        spectrum,
    })
}

fn column_means(x: &Matrix) -> Vec<f64> {
    let mut mean = vec![0.0; x.cols];
    for i in 0..x.rows {
        for (m, v) in mean.iter_mut().zip(x.row(i)) {
            *m += v;
        }
    }
    mean.iter_mut().for_each(|m| *m /= x.rows as f64);
    mean
}

/// A projection's roughness (the ratio with var(y)) and Hölder exponent.
fn projection_curve(values: Vec<f64>, periodic: bool) -> Curve {
    let n = values.len();
    let y = Matrix { rows: n, cols: 1, data: values };
    let mean = y.data.iter().sum::<f64>() / n as f64;
    let var = y.data.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
    let order: Vec<usize> = (0..n).collect();
    let roughness = if var > 0.0 { roughness_in_order(&y, &order, var) } else { 0.0 };
    let holder_h = holder_fit(&y, periodic).h;
    Curve { roughness, holder_h, values: y.data }
}
