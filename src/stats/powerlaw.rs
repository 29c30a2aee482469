//! The power-law exponent α of an eigenspectrum, λ_n ∝ n^(−α) (METHODS.md, "Power-law
//! exponent α").
//!
//! Fitted on log λ_n against log n over 1-based ranks `n_lo..=n_hi`, by weighted least
//! squares with weights 1/n (`stringer`, the field's reference, Stringer et al. 2019
//! `get_powerlaw`) or ordinary least squares (`ols`). A fit that the data cannot support is
//! returned as invalid with its reason, never as a number. Every fit carries one display text,
//! [`AlphaFit::label`], so that the page and the CLI say the same thing.
//!
//! Range presets reproduce the code they are named after ([`RangePreset::source`]):
//! `stringer` = ranks 11 … 500 (Stringer et al.'s MATLAB `get_powerlaw(ss, 11:500)`; their
//! Python notebook's `np.arange(11, 500)` is 0-based, ranks 12 … 500), `alpha-req` = ranks
//! 11 … 100 (reptrix `get_alpha`, 0-based `np.arange(10, 100)`, weights 1/n). Both sources
//! were read (MouseLand/stringer-pachitariu-et-al-2018b `powerlaws/get_powerlaw.m`,
//! `python/utils.py`; arnab39/reptrix `reptrix/alpha.py`).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How α is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Estimator {
    /// Weighted least squares, weights 1/n.
    #[default]
    Stringer,
    /// Ordinary least squares (NumPy `polyfit`).
    Ols,
}

impl FromStr for Estimator {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "stringer" => Ok(Estimator::Stringer),
            "ols" => Ok(Estimator::Ols),
            _ => Err(format!("unknown estimator '{s}' (stringer or ols)")),
        }
    }
}

impl fmt::Display for Estimator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Estimator::Stringer => "stringer",
            Estimator::Ols => "ols",
        })
    }
}

/// Named fit ranges, each named after the code it reproduces ([`RangePreset::source`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangePreset {
    /// n = 11 … 500: Stringer et al. 2019, MATLAB `get_powerlaw(ss, 11:500)`.
    Stringer,
    /// n = 11 … 100: α-ReQ (Agrawal et al. 2022), reptrix `get_alpha` (0-based `np.arange(10, 100)`).
    AlphaReq,
}

impl RangePreset {
    /// Every preset, in the order a chooser lists them.
    pub const ALL: [RangePreset; 2] = [RangePreset::Stringer, RangePreset::AlphaReq];

    /// 1-based ranks (n_lo, n_hi), both included.
    pub fn bounds(self) -> (usize, usize) {
        match self {
            RangePreset::Stringer => (11, 500),
            RangePreset::AlphaReq => (11, 100),
        }
    }

    /// The name the CLI's `--preset` and the page's chooser use.
    pub fn name(self) -> &'static str {
        match self {
            RangePreset::Stringer => "stringer",
            RangePreset::AlphaReq => "alpha-req",
        }
    }

    /// Where the range comes from, as the page's tooltip and METHODS.md cite it.
    pub fn source(self) -> &'static str {
        match self {
            RangePreset::Stringer => {
                "Stringer, Pachitariu et al. 2019 (Nature 571:361), MouseLand/stringer-pachitariu-et-al-2018b: \
                 MATLAB get_powerlaw(ss, 11:500), i.e. ranks 11…500 weighted 1/n (e.g. sims/simPowerLaw.m); \
                 their Python notebook fits np.arange(11, 500), 0-based, i.e. ranks 12…500"
            }
            RangePreset::AlphaReq => {
                "α-ReQ, Agrawal et al. 2022 (NeurIPS), reptrix get_alpha (arnab39/reptrix, reptrix/alpha.py): \
                 0-based np.arange(10, 100), i.e. ranks 11…100 weighted 1/n"
            }
        }
    }
}

impl FromStr for RangePreset {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "stringer" => Ok(RangePreset::Stringer),
            "alpha-req" => Ok(RangePreset::AlphaReq),
            _ => Err(format!("unknown range preset '{s}' (stringer or alpha-req)")),
        }
    }
}

/// The fit range as asked for; [`FitRequest::resolve`] caps n_hi at ⌊D/2⌋.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FitRequest {
    pub estimator: Estimator,
    pub lo: usize,
    pub hi: usize,
}

impl Default for FitRequest {
    fn default() -> Self {
        let (lo, hi) = RangePreset::Stringer.bounds();
        FitRequest { estimator: Estimator::Stringer, lo, hi }
    }
}

