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

/// α over the grid of ranges (see the module docs). Each cell is the estimator's weighted
/// line, from prefix sums (O(1) a cell; the same numbers as [`fit_alpha`] to round-off).
pub fn alpha_grid(values: &[f64], n_rows: u64, rank: usize, estimator: Estimator) -> Vec<GridCell> {
    let cap = (values.len() / 2).min(usable_ranks(values, n_rows, rank));
    if cap < 2 {
        return Vec::new();
    }
    let sums = Prefix::new(&log_points(values, 1, cap, estimator));
    let grid = log_grid(4, 1, cap);
    let mut out = Vec::new();
    for (i, &lo) in grid.iter().enumerate() {
        for &hi in &grid[i + 1..] {
            if hi >= 2 * lo {
                let s = sums.sum(lo - 1, hi);
                let slope = (s.wxy - s.wx * s.wy / s.w) / (s.wxx - s.wx * s.wx / s.w);
                out.push(GridCell { lo, hi, alpha: -slope });
            }
        }
    }
    out
}

/// Weighted sums over a run of points (x, y, w): Σw, Σwx, Σwy, Σwx², Σwxy, Σwy².
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    w: f64,
    wx: f64,
    wy: f64,
    wxx: f64,
    wxy: f64,
    wyy: f64,
}

/// Prefix sums of [`Sums`] over points centred on their weighted means (so that differences of
/// sums lose little to cancellation).
struct Prefix {
    cum: Vec<Sums>,
    /// The weighted means subtracted: (x̄, ȳ).
    centre: (f64, f64),
}

impl Prefix {
    fn new(points: &[(f64, f64, f64)]) -> Prefix {
        let sw: f64 = points.iter().map(|p| p.2).sum();
        let x0 = points.iter().map(|p| p.2 * p.0).sum::<f64>() / sw;
        let y0 = points.iter().map(|p| p.2 * p.1).sum::<f64>() / sw;
        let mut cum = Vec::with_capacity(points.len() + 1);
        let mut acc = Sums::default();
        cum.push(acc);
        for &(x, y, w) in points {
            let (x, y) = (x - x0, y - y0);
            acc.w += w;
            acc.wx += w * x;
            acc.wy += w * y;
            acc.wxx += w * x * x;
            acc.wxy += w * x * y;
            acc.wyy += w * y * y;
            cum.push(acc);
        }
        Prefix { cum, centre: (x0, y0) }
    }

