//! Fit-range diagnostics: whether one power law describes the spectrum over the range fitted,
//! and where it does (METHODS.md, "Power-law exponent α", fit-range diagnostics).
//!
//! **Local slope.** At rank n, s(n) = −(OLS slope of ln λ_m on ln m) over the ranks m in the
//! one-octave window [n/√2, n·√2] (at least 3 ranks, the whole window inside the usable ranks:
//! m ≤ min(D, N − 1, numerical rank) and λ_m > 0). Reported at n = round(2^(k/8)), eight
//! points per octave, n ≥ 4. For a power law s(n) = α everywhere; the window is the smoothing.
//!
//! **α over a grid of ranges.** The fit of [`fit_alpha`] (same estimator) over every
//! (n_lo, n_hi) with n_lo, n_hi on round(2^(k/4)) (four per octave), n_hi ≥ 2·n_lo, n_hi at
//! most the fit's own limits (⌊D/2⌋, N − 1, rank); invalid cells are left out.
//!
//! **Suggested range.** The first run (lowest ranks first), starting at or above the requested
//! n_lo, of consecutive local-slope points over which every s(n) lies within ±15 % of the run's
//! median (a clean Gaussian code at N = 2000 wobbles by ±10 % over n = 11 … 20, where an
//! octave holds few eigenvalues), extended as far as it stays so, and spanning at least one octave (n_b ≥ 2·n_a).
//! A run still stable at the last point inside the limits ends at the limit. Its end stays
//! within the fit's limits and, when a storage-precision floor is known, where
//! λ_n ≥ 10 × the floor. The first run is preferred over the longest because floors and finite
//! N distort the tail, not the head: a flat noise plateau is "stable" too. For the same reason,
//! when the curvature test flags a flattening, the search stops at the break where it begins.
//! Stable is not the same as clean: a spectrum bent by noise from the start has no clean range
//! to find.
//!
//! **Curvature test** (replaces the R² < 0.95 warning, which let α = 1 plus white noise fitted
//! at 0.60, R² = 0.994, pass). One power law against a broken one over the fitted range, in
//! the estimator's weights (1/n for `stringer`): a continuous piecewise-linear fit of ln λ on
//! ln n with two breaks (one when the range spans under three octaves; no test under two),
//! every segment at least one octave long and holding 3 ranks, the breaks searched on a grid of
//! ⅛ octave. With α_1, α_2, α_3 the segments' slopes in rank order:
//!
//! - flattening = max over i < j of (α_i − α_j)/α_i (a later segment shallower);
//! - steepening = max over i < j of (α_j − α_i)/α_i (a later segment steeper);
//! - flagged when the broken law at least halves the weighted residual sum of squares
//!   (RSS₂ ≤ 0.5·RSS₁) and flattening ≥ 0.2 or steepening ≥ 0.6.
//!
//! The thresholds are not from a distribution: neighbouring eigenvalues' residuals are strongly
//! correlated, so an F-test's p-value means nothing here (F ≈ 3000 for a clean power law). They
//! are calibrated on simulations (NumPy; Gaussian codes, weights 1/n, range 11 … min(500, D/2)):
//! a clean power law never flattens (max 0.04 over α ∈ {0.6 … 3}, N/D ∈ {2, 4}), because finite
//! N only steepens a sample tail, by up to 0.43 at N = 4D (α = 0.6) and 0.50 at N = 2D
//! (α = 0.8), hence the higher steepening threshold. α = 1 plus white noise of variance 0.01
//! and 0.03 (D = 500, N = 2000, fitted 0.60 and 0.38) flattens by 0.32 and 0.38; 0.003 (fitted
//! 0.82) by 0.13, under the threshold. What a flag does not say is why the spectrum bends:
//! a floor (noise, storage precision) flattens the tail; finite N and codes with a cutoff
//! steepen it.

use super::powerlaw::{fit_alpha, log_points, weighted_line, Estimator, FitRequest};
use serde::{Deserialize, Serialize};

/// Relative spread of the local slope allowed inside a suggested range.
pub const STABLE_TOLERANCE: f64 = 0.15;
/// A later segment this much shallower (relative) flags a flattening.
pub const FLATTENING_THRESHOLD: f64 = 0.2;
/// A later segment this much steeper (relative) flags a steepening.
pub const STEEPENING_THRESHOLD: f64 = 0.6;
/// The broken law must reduce the weighted residual sum of squares to at most this fraction.
pub const RSS_RATIO_THRESHOLD: f64 = 0.5;

