//! Smoothness of a code along an ordered stimulus sweep (METHODS.md, "Smoothness of the code";
//! Stringer et al. 2019, "High-dimensional geometry of population responses in visual cortex").
//!
//! - **The verdict.** Stringer et al.'s theorem: a code over a d-dimensional input whose spectrum
//!   decays as n^(−α) with α ≤ 1 + 2/d cannot be a smooth (differentiable) embedding of that
//!   input. The verdict compares an interval of α with the bound 1 + 2/d:
//!   `above_bound` when the interval's low end is above it, `below_bound` when its high end is
//!   below it, `undecided` otherwise, and also without an interval or a valid α (a point
//!   estimate alone decides nothing). α is the cross-validated α when a repeat of the sweep is
//!   given (Stringer's cvPCA, [`crate::crossval::cvpca_in_memory`], which removes the noise that
//!   flattens the plain spectrum), the plain α otherwise, and the verdict says which. The
//!   interval is the standard normal bootstrap interval α̂ ± z·se (Efron & Tibshirani 1993,
//!   §13.3), se the standard deviation of α over B resamples and z the normal quantile of
//!   (1 + level)/2. For the cross-validated α each resample takes ⌈N/L⌉ contiguous blocks of L
//!   rows (the same rows of A and B) with uniform random starts, wrapping around for a periodic
//!   sweep (the moving-block bootstrap of Künsch 1989; circular blocks, Politis & Romano 1992),
//!   cut to N rows, L = ⌈N^(1/3)⌉ unless set (Hall, Horowitz & Jing 1995): neighbouring sweep
//!   points are not independent. The plain α is resampled by
//!   [`crate::bootstrap::bootstrap_alpha`]. The interval is centred on α̂ rather than on the
//!   resamples (a percentile interval) because resampling a sweep shifts α by itself: repeated
//!   rows and gaps in t steepen the spectrum (measured: +0.03 for a Fourier code with α = 4 over
//!   rows, +0.3 for the cross-validated α over blocks, against a spread of 0.01–0.06), a shift
//!   the estimate from the sweep as recorded does not have. The shift is reported
//!   (`resample_shift`), not corrected for. Resamples whose fit is invalid are left out; when
//!   more than a tail's share ((1 − level)/2·B) of them are, there is no interval. The interval
//!   covers sampling variability only, not the estimator's bias at this N, D and fit range (the
//!   plain α of a Fourier code with α = 3 at N = 512, D = 128 is 2.93).
//!   Below the bound, the verdict states the theorem's claim only: the code, at the resolution
//!   sampled, cannot be a smooth embedding of a d-dimensional input. It says nothing about whether
//!   the network is differentiable (a GELU network is, by construction). Above the bound the
//!   condition is necessary, never sufficient.
//! - **Random projections** y_k = (X − μ)·w_k on K seeded unit directions, drawn against the
//!   sweep parameter t: what a reader looks at to see smooth or rough.
//! - **Roughness** R = Σᵢ ‖x_{i+1} − x_i‖² / (N − 1) / (2 trace C): the mean squared step between
//!   consecutive rows over the mean squared distance between two rows drawn at random (2 trace C).
//!   About 1 for rows in random order (`roughness_shuffled`, with the exact permutation in
//!   `shuffled_order`); R ≪ 1 says the sweep is sampled finer than the code varies, not that the
//!   code is smooth. Per projection, the same ratio with var(y_k).
//! - **Hölder exponent H**: half the OLS slope of log S(h) on log h, S(h) = mean over i of
//!   ‖x_{i+h} − x_i‖² (i + h wrapping for a periodic sweep), over log-spaced lags: the distinct
//!   integers round(2^(j/4)), j = 0, 1, …, up to max(2, ⌊N/8⌋) (four per octave; see [`lags`]).
//!   The estimator is biased low at finite N and D, so H is reported beside
//!   `holder_h_reference`: H of Stringer's Fourier code with the fitted (plain) α and the same N,
//!   D and estimator. For that code every pair at lag h is at the same distance,
//!   S(h) = Σ_k k^(−α)·2(1 − cos(2πkh/N)), k = 1 … min(⌊D/2⌋, ⌊(N − 1)/2⌋) (the frequencies N
//!   samples resolve), the same with or without wrapping; [`fourier_structure`] computes it.
//!   `holder_h_bound` = min(1, (α − 1)/2), the H of a code with spectrum n^(−α) whose variance
//!   falls with frequency along the sweep (the Fourier code), in the limit of many units and lags
//!   between the sampling step and the code's largest scale; for other codes with the same
//!   spectrum it is an upper bound (shuffled frequencies give H near 0); no structure function
//!   grows faster than h², hence the cap at 1. At finite N and D the estimator can sit on either
//!   side of it (Fourier codes at N = 4096, D = 1000: α = 2 gives 0.548, α = 3 gives 0.885), so H
//!   is compared with the reference and the bound is a guide. H describes roughness along this
//!   sweep; it is not a test of differentiability.
//!
//! Lags, shuffles and blocks need every row, so the sweep is held in memory ([`Matrix`]).