    /// Sums over points a..b (0-based, b exclusive).
    fn sum(&self, a: usize, b: usize) -> Sums {
        let (p, q) = (self.cum[a], self.cum[b]);
        Sums {
            w: q.w - p.w,
            wx: q.wx - p.wx,
            wy: q.wy - p.wy,
            wxx: q.wxx - p.wxx,
            wxy: q.wxy - p.wxy,
            wyy: q.wyy - p.wyy,
        }
    }
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

/// Solves the k × k system G b = r (row-major G) by Gaussian elimination with partial
/// pivoting; None when G is (numerically) singular.
fn solve(mut g: Vec<f64>, mut r: Vec<f64>) -> Option<Vec<f64>> {
    let k = r.len();
    for col in 0..k {
        let pivot = (col..k).max_by(|&i, &j| g[i * k + col].abs().total_cmp(&g[j * k + col].abs()))?;
        if g[pivot * k + col].abs() < 1e-300 {
            return None;
        }
        for c in 0..k {
            g.swap(col * k + c, pivot * k + c);
        }
        r.swap(col, pivot);
        for row in 0..k {
            if row != col {
                let f = g[row * k + col] / g[col * k + col];
                for c in col..k {
                    g[row * k + c] -= f * g[col * k + c];
                }
                r[row] -= f * r[col];
            }
        }
    }
    Some((0..k).map(|i| r[i] / g[i * k + i]).collect())
}

/// The continuous piecewise-linear weighted fit of y on x with hinges at `breaks` (centred
/// coordinates, ascending), from prefix sums: columns 1, x, (x − b₁)₊, (x − b₂)₊ …
/// Returns (coefficients, RSS = Σwy² − bᵀXᵀWy).
fn hinge_fit(p: &Prefix, tails: &[(f64, Sums)]) -> Option<(Vec<f64>, f64)> {
    let all = p.sum(0, p.cum.len() - 1);
    let k = 2 + tails.len();
    let mut g = vec![0.0; k * k];
    let mut r = vec![0.0; k];
    g[0] = all.w;
    g[1] = all.wx;
    g[k] = all.wx;
    g[k + 1] = all.wxx;
    r[0] = all.wy;
    r[1] = all.wxy;
    for (i, (b, t)) in tails.iter().enumerate() {
        let c = 2 + i;
        g[c] = t.wx - b * t.w;
        g[k + c] = t.wxx - b * t.wx;
        r[c] = t.wxy - b * t.wy;
        // ⟨(x − a)₊, (x − b)₊⟩ for a ≤ b: sums over x > b.
        for (j, (a, _)) in tails[..=i].iter().enumerate() {
            g[(2 + j) * k + c] = t.wxx - (a + b) * t.wx + a * b * t.w;
        }
    }
    for row in 0..k {
        for col in 0..row {
            g[row * k + col] = g[col * k + row];
        }
    }
    let coef = solve(g, r.clone())?;
    let rss = all.wyy - coef.iter().zip(&r).map(|(c, r)| c * r).sum::<f64>();
    Some((coef, rss.max(0.0)))
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
    let prefix = Prefix::new(&points);
    let x0 = prefix.centre.0;
    let Some((_, rss1)) = hinge_fit(&prefix, &[]) else {
        return not_tested("the single power law could not be fitted".into());
    };
    let step = octave / 8.0;
    let candidates: Vec<f64> =
        (0..).map(|k| x_lo + octave + k as f64 * step).take_while(|b| *b <= x_hi - octave + 1e-12).collect();
    // Points at or left of a break (x ≤ b): the hinge is 0 there.
    let left_of = |b: f64| points.partition_point(|p| p.0 <= b + 1e-12);
    let mut best: Option<(f64, Vec<f64>, Vec<f64>)> = None;
    let mut consider = |breaks: &[f64]| {
        let mut edges = vec![x_lo];
        edges.extend(breaks);
        edges.push(x_hi);
        let counts: Vec<usize> = edges.windows(2).map(|e| left_of(e[1]) - left_of(e[0] - 1e-9)).collect();
        if edges.windows(2).any(|e| e[1] - e[0] < octave - 1e-12) || counts.iter().any(|c| *c < 3) {
            return;
        }
        let tails: Vec<(f64, Sums)> = breaks.iter().map(|b| (b - x0, prefix.sum(left_of(*b), points.len()))).collect();
        if let Some((coef, rss)) = hinge_fit(&prefix, &tails) {
            if best.as_ref().is_none_or(|(r, _, _)| rss < *r) {
                best = Some((rss, breaks.to_vec(), coef));
            }
        }
    };
    for (i, &b1) in candidates.iter().enumerate() {
        if n_breaks == 1 {
            consider(&[b1]);
        } else {
            for &b2 in &candidates[i + 1..] {
                consider(&[b1, b2]);
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
    fn grid_cells_from_prefix_sums_are_fit_alpha() {
        // A bumpy spectrum, so that ranges disagree: every cell must be fit_alpha's own number.
        let values: Vec<f64> = (1..=3000).map(|n| (n as f64).powf(-0.9) * (1.3 + (n as f64).sin())).collect();
        for estimator in [Estimator::Stringer, Estimator::Ols] {
            let grid = alpha_grid(&values, 10_000, 3000, estimator);
            assert!(grid.len() > 400);
            for c in grid {
                let want =
                    fit_alpha(&values, 10_000, 3000, &FitRequest { estimator, lo: c.lo, hi: c.hi }).alpha.unwrap();
                assert!((c.alpha - want).abs() < 1e-9, "{c:?} vs {want}");
            }
        }
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