/// Everything the page and the CLI show about the fit range (key `fit_diagnostics`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FitDiagnostics {
    /// Width of the local-slope window, in octaves (1: ranks n/√2 … n·√2).
    pub window_octaves: f64,
    pub local_slope: Vec<LocalSlope>,
    pub alpha_grid: Vec<GridCell>,
    pub suggested: Option<SuggestedRange>,
    /// Why there is no suggestion, when there is none.
    pub suggested_reason: Option<String>,
    pub curvature: Curvature,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LocalSlope {
    pub n: usize,
    /// −d ln λ / d ln n over the one-octave window around n.
    pub slope: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GridCell {
    pub lo: usize,
    pub hi: usize,
    pub alpha: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuggestedRange {
    pub lo: usize,
    pub hi: usize,
    /// α fitted over lo … hi with the requested estimator.
    pub alpha: f64,
    /// Median local slope over the run.
    pub median_slope: f64,
}

/// One power law against a broken one over the fitted range.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Curvature {
    pub tested: bool,
    /// Why it was not tested, when it was not.
    pub reason: Option<String>,
    /// Ranks of the fitted breaks (rounded), ascending.
    pub breaks: Vec<usize>,
    /// α of each segment, in rank order.
    pub slopes: Vec<f64>,
    /// RSS of the broken law / RSS of one power law (weighted, log-log).
    pub rss_ratio: Option<f64>,
    pub flattening: f64,
    pub steepening: f64,
    pub flagged: bool,
    /// "flattening", "steepening" or "flattening and steepening" when flagged.
    pub kind: Option<String>,
}

impl Curvature {
    /// Where a flagged flattening begins: the break before the first segment that is at least
    /// [`FLATTENING_THRESHOLD`] shallower than an earlier one.
    pub fn flattening_start(&self) -> Option<usize> {
        if !self.flagged || self.flattening < FLATTENING_THRESHOLD {
            return None;
        }
        let a = &self.slopes;
        let j = (1..a.len())
            .find(|&j| (0..j).any(|i| a[i].abs() > 1e-12 && (a[i] - a[j]) / a[i].abs() >= FLATTENING_THRESHOLD))?;
        self.breaks.get(j - 1).copied()
    }
}

/// Ranks usable for slopes: λ_m for m = 1 … the returned bound are > 0 and inside N − 1 and the
/// numerical rank.
fn usable_ranks(values: &[f64], n_rows: u64, rank: usize) -> usize {
    let positive = values.iter().take_while(|v| **v > 0.0).count();
    positive.min(rank).min(n_rows.saturating_sub(1).min(usize::MAX as u64) as usize)
}

/// round(2^(k/per_octave)) for k ≥ 0, deduplicated, from `from` up to `to` (inclusive).
fn log_grid(per_octave: u32, from: usize, to: usize) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    let mut k = 0u32;
    loop {
        let n = 2f64.powf(k as f64 / per_octave as f64).round() as usize;
        if n > to {
            break;
        }
        if n >= from && out.last() != Some(&n) {
            out.push(n);
        }
        k += 1;
    }
    out
}

/// The local slope s(n) at eight points per octave (see the module docs).
pub fn local_slopes(values: &[f64], n_rows: u64, rank: usize) -> Vec<LocalSlope> {
    let limit = usable_ranks(values, n_rows, rank);
    let half = std::f64::consts::SQRT_2;
    log_grid(8, 4, limit)
        .into_iter()
        .filter_map(|n| {
            let lo = ((n as f64 / half).ceil() as usize).max(1);
            let hi = (n as f64 * half).floor() as usize;
            if hi > limit || hi + 1 < lo + 3 {
                return None;
            }
            let points = log_points(values, lo, hi, Estimator::Ols);
            let (slope, _, _) = weighted_line(&points);
            Some(LocalSlope { n, slope: -slope })
        })
        .collect()
}

/// α over the grid of ranges (see the module docs).
pub fn alpha_grid(values: &[f64], n_rows: u64, rank: usize, estimator: Estimator) -> Vec<GridCell> {
    let cap = (values.len() / 2).min(usable_ranks(values, n_rows, rank));
    let grid = log_grid(4, 1, cap);
    let mut out = Vec::new();
    for (i, &lo) in grid.iter().enumerate() {
        for &hi in &grid[i + 1..] {
            if hi < 2 * lo {
                continue;
            }
            let fit = fit_alpha(values, n_rows, rank, &FitRequest { estimator, lo, hi });
            if let Some(alpha) = fit.alpha {
                out.push(GridCell { lo, hi, alpha });
            }
        }
    }
    out
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let m = values.len() / 2;
    if values.len() % 2 == 1 {
        values[m]
    } else {
        (values[m - 1] + values[m]) / 2.0
    }
}