use crate::analysis::{self, Options, Report};
use crate::bootstrap::{bootstrap_alpha, BootstrapSettings, MAX_RESAMPLES};
use crate::crossval::{cvpca_in_memory, CvpcaSettings};
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
const BLOCK_STREAM: usize = 0x424c_4f43; // "BLOC"
const CV_SHUFFLE_STREAM: usize = 0x4356_5348; // "CVSH"

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

/// Which α the verdict uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AlphaSource {
    /// α of the plain covariance spectrum (biased by noise and finite N).
    #[default]
    Plain,
    /// α of the cross-validated spectrum of two repeats (Stringer's cvPCA).
    CrossValidated,
}

impl AlphaSource {
    fn words(self) -> &'static str {
        match self {
            AlphaSource::Plain => "plain α",
            AlphaSource::CrossValidated => "cross-validated α",
        }
    }
}

/// Where the interval of α lies against 1 + 2/d.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// The interval's high end is below 1 + 2/d.
    BelowBound,
    /// The interval's low end is above 1 + 2/d.
    AboveBound,
    /// The interval contains 1 + 2/d, or there is no interval or no valid α.
    Undecided,
}

/// α and its interval beside 1 + 2/d, and what that allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub verdict: Bound,
    pub alpha: Option<f64>,
    /// The interval of α the verdict uses, [lo, hi].
    pub interval: Option<[f64; 2]>,
    pub alpha_source: AlphaSource,
    pub d: InputDim,
    pub threshold: f64,
    /// α − (1 + 2/d).
    pub margin: Option<f64>,
    pub text: String,
}

/// The smoothness verdict for α (with its interval, when there is one) from `source` over a
/// `d`-dimensional input: see the module documentation for the rule and its wording.
pub fn smoothness_verdict(alpha: Option<f64>, interval: Option<[f64; 2]>, source: AlphaSource, d: InputDim) -> Verdict {
    let threshold = d.threshold();
    let bound = match d {
        InputDim::Finite(d) => format!("1 + 2/d = {threshold:.3} (d = {d})"),
        InputDim::High(_) => "1 (d high)".to_string(),
    };
    let interval = interval.filter(|[lo, hi]| lo.is_finite() && hi.is_finite() && lo <= hi);
    let caveat = match source {
        AlphaSource::Plain => {
            " The plain α is biased by noise and by finite N; a repeat of the same inputs gives the cross-validated α, \
             the better estimate."
        }
        AlphaSource::CrossValidated => "",
    };
    let Some(a) = alpha.filter(|a| a.is_finite()) else {
        return Verdict {
            verdict: Bound::Undecided,
            alpha: None,
            interval: None,
            alpha_source: source,
            d,
            threshold,
            margin: None,
            text: format!("no valid {}, so no verdict (the bound is {bound})", source.words()),
        };
    };
    let what = match interval {
        Some([lo, hi]) => format!("{} = {a:.3} (interval {lo:.3} … {hi:.3})", source.words()),
        None => format!("{} = {a:.3}", source.words()),
    };
    let (verdict, claim) = match interval {
        None => (
            Bound::Undecided,
            format!(
                "{what} against {bound}: undecided, because no interval of α was computed (set a bootstrap B > 0) and \
                 a point estimate alone decides nothing."
            ),
        ),
        Some([lo, _]) if lo > threshold => (
            Bound::AboveBound,
            format!(
                "{what} lies above {bound}: the spectrum decays fast enough for a smooth (differentiable) embedding \
                 of a d-dimensional input at the resolution sampled. The condition is necessary, not sufficient: this \
                 does not show that the code is smooth."
            ),
        ),
        Some([_, hi]) if hi < threshold => (
            Bound::BelowBound,
            format!(
                "{what} lies below {bound}: a code whose spectrum decays this slowly cannot be a smooth \
                 (differentiable) embedding of a d-dimensional input at the resolution sampled. This is a statement \
                 about the code as sampled, not about whether the network is differentiable."
            ),
        ),
        Some(_) => (Bound::Undecided, format!("{what}: the interval contains {bound}, so undecided.")),
    };
    Verdict {
        verdict,
        alpha: Some(a),
        interval,
        alpha_source: source,
        d,
        threshold,
        margin: Some(a - threshold),
        text: format!("{claim}{caveat}"),
    }
}