impl FitRequest {
    /// The range actually fitted for D units: n_hi capped at ⌊D/2⌋.
    pub fn resolve(&self, d: usize) -> (usize, usize) {
        (self.lo, self.hi.min(d / 2))
    }
}

/// The result of one fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlphaFit {
    pub estimator: Estimator,
    pub rank_lo: usize,
    pub rank_hi: usize,
    pub valid: bool,
    pub alpha: Option<f64>,
    pub intercept: Option<f64>,
    pub n_points: usize,
    /// Coefficient of determination of the (weighted) fit in log-log space.
    pub r2: Option<f64>,
    /// Why the fit is invalid, when it is.
    pub reason: Option<String>,
    /// The one text every front end shows for this fit: "2.394 (stringer, n = 11…128)", or
    /// "none (reason)" when the fit is invalid.
    #[serde(default)]
    pub label: String,
}

impl AlphaFit {
    fn invalid(mut self, reason: String) -> AlphaFit {
        self.label = format!("none ({reason})");
        self.reason = Some(reason);
        self
    }
}

/// Fits α to the descending `values` of a matrix with `n_rows` rows and numerical rank `rank`.
pub fn fit_alpha(values: &[f64], n_rows: u64, rank: usize, request: &FitRequest) -> AlphaFit {
    let d = values.len();
    let (lo, hi) = request.resolve(d);
    let fit = AlphaFit {
        estimator: request.estimator,
        rank_lo: lo,
        rank_hi: hi,
        valid: false,
        alpha: None,
        intercept: None,
        n_points: 0,
        r2: None,
        reason: None,
        label: String::new(),
    };
    if lo < 1 {
        return fit.invalid("n_lo = 0: ranks are 1-based, so n_lo must be ≥ 1".into());
    }
    if request.hi < lo + 1 {
        return fit.invalid(format!(
            "the range n_lo = {lo} to n_hi = {} holds fewer than 2 ranks; choose n_hi ≥ n_lo + 1",
            request.hi
        ));
    }
    if hi < 2 {
        return fit.invalid(format!(
            "D = {d} unit(s): n_hi is capped at ⌊D/2⌋ = {hi}, which leaves fewer than 2 ranks to fit"
        ));
    }
    if hi < lo + 1 {
        return fit.invalid(format!(
            "n_hi is capped at ⌊D/2⌋ = {hi} (D = {d}), below n_lo + 1 = {}; choose n_lo ≤ {}",
            lo + 1,
            hi - 1
        ));
    }
    if hi as u64 > n_rows.saturating_sub(1) {
        return fit
            .invalid(format!("n_hi = {hi} exceeds N − 1 = {}: too few rows for this range", n_rows.saturating_sub(1)));
    }
    if hi > rank {
        return fit.invalid(format!("n_hi = {hi} exceeds the numerical rank r = {rank}: the tail is round-off"));
    }
    if let Some((i, v)) = values[lo - 1..hi].iter().enumerate().find(|(_, v)| **v <= 0.0) {
        return fit.invalid(format!("λ_{} = {v:e} ≤ 0 inside the fit range", lo + i));
    }
    let points = log_points(values, lo, hi, request.estimator);
    let (slope, intercept, r2) = weighted_line(&points);
    let alpha = -slope;
    AlphaFit {
        valid: true,
        alpha: Some(alpha),
        intercept: Some(intercept),
        n_points: points.len(),
        r2,
        label: format!("{alpha:.3} ({}, n = {lo}…{hi})", request.estimator),
        ..fit
    }
}

/// (ln n, ln λ_n, weight) for ranks `lo..=hi` (1-based; every λ_n > 0), weights by `estimator`.
pub(crate) fn log_points(values: &[f64], lo: usize, hi: usize, estimator: Estimator) -> Vec<(f64, f64, f64)> {
    (lo..=hi)
        .map(|n| {
            let w = match estimator {
                Estimator::Stringer => 1.0 / n as f64,
                Estimator::Ols => 1.0,
            };
            ((n as f64).ln(), values[n - 1].ln(), w)
        })
        .collect()
}