/// The suggested range (see the module docs): the local slopes, the requested fit, and the
/// last rank the suggestion may reach. Err: why there is none.
pub fn suggest_range(
    slopes: &[LocalSlope],
    values: &[f64],
    n_rows: u64,
    rank: usize,
    request: &FitRequest,
    max_hi: usize,
) -> Result<SuggestedRange, String> {
    let cap = max_hi.min(values.len() / 2).min(usable_ranks(values, n_rows, rank));
    let points: Vec<&LocalSlope> = slopes.iter().filter(|s| s.n >= request.lo.max(1) && s.n <= cap).collect();
    let stable = |run: &[&LocalSlope]| {
        let mut v: Vec<f64> = run.iter().map(|s| s.slope).collect();
        let m = median(&mut v);
        let tol = STABLE_TOLERANCE * m.abs();
        (run.iter().all(|s| (s.slope - m).abs() <= tol), m)
    };
    for i in 0..points.len() {
        let mut end = i;
        while end + 1 < points.len() && stable(&points[i..=end + 1]).0 {
            end += 1;
        }
        // A run still stable at the last point inside the caps is cut by the caps, not by a
        // bend: it reaches the cap.
        let hi = if end + 1 == points.len() { cap } else { points[end].n };
        let lo = points[i].n;
        if hi >= 2 * lo {
            let (_, m) = stable(&points[i..=end]);
            let fit = fit_alpha(values, n_rows, rank, &FitRequest { estimator: request.estimator, lo, hi });
            if let Some(alpha) = fit.alpha {
                return Ok(SuggestedRange { lo, hi, alpha, median_slope: m });
            }
        }
    }
    Err(format!(
        "no run of one octave or more between n = {} and {cap} where the local slope stays within ±{:.0} % of its median",
        request.lo,
        STABLE_TOLERANCE * 100.0
    ))
}

/// Weighted least squares with a few columns: minimises Σ w (y − Σ_k b_k X_k)² by the normal
/// equations (Gaussian elimination with partial pivoting). Returns (b, RSS), or None when the
/// columns are (numerically) dependent.
fn small_wls(columns: &[Vec<f64>], y: &[f64], w: &[f64]) -> Option<(Vec<f64>, f64)> {
    let k = columns.len();
    let mut a = vec![0.0; k * (k + 1)];
    for r in 0..k {
        for c in 0..k {
            a[r * (k + 1) + c] = columns[r].iter().zip(&columns[c]).zip(w).map(|((p, q), w)| w * p * q).sum();
        }
        a[r * (k + 1) + k] = columns[r].iter().zip(y).zip(w).map(|((p, y), w)| w * p * y).sum();
    }
    for col in 0..k {
        let pivot = (col..k).max_by(|&i, &j| a[i * (k + 1) + col].abs().total_cmp(&a[j * (k + 1) + col].abs()))?;
        if a[pivot * (k + 1) + col].abs() < 1e-12 {
            return None;
        }
        for c in 0..=k {
            a.swap(col * (k + 1) + c, pivot * (k + 1) + c);
        }
        for r in 0..k {
            if r != col {
                let f = a[r * (k + 1) + col] / a[col * (k + 1) + col];
                for c in col..=k {
                    a[r * (k + 1) + c] -= f * a[col * (k + 1) + c];
                }
            }
        }
    }
    let b: Vec<f64> = (0..k).map(|r| a[r * (k + 1) + k] / a[r * (k + 1) + r]).collect();
    let rss = (0..y.len())
        .map(|i| {
            let fit: f64 = (0..k).map(|c| b[c] * columns[c][i]).sum();
            w[i] * (y[i] - fit).powi(2)
        })
        .sum();
    Some((b, rss))
}