/// Settings of a sweep analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SweepSettings {
    /// Random projections to draw.
    pub k: usize,
    /// Seed of the projection directions.
    pub seed: u64,
    /// Whether the sweep wraps around (an angle over a full turn): lags and blocks then wrap too.
    pub periodic: bool,
    /// Seed of the row shuffle that gives the rough baseline.
    pub shuffle_seed: u64,
    pub fit: FitRequest,
    pub d: InputDim,
    /// Bootstrap resamples B for the interval of α (0: no interval, so the verdict is undecided).
    pub bootstrap: usize,
    /// Seed of the bootstrap (and of the repeat-swap shuffles of cvPCA).
    pub bootstrap_seed: u64,
    /// Coverage of the interval (0.95: the 2.5 % and 97.5 % quantiles).
    pub level: f64,
    /// Rows per bootstrap block (None: ⌈N^(1/3)⌉).
    pub block: Option<usize>,
    /// Repeat-swap shuffles of cvPCA when a repeat is given (0: the unshuffled cv spectrum).
    pub cv_shuffles: usize,
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
            bootstrap: 50,
            bootstrap_seed: 1,
            level: 0.95,
            block: None,
            cv_shuffles: 0,
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

/// The cross-validated α from a repeat of the sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossValidated {
    /// α fitted on the cvPCA spectrum (see [`crate::crossval::CvpcaReport::alpha_fit`]).
    pub alpha_fit: AlphaFit,
    /// Σ cv_n / Σ λ_n(A).
    pub shared_variance_fraction: f64,
    /// Axes with cv_n ≤ 0.
    pub n_nonpositive: usize,
    pub shuffles: usize,
}

/// The bootstrap interval of the α the verdict uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlphaInterval {
    pub source: AlphaSource,
    /// "moving_blocks" or "circular_blocks" (periodic) for the cross-validated α; for the plain
    /// α, what [`crate::bootstrap::bootstrap_alpha`] resamples ("rows").
    pub method: String,
    /// Rows per block (1: rows).
    pub block: usize,
    pub b: usize,
    pub seed: u64,
    pub level: f64,
    /// Resamples whose fit was invalid (left out).
    pub n_invalid: usize,
    /// α̂ ± z·se: the standard normal bootstrap interval around the estimate.
    pub lo: Option<f64>,
    pub hi: Option<f64>,
    /// Standard deviation of the valid resampled α.
    pub se: Option<f64>,
    /// mean(α*) − α̂: how far the resamples sit from the estimate (shown, not corrected for).
    pub resample_shift: Option<f64>,
    /// Why there is no interval, when there is none.
    pub reason: Option<String>,
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
    /// R for the rows in the order `shuffled_order` (seeded by `shuffle_seed`): the rough baseline.
    pub roughness_shuffled: f64,
    pub shuffle_seed: u64,
    /// The permutation of row indices behind `roughness_shuffled`.
    pub shuffled_order: Vec<usize>,
    /// ‖x_{N−1} − x_0‖² over the mean squared step: ≈ 1 where a periodic sweep closes.
    pub wraparound_ratio: f64,
    /// What R says and does not.
    pub roughness_text: String,
    pub holder: HolderFit,
    pub holder_h: Option<f64>,
    /// H of a Fourier code with the fitted plain α, the same N, D and estimator.
    pub holder_h_reference: Option<f64>,
    /// min(1, (α − 1)/2) for the plain α: an upper bound on H, reached by Fourier-like codes.
    pub holder_h_bound: Option<f64>,
    /// H beside its reference and bound, in words.
    pub holder_text: String,
    /// α of the sweep's own spectrum (the plain α).
    pub alpha_fit: AlphaFit,
    /// The cross-validated α, when a repeat was given.
    pub cross_validated: Option<CrossValidated>,
    /// The interval of the α the verdict uses (None when B = 0 or without a valid α).
    pub alpha_interval: Option<AlphaInterval>,
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