/// Weighted least-squares line through (x, y, w): (slope, intercept, R²).
pub(crate) fn weighted_line(points: &[(f64, f64, f64)]) -> (f64, f64, Option<f64>) {
    let sw: f64 = points.iter().map(|p| p.2).sum();
    let mx = points.iter().map(|p| p.2 * p.0).sum::<f64>() / sw;
    let my = points.iter().map(|p| p.2 * p.1).sum::<f64>() / sw;
    let sxy: f64 = points.iter().map(|p| p.2 * (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| p.2 * (p.0 - mx) * (p.0 - mx)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let ss_res: f64 = points.iter().map(|p| p.2 * (p.1 - intercept - slope * p.0).powi(2)).sum();
    let ss_tot: f64 = points.iter().map(|p| p.2 * (p.1 - my).powi(2)).sum();
    let r2 = (ss_tot > 0.0).then(|| 1.0 - ss_res / ss_tot);
    (slope, intercept, r2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_power_law_is_recovered_by_both_estimators() {
        let values: Vec<f64> = (1..=1000).map(|n| 3.0 * (n as f64).powf(-1.7)).collect();
        for estimator in [Estimator::Stringer, Estimator::Ols] {
            let fit = fit_alpha(&values, 5000, 1000, &FitRequest { estimator, lo: 11, hi: 500 });
            assert!((fit.alpha.unwrap() - 1.7).abs() < 1e-12);
            assert!((fit.intercept.unwrap() - 3f64.ln()).abs() < 1e-10);
            assert_eq!((fit.rank_lo, fit.rank_hi, fit.n_points), (11, 500, 490));
            assert!((fit.r2.unwrap() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn invalid_fits_say_why() {
        let values: Vec<f64> = (1..=100).map(|n| (n as f64).powf(-1.0)).collect();
        let req = FitRequest::default();
        let fit = fit_alpha(&values, 30, 100, &req);
        assert!(!fit.valid && fit.reason.unwrap().contains("exceeds N − 1 = 29"));
        let fit = fit_alpha(&values, 1000, 40, &req);
        assert!(fit.reason.unwrap().contains("numerical rank r = 40"));
        let mut with_zero = values.clone();
        with_zero[20] = 0.0;
        assert!(fit_alpha(&with_zero, 1000, 100, &req).reason.unwrap().contains("λ_21"));
        // D = 20 caps n_hi at 10, below n_lo + 1 = 12.
        let fit = fit_alpha(&values[..20], 1000, 20, &req);
        assert_eq!(
            fit.reason.as_deref(),
            Some("n_hi is capped at ⌊D/2⌋ = 10 (D = 20), below n_lo + 1 = 12; choose n_lo ≤ 9")
        );
        assert_eq!(fit.label, format!("none ({})", fit.reason.unwrap()));
    }

    #[test]
    fn labels_and_messages_name_the_real_problem() {
        let values: Vec<f64> = (1..=256).map(|n| 2.0 * (n as f64).powf(-2.5)).collect();
        let fit = fit_alpha(&values, 540, 256, &FitRequest::default());
        assert_eq!(fit.label, "2.500 (stringer, n = 11…128)");
        let ols = FitRequest { estimator: Estimator::Ols, lo: 11, hi: 100 };
        assert_eq!(fit_alpha(&values, 540, 256, &ols).label, "2.500 (ols, n = 11…100)");
        // n_lo = 0 says that ranks start at 1, not "fewer than 2 points".
        let zero = FitRequest { lo: 0, ..FitRequest::default() };
        assert_eq!(
            fit_alpha(&values, 540, 256, &zero).label,
            "none (n_lo = 0: ranks are 1-based, so n_lo must be ≥ 1)"
        );
        // D = 1 never prints the range "11…0".
        let one = fit_alpha(&[1.0], 540, 1, &FitRequest::default());
        assert_eq!(
            one.label,
            "none (D = 1 unit(s): n_hi is capped at ⌊D/2⌋ = 0, which leaves fewer than 2 ranks to fit)"
        );
        assert!(!one.label.contains("…"));
        let reversed = FitRequest { lo: 50, hi: 20, ..FitRequest::default() };
        assert!(fit_alpha(&values, 540, 256, &reversed).label.contains("n_lo = 50 to n_hi = 20"));
    }

    #[test]
    fn presets_are_the_ranges_of_their_sources() {
        // reptrix get_alpha: 0-based np.arange(10, 100) is ranks 11…100; Stringer's MATLAB 11:500.
        assert_eq!(RangePreset::AlphaReq.bounds(), (11, 100));
        assert_eq!(RangePreset::Stringer.bounds(), (11, 500));
        for p in RangePreset::ALL {
            assert_eq!(p.name().parse::<RangePreset>(), Ok(p));
            assert!(p.source().contains(if p == RangePreset::Stringer { "11:500" } else { "np.arange(10, 100)" }));
        }
    }
}