/// The curvature test over ranks lo … hi of `values` (all > 0), in the weights of `estimator`.
pub fn curvature_test(values: &[f64], lo: usize, hi: usize, estimator: Estimator) -> Curvature {
    let not_tested = |reason: String| Curvature { reason: Some(reason), ..Curvature::default() };
    if lo < 1 || hi <= lo || hi > values.len() || values[lo - 1..hi].iter().any(|v| *v <= 0.0) {
        return not_tested(format!("no valid fit over n = {lo}…{hi} to test"));
    }
    let octave = std::f64::consts::LN_2;
    let (x_lo, x_hi) = ((lo as f64).ln(), (hi as f64).ln());
    let span = x_hi - x_lo;
    if span < 2.0 * octave {
        return not_tested(format!(
            "the range n = {lo}…{hi} spans less than two octaves: too short to test for a bend"
        ));
    }
    let n_breaks = if span < 3.0 * octave { 1 } else { 2 };
    let points = log_points(values, lo, hi, estimator);
    let x: Vec<f64> = points.iter().map(|p| p.0).collect();
    let y: Vec<f64> = points.iter().map(|p| p.1).collect();
    let w: Vec<f64> = points.iter().map(|p| p.2).collect();
    let ones = vec![1.0; x.len()];
    let Some((_, rss1)) = small_wls(&[ones.clone(), x.clone()], &y, &w) else {
        return not_tested("the single power law could not be fitted".into());
    };
    let step = octave / 8.0;
    let candidates: Vec<f64> =
        (0..).map(|k| x_lo + octave + k as f64 * step).take_while(|b| *b <= x_hi - octave + 1e-12).collect();
    let count_in = |a: f64, b: f64| x.iter().filter(|v| **v >= a - 1e-12 && **v <= b + 1e-12).count();
    let hinge = |b: f64| -> Vec<f64> { x.iter().map(|v| (v - b).max(0.0)).collect() };
    let mut best: Option<(f64, Vec<f64>, Vec<f64>)> = None;
    let mut consider = |breaks: Vec<f64>| {
        let mut edges = vec![x_lo];
        edges.extend(&breaks);
        edges.push(x_hi);
        if edges.windows(2).any(|e| e[1] - e[0] < octave - 1e-12 || count_in(e[0], e[1]) < 3) {
            return;
        }
        let mut columns = vec![ones.clone(), x.clone()];
        columns.extend(breaks.iter().map(|b| hinge(*b)));
        if let Some((b, rss)) = small_wls(&columns, &y, &w) {
            if best.as_ref().is_none_or(|(r, _, _)| rss < *r) {
                best = Some((rss, breaks, b));
            }
        }
    };
    for (i, &b1) in candidates.iter().enumerate() {
        if n_breaks == 1 {
            consider(vec![b1]);
        } else {
            for &b2 in &candidates[i + 1..] {
                consider(vec![b1, b2]);
            }
        }
    }
    let Some((rss2, breaks, coef)) = best else {
        return not_tested(format!("no break leaves every segment of n = {lo}…{hi} an octave long"));
    };
    // Segment slopes: d ln λ / d ln n = b₁, b₁ + b₂, b₁ + b₂ + b₃; α is minus that.
    let mut slopes = Vec::new();
    let mut s = coef[1];
    slopes.push(-s);
    for c in &coef[2..] {
        s += c;
        slopes.push(-s);
    }
    let mut flattening: f64 = 0.0;
    let mut steepening: f64 = 0.0;
    for i in 0..slopes.len() {
        if slopes[i].abs() < 1e-12 {
            continue;
        }
        for j in i + 1..slopes.len() {
            flattening = flattening.max((slopes[i] - slopes[j]) / slopes[i].abs());
            steepening = steepening.max((slopes[j] - slopes[i]) / slopes[i].abs());
        }
    }
    let rss_ratio = if rss1 > 1e-300 { rss2 / rss1 } else { 1.0 };
    let bent = rss_ratio <= RSS_RATIO_THRESHOLD;
    let (flat, steep) = (bent && flattening >= FLATTENING_THRESHOLD, bent && steepening >= STEEPENING_THRESHOLD);
    let kind = match (flat, steep) {
        (true, true) => Some("flattening and steepening".to_string()),
        (true, false) => Some("flattening".to_string()),
        (false, true) => Some("steepening".to_string()),
        (false, false) => None,
    };
    Curvature {
        tested: true,
        reason: None,
        breaks: breaks.iter().map(|b| b.exp().round() as usize).collect(),
        slopes,
        rss_ratio: Some(rss_ratio),
        flattening,
        steepening,
        flagged: flat || steep,
        kind,
    }
}

