//! The power-law exponent α of an eigenspectrum, λ_n ∝ n^(−α) (METHODS.md, "Power-law
//! exponent α").
//!
//! Fitted on log λ_n against log n over 1-based ranks `n_lo..=n_hi`, by weighted least
//! squares with weights 1/n (`stringer`, the field's reference, Stringer et al. 2019
//! `get_powerlaw`) or ordinary least squares (`ols`). A fit that the data cannot support is
//! returned as invalid with its reason, never as a number.

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

/// Named fit ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangePreset {
    /// n = 11 … 500 (Stringer et al. 2019).
    Stringer,
    /// n = 4 … 100 (α-ReQ, Agrawal et al. 2022).
    AlphaReq,
}

impl RangePreset {
    pub fn bounds(self) -> (usize, usize) {
        match self {
            RangePreset::Stringer => (11, 500),
            RangePreset::AlphaReq => (4, 100),
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
}

/// Fits α to the descending `values` of a matrix with `n_rows` rows and numerical rank `rank`.
pub fn fit_alpha(values: &[f64], n_rows: u64, rank: usize, request: &FitRequest) -> AlphaFit {
    let (lo, hi) = request.resolve(values.len());
    let mut fit = AlphaFit {
        estimator: request.estimator,
        rank_lo: lo,
        rank_hi: hi,
        valid: false,
        alpha: None,
        intercept: None,
        n_points: 0,
        r2: None,
        reason: None,
    };
    let invalid = |mut fit: AlphaFit, reason: String| {
        fit.reason = Some(reason);
        fit
    };
    if lo < 1 || hi < lo + 1 {
        return invalid(fit, format!("fewer than 2 points in the fit range n = {lo}…{hi}"));
    }
    if hi as u64 > n_rows.saturating_sub(1) {
        return invalid(
            fit,
            format!("n_hi = {hi} exceeds N − 1 = {}: too few rows for this range", n_rows.saturating_sub(1)),
        );
    }
    if hi > rank {
        return invalid(fit, format!("n_hi = {hi} exceeds the numerical rank r = {rank}: the tail is round-off"));
    }
    if let Some((i, v)) = values[lo - 1..hi].iter().enumerate().find(|(_, v)| **v <= 0.0) {
        return invalid(fit, format!("λ_{} = {v:e} ≤ 0 inside the fit range", lo + i));
    }
    let points: Vec<(f64, f64, f64)> = (lo..=hi)
        .map(|n| {
            let w = match request.estimator {
                Estimator::Stringer => 1.0 / n as f64,
                Estimator::Ols => 1.0,
            };
            ((n as f64).ln(), values[n - 1].ln(), w)
        })
        .collect();
    let (slope, intercept, r2) = weighted_line(&points);
    fit.valid = true;
    fit.alpha = Some(-slope);
    fit.intercept = Some(intercept);
    fit.n_points = points.len();
    fit.r2 = r2;
    fit
}

/// Weighted least-squares line through (x, y, w): (slope, intercept, R²).
fn weighted_line(points: &[(f64, f64, f64)]) -> (f64, f64, Option<f64>) {
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
        let fit = fit_alpha(&values[..20], 1000, 20, &req);
        assert!(fit.reason.unwrap().contains("fewer than 2 points"));
    }
}