/// 2^(1/4), 2^(1/2), 2^(3/4) as literals, so that the lags are the same integers on every
/// platform (a power of two times one of these is exact).
const QUARTER_OCTAVES: [f64; 4] = [1.0, 1.189_207_115_002_721, std::f64::consts::SQRT_2, 1.681_792_830_507_429];

/// The lags for N rows: the distinct integers round(2^(j/4)), j = 0, 1, …, up to
/// h_max = max(2, ⌊N/8⌋) (four per octave: 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 13, 16, 19, 23, 27, 32, …).
pub fn lags(n: usize) -> Vec<usize> {
    let h_max = (n / 8).max(2);
    let mut out: Vec<usize> = Vec::new();
    for j in 0.. {
        let v = QUARTER_OCTAVES[j % 4] * (1u64 << (j / 4).min(62)) as f64;
        let h = (v + 0.5).floor() as usize;
        if h > h_max {
            break;
        }
        if out.last() != Some(&h) {
            out.push(h);
        }
    }
    out
}

/// S(h) = mean over i of ‖x_{i+h} − x_i‖² for each of [`lags`] (i + h wraps when `periodic`),
/// and H = slope/2 of the least-squares line through (log h, log S(h)).
pub fn holder_fit(x: &Matrix, periodic: bool) -> HolderFit {
    let n = x.rows;
    let lags: Vec<usize> = lags(n).into_iter().filter(|&h| h < n).collect();
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

/// The structure function of Stringer's Fourier code ([`crate::synth::fourier_code`]) with
/// exponent `alpha`, `n` rows and `d` units at each lag: S(h) = Σ_k k^(−α)·2(1 − cos(2πkh/N)),
/// k = 1 … min(⌊D/2⌋, ⌊(N − 1)/2⌋). Every pair at lag h is at this distance, so it is the same
/// with or without wrapping, and mixing the units does not change it.
pub fn fourier_structure(alpha: f64, n: usize, d: usize, lags: &[usize]) -> Vec<f64> {
    let pairs = (d / 2).min(n.saturating_sub(1) / 2);
    lags.iter()
        .map(|&h| {
            (1..=pairs)
                .map(|k| {
                    let phase = 2.0 * std::f64::consts::PI * (k * h % n.max(1)) as f64 / n as f64;
                    (k as f64).powf(-alpha) * 2.0 * (1.0 - phase.cos())
                })
                .sum()
        })
        .collect()
}

/// H of Stringer's Fourier code with exponent `alpha`, `n` rows and `d` units, by the same
/// estimator (lags and fit) as [`holder_fit`].
pub fn holder_reference(alpha: f64, n: usize, d: usize) -> Option<f64> {
    let lags: Vec<usize> = lags(n).into_iter().filter(|&h| h < n).collect();
    let structure = fourier_structure(alpha, n, d, &lags);
    fit_structure(lags, structure).h
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

/// The default bootstrap block for N rows: ⌈N^(1/3)⌉ (Hall, Horowitz & Jing 1995).
pub fn default_block(n: usize) -> usize {
    (1..=n.max(1)).find(|l| l * l * l >= n).unwrap_or(1)
}

/// Row indices of one block-bootstrap resample of `n` rows: ⌈n/L⌉ blocks of `block` consecutive
/// rows with uniform random starts (any row, wrapping, when `periodic`; else 0 … n − L), cut to n.
pub fn block_resample(n: usize, block: usize, periodic: bool, rng: &mut Rng) -> Vec<usize> {
    let block = block.clamp(1, n.max(1));
    let mut order = Vec::with_capacity(n);
    while order.len() < n {
        let start = if periodic { rng.below(n) } else { rng.below(n - block + 1) };
        order.extend((0..block).map(|i| (start + i) % n).take(n - order.len()));
    }
    order
}

fn rows_in_order(x: &Matrix, order: &[usize]) -> Matrix {
    let mut data = Vec::with_capacity(order.len() * x.cols);
    for &i in order {
        data.extend_from_slice(x.row(i));
    }
    Matrix { rows: order.len(), cols: x.cols, data }
}

/// The standard normal quantile Φ⁻¹(p) for 0 < p < 1 (Acklam's rational approximation,
/// relative error below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] =
        [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// The interval α̂ ± z·se from the valid resampled α (se their standard deviation, z the normal
/// quantile of (1 + level)/2), with se and the resamples' shift mean(α*) − α̂; or the reason
/// there is none.
struct NormalInterval {
    lo: Option<f64>,
    hi: Option<f64>,
    se: Option<f64>,
    shift: Option<f64>,
    reason: Option<String>,
}

fn normal_interval(alpha: f64, alphas: &[f64], b: usize, level: f64) -> NormalInterval {
    let tail = (1.0 - level) / 2.0;
    let n_invalid = b - alphas.len();
    let none = |reason: String| NormalInterval { lo: None, hi: None, se: None, shift: None, reason: Some(reason) };
    if n_invalid as f64 > tail * b as f64 {
        return none(format!(
            "{n_invalid} of {b} resamples gave no valid α, more than the {:.1} % tail the interval leaves out",
            100.0 * tail
        ));
    }
    if alphas.len() < 2 {
        return none(format!("{} valid resample(s): the spread needs at least 2 (raise B)", alphas.len()));
    }
    let m = alphas.len() as f64;
    let mean = alphas.iter().sum::<f64>() / m;
    let se = (alphas.iter().map(|a| (a - mean) * (a - mean)).sum::<f64>() / (m - 1.0)).sqrt();
    let z = normal_quantile(1.0 - tail);
    NormalInterval {
        lo: Some(alpha - z * se),
        hi: Some(alpha + z * se),
        se: Some(se),
        shift: Some(mean - alpha),
        reason: None,
    }
}

fn cv_settings(settings: &SweepSettings) -> CvpcaSettings {
    // Built on the defaults, so that settings cvPCA gains later keep their default here.
    let mut cv = CvpcaSettings { fit: settings.fit, shuffles: settings.cv_shuffles, ..Default::default() };
    cv.seed = derive_seed(settings.bootstrap_seed, CV_SHUFFLE_STREAM);
    cv
}

/// The block-bootstrap interval of the cross-validated α of the pair (`a`, `b`).
fn cv_interval(a: &Matrix, b: &Matrix, alpha: f64, settings: &SweepSettings, block: usize) -> Result<AlphaInterval> {
    let cv = cv_settings(settings);
    let mut rng = Rng::new(derive_seed(settings.bootstrap_seed, BLOCK_STREAM));
    let mut alphas = Vec::with_capacity(settings.bootstrap);
    for _ in 0..settings.bootstrap {
        let order = block_resample(a.rows, block, settings.periodic, &mut rng);
        let fit = cvpca_in_memory(&rows_in_order(a, &order), &rows_in_order(b, &order), &cv)?.alpha_fit;
        if let Some(alpha) = fit.alpha.filter(|_| fit.valid) {
            alphas.push(alpha);
        }
    }
    let i = normal_interval(alpha, &alphas, settings.bootstrap, settings.level);
    Ok(AlphaInterval {
        source: AlphaSource::CrossValidated,
        method: if settings.periodic { "circular_blocks" } else { "moving_blocks" }.to_string(),
        block,
        b: settings.bootstrap,
        seed: settings.bootstrap_seed,
        level: settings.level,
        n_invalid: settings.bootstrap - alphas.len(),
        lo: i.lo,
        hi: i.hi,
        se: i.se,
        resample_shift: i.shift,
        reason: i.reason,
    })
}

/// The bootstrap interval of the plain α, from [`crate::bootstrap::bootstrap_alpha`].
fn plain_interval(x: &Matrix, alpha: f64, settings: &SweepSettings) -> Result<AlphaInterval> {
    // Neighbouring points of a sweep are dependent: resample contiguous blocks, not rows.
    let block = settings.block.unwrap_or_else(|| default_block(x.rows));
    let mut bs = BootstrapSettings {
        b: settings.bootstrap,
        seed: settings.bootstrap_seed,
        fit: settings.fit,
        block: Some(block),
        ..Default::default()
    };
    bs.level = settings.level;
    let report = bootstrap_alpha(x, &bs, &mut |_| true)?;
    let i = normal_interval(alpha, &report.alphas, settings.bootstrap, settings.level);
    Ok(AlphaInterval {
        source: AlphaSource::Plain,
        method: "contiguous blocks".to_string(),
        block,
        b: settings.bootstrap,
        seed: settings.bootstrap_seed,
        level: settings.level,
        n_invalid: report.n_invalid,
        lo: i.lo,
        hi: i.hi,
        se: i.se,
        resample_shift: i.shift,
        reason: i.reason,
    })
}

fn check_settings(x: &Matrix, t: Option<&[f64]>, repeat: Option<&Matrix>, settings: &SweepSettings) -> Result<()> {
    let n = x.rows;
    if n < 3 {
        return Err(DataError::TooShortSweep { rows: n as u64 }.into());
    }
    if settings.k == 0 || settings.k > 64 {
        return Err(Error::Setting(format!("k = {}: draw between 1 and 64 random projections", settings.k)));
    }
    if settings.bootstrap > MAX_RESAMPLES {
        return Err(Error::Setting(format!(
            "B = {}: choose between 0 (no interval) and 10 000 resamples",
            settings.bootstrap
        )));
    }
    if !(settings.level > 0.0 && settings.level < 1.0) {
        return Err(Error::Setting(format!("level = {}: choose a coverage between 0 and 1", settings.level)));
    }
    if let Some(l) = settings.block {
        if l == 0 || l > n {
            return Err(Error::Setting(format!("block = {l}: choose between 1 and N = {n} rows per bootstrap block")));
        }
    }
    if let Some(t) = t {
        if t.len() != n {
            return Err(Error::Setting(format!(
                "the sweep parameter has {} values but the matrix has {n} rows",
                t.len()
            )));
        }
    }
    if let Some(r) = repeat {
        if (r.rows, r.cols) != (x.rows, x.cols) {
            return Err(
                DataError::ShapeMismatch { left: (x.rows as u64, x.cols), right: (r.rows as u64, r.cols) }.into()
            );
        }
    }
    Ok(())
}

fn roughness_text(r: f64, shuffled: f64) -> String {
    format!(
        "R = {r:.4}: consecutive rows are {r:.4} times as far apart (squared distance) as two rows drawn at random \
         (rows in a random order: {shuffled:.3}). R ≪ 1 says the sweep is sampled finer than the code varies; it \
         does not say that the code is smooth"
    )
}

fn holder_text(fit: &HolderFit, reference: Option<f64>, bound: Option<f64>, alpha: Option<f64>) -> String {
    let Some(h) = fit.h else {
        return "S(h) vanishes at every lag (a constant curve): no Hölder exponent".to_string();
    };
    let span = format!(
        "over {} log-spaced lags {} … {}",
        fit.lags.len(),
        fit.lags.first().copied().unwrap_or(0),
        fit.lags.last().copied().unwrap_or(0)
    );
    match (alpha, reference, bound) {
        (Some(a), Some(r), Some(b)) => format!(
            "H = {h:.3} measured {span}; a Fourier code with the fitted α = {a:.3} and the same N, D and estimator \
             gives {r:.3} (the reference: the estimator's own bias cancels in the comparison). min(1, (α − 1)/2) = \
             {b:.3} is the most a code with this spectrum reaches, and only where its variance falls with frequency \
             along the sweep (a guide: at finite N and D the estimator sits on either side of it). H describes \
             roughness along this sweep; it is not a test of differentiability"
        ),
        _ => format!("H = {h:.3} measured {span}; no valid α, so no reference and no bound to compare it with"),
    }
}

/// The whole sweep analysis of `x` (rows in sweep order); `t` is the sweep parameter per row,
/// or None for the row index. No repeat: the verdict uses the plain α.
pub fn analyze_sweep(x: &Matrix, t: Option<&[f64]>, settings: &SweepSettings) -> Result<SweepReport> {
    analyze_sweep_with(x, t, None, settings)
}

/// [`analyze_sweep`] with an optional `repeat` of the sweep (the same inputs in the same order,
/// recorded again): the verdict then uses the cross-validated α of the pair (x, repeat).
pub fn analyze_sweep_with(
    x: &Matrix,
    t: Option<&[f64]>,
    repeat: Option<&Matrix>,
    settings: &SweepSettings,
) -> Result<SweepReport> {
    check_settings(x, t, repeat, settings)?;
    let (n, d) = (x.rows, x.cols);
    let options = Options { fit: settings.fit, drop_nonfinite: false };
    let spectrum = analysis::analyze(&mut SliceRows::new(&x.data, d), &options, &mut |_, _| true)?;
    let total_variance = spectrum.total_variance;
    if total_variance.is_nan() || total_variance <= 0.0 {
        return Err(DataError::ConstantRows.into());
    }
    let order: Vec<usize> = (0..n).collect();
    let roughness = roughness_in_order(x, &order, total_variance);
    let mut shuffled_order = order.clone();
    Rng::new(derive_seed(settings.shuffle_seed, SHUFFLE_STREAM)).shuffle(&mut shuffled_order);
    let roughness_shuffled = roughness_in_order(x, &shuffled_order, total_variance);
    let mean_step = roughness * 2.0 * total_variance;
    let wraparound_ratio = sq_dist(x.row(n - 1), x.row(0)) / mean_step;

    let holder = holder_fit(x, settings.periodic);
    let plain_alpha = spectrum.alpha_fit.alpha.filter(|_| spectrum.alpha_fit.valid);
    let holder_h_reference = plain_alpha.and_then(|a| holder_reference(a, n, d));
    let holder_h_bound = plain_alpha.map(|a| ((a - 1.0) / 2.0).min(1.0));

    let cross_validated = match repeat {
        Some(b) => {
            let cv = cvpca_in_memory(x, b, &cv_settings(settings))?;
            Some(CrossValidated {
                alpha_fit: cv.alpha_fit.fit,
                shared_variance_fraction: cv.shared_variance_fraction,
                n_nonpositive: cv.n_nonpositive,
                shuffles: cv.shuffles,
            })
        }
        None => None,
    };
    let (alpha, source) = match &cross_validated {
        Some(cv) => (cv.alpha_fit.alpha.filter(|_| cv.alpha_fit.valid), AlphaSource::CrossValidated),
        None => (plain_alpha, AlphaSource::Plain),
    };
    let alpha_interval = match (alpha, repeat) {
        (Some(_), _) if settings.bootstrap == 0 => None,
        (Some(a), Some(b)) => Some(cv_interval(x, b, a, settings, settings.block.unwrap_or_else(|| default_block(n)))?),
        (Some(a), None) => Some(plain_interval(x, a, settings)?),
        (None, _) => None,
    };
    let interval = alpha_interval.as_ref().and_then(|i| Some([i.lo?, i.hi?]));
    let verdict = smoothness_verdict(alpha, interval, source, settings.d);

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
        roughness_text: roughness_text(roughness, roughness_shuffled),
        roughness,
        roughness_shuffled,
        shuffle_seed: settings.shuffle_seed,
        shuffled_order,
        wraparound_ratio,
        holder_text: holder_text(&holder, holder_h_reference, holder_h_bound, plain_alpha),
        holder_h: holder.h,
        holder,
        holder_h_reference,
        holder_h_bound,
        alpha_fit: spectrum.alpha_fit.clone(),
        cross_validated,
        alpha_interval,
        verdict,
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