/// All diagnostics of one fit. `fit_lo`/`fit_hi` are the range actually fitted (the fit must
/// be valid for the curvature test); `max_hi` bounds the suggestion (a precision floor's reach).
pub fn fit_diagnostics(
    values: &[f64],
    n_rows: u64,
    rank: usize,
    request: &FitRequest,
    fitted: Option<(usize, usize)>,
    max_hi: usize,
) -> FitDiagnostics {
    let local_slope = local_slopes(values, n_rows, rank);
    let curvature = match fitted {
        Some((lo, hi)) => curvature_test(values, lo, hi, request.estimator),
        None => Curvature { reason: Some("the fit is invalid: nothing to test".into()), ..Curvature::default() },
    };
    // A flattening is what a floor does: nothing after it is suggested.
    let flattens_at = curvature.flattening_start();
    let cap = flattens_at.map_or(max_hi, |b| b.min(max_hi));
    let (suggested, suggested_reason) = match suggest_range(&local_slope, values, n_rows, rank, request, cap) {
        Ok(s) => (Some(s), None),
        Err(e) => match flattens_at {
            Some(b) => (None, Some(format!("{e} (the spectrum flattens from n ≈ {b}, so the search stops there)"))),
            None => (None, Some(e)),
        },
    };
    FitDiagnostics {
        window_octaves: 1.0,
        local_slope,
        alpha_grid: alpha_grid(values, n_rows, rank, request.estimator),
        suggested,
        suggested_reason,
        curvature,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exact_power_law_has_constant_local_slope_and_no_bend() {
        let values: Vec<f64> = (1..=1000).map(|n| (n as f64).powf(-1.3)).collect();
        let slopes = local_slopes(&values, 5000, 1000);
        assert_eq!(slopes.first().map(|s| s.n), Some(4));
        assert!(slopes.iter().all(|s| (s.slope - 1.3).abs() < 1e-9));
        // The last window must fit inside the 1000 ranks: n·√2 ≤ 1000.
        assert!(slopes.last().unwrap().n as f64 * std::f64::consts::SQRT_2 <= 1000.0);
        let c = curvature_test(&values, 11, 500, Estimator::Stringer);
        assert!(c.tested && !c.flagged && c.breaks.len() == 2);
        assert!(c.slopes.iter().all(|a| (a - 1.3).abs() < 1e-9));
        let req = FitRequest::default();
        let s = suggest_range(&slopes, &values, 5000, 1000, &req, usize::MAX).unwrap();
        assert_eq!((s.lo, s.hi), (11, 500));
        assert!((s.alpha - 1.3).abs() < 1e-9);
        let grid = alpha_grid(&values, 5000, 1000, Estimator::Ols);
        assert!(grid.iter().any(|c| (c.lo, c.hi) == (1, 2)) && grid.iter().all(|c| (c.alpha - 1.3).abs() < 1e-9));
        assert!(grid.iter().all(|c| c.hi >= 2 * c.lo && c.hi <= 500));
    }

    #[test]
    fn a_broken_power_law_is_found_where_it_breaks() {
        // Slope 1 up to n = 60, then 0.3 (a floor-like flattening): known breaks and slopes.
        let values: Vec<f64> = (1..=1000)
            .map(|n| if n <= 60 { 1.0 / n as f64 } else { (1.0 / 60.0) * (n as f64 / 60.0).powf(-0.3) })
            .collect();
        let c = curvature_test(&values, 11, 500, Estimator::Stringer);
        assert!(c.flagged, "{c:?}");
        assert_eq!(c.kind.as_deref(), Some("flattening"));
        assert!((c.flattening - 0.7).abs() < 0.02, "{c:?}");
        assert!(c.breaks.iter().any(|b| (55..=66).contains(b)), "{c:?}");
        let from = c.flattening_start().unwrap();
        assert!((55..=66).contains(&from), "{c:?}");
        // The suggestion stops where the flattening begins.
        let d = fit_diagnostics(&values, 5000, 1000, &FitRequest::default(), Some((11, 500)), usize::MAX);
        let s = d.suggested.unwrap();
        assert!(s.lo == 11 && s.hi <= from && (s.alpha - 1.0).abs() < 1e-9, "{s:?}");
        // Too short a range is not tested, and says so.
        let short = curvature_test(&values, 11, 40, Estimator::Stringer);
        assert!(!short.tested && short.reason.unwrap().contains("two octaves"));
    }
}
