//! The analysis pipeline: rows → moments → eigenspectrum → summary and α, as one report.
//!
//! Split in two so that the expensive part runs once: [`accumulate`] streams the rows into
//! [`Moments`] (this is what workers do, each on its share of rows, merged afterwards), and
//! [`spectrum_report`] turns moments into the report. Refitting α with another estimator or
//! range needs only the report ([`refit`]).
//!
//! Where the stored type rounds (f16, bf16, integers), [`accumulate_stored`] also measures the
//! rounding noise in the same pass ([`crate::stats::precision`]) and [`report_from`] puts its
//! floor in the report; [`analyze_opened`] does both for an opened file.
//!
//! Preprocessing ([`Preprocess`]):
//! - `standardize`: the spectrum of the correlation matrix R = S C S, S = diag(1/√C_jj), from
//!   the same moments (units z-scored); constant units (C_jj = 0) are left at 0.
//! - `remove_top = k`: the top k eigenvalues are dropped from the fit, the figures and the
//!   summary numbers, and the rest renumbered from 1 (numerical rank r − k). This is what
//!   projecting out the data's own top k principal components does. It is NOT Stringer et al.'s
//!   removal of spontaneous PCs, which projects out the top PCs of *other* data (spontaneous
//!   activity) before the stimulus spectrum is computed; eigenlens has no second file for that.
//! - `centre_positions`: for a 3-D [S, T, H] tensor read as rows s·T + t, each position's mean
//!   over sequences μ_t is subtracted from its rows (the position's own signal: a BOS-like
//!   offset, positional embeddings), and the spectrum is of the pooled within-position covariance
//!   C_w = W / (N − T'), W = Σ_t Σ_s (x_st − μ_t)(x_st − μ_t)ᵀ, T' the positions present. It is
//!   computed in the same single pass from per-position sums ([`PositionSums`]) by the analysis-
//!   of-variance identity W = M − Σ_t n_t (μ_t − μ)(μ_t − μ)ᵀ, M the scatter about the global
//!   mean μ (exact for any n_t, so row ranges that cut a sequence are right). Not with
//!   `drop_nonfinite` (a dropped row would shift every later row's position).

use crate::error::{DataError, Error, Result};
use crate::linalg::eigen::eigenvalues_desc;
use crate::read::{ArrayInfo, Opened, Progress, RowBlocks};
use crate::stats::diagnostics::{fit_diagnostics, FitDiagnostics};
use crate::stats::precision::{PrecisionFloor, RoundingNoise};
use crate::stats::spectrum::significant;
use crate::stats::{fit_alpha, FitRequest, Moments, SpectrumSummary};
use serde::{Deserialize, Serialize};

pub use crate::limits::MAX_UNITS;

/// Settings of one analysis.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    pub fit: FitRequest,
    /// Drop rows holding NaN or ±Inf (and report how many) instead of stopping with an error.
    pub drop_nonfinite: bool,
}

/// Preprocessing of the spectrum (see the module docs). Kept apart from [`Options`] so that the
/// callers that build `Options` field by field keep compiling; the page's options object can
/// carry it flattened (`standardize`, `remove_top`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Preprocess {
    /// The correlation matrix (z-scored units) instead of the covariance.
    pub standardize: bool,
    /// Drop the top k eigenvalues from the fit, figures and summary.
    pub remove_top: usize,
    /// Subtract each position's mean over sequences (3-D [S, T, H] tensors only).
    pub centre_positions: bool,
}

/// Per-position row counts and sums of a 3-D tensor's rows (position = row index mod T), for
/// [`Preprocess::centre_positions`]. Shares of rows merge by addition.
#[derive(Debug, Clone, PartialEq)]
pub struct PositionSums {
    t_len: usize,
    d: usize,
    /// The position of the next row seen.
    next: usize,
    counts: Vec<u64>,
    /// Row-major T × D.
    sums: Vec<f64>,
}

impl PositionSums {
    /// Sums for rows of `d` units in sequences of `t_len` rows, the first row seen being row
    /// `first_row` of the matrix as read.
    pub fn new(t_len: usize, d: usize, first_row: u64) -> Result<PositionSums> {
        if t_len == 0 {
            return Err(Error::Setting("centre_positions needs sequences of at least one row".into()));
        }
        let values = t_len.checked_mul(d).filter(|v| *v as u64 <= crate::limits::DEFAULT_MEMORY_LIMIT);
        let values = values.ok_or_else(|| {
            Error::Setting(format!("centre_positions: T × D = {t_len} × {d} position means are more than can be held"))
        })?;
        let next = (first_row % t_len as u64) as usize;
        Ok(PositionSums { t_len, d, next, counts: vec![0; t_len], sums: vec![0.0; values] })
    }

    /// Adds `n` consecutive rows (row-major).
    pub fn add_block(&mut self, block: &[f64], n: usize) {
        for row in block[..n * self.d].chunks_exact(self.d) {
            let t = self.next;
            self.counts[t] += 1;
            for (s, x) in self.sums[t * self.d..(t + 1) * self.d].iter_mut().zip(row) {
                *s += x;
            }
            self.next = (t + 1) % self.t_len;
        }
    }

    /// Adds another share of rows of the same tensor.
    pub fn merge(&mut self, other: &PositionSums) -> Result<()> {
        if (other.t_len, other.d) != (self.t_len, self.d) {
            return Err(Error::Setting(format!(
                "cannot merge position sums of T = {}, D = {} into T = {}, D = {}",
                other.t_len, other.d, self.t_len, self.d
            )));
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            *a += b;
        }
        Ok(())
    }

    /// Turns the covariance `cov` (D × D, M/(n − 1) about the global `mean`, from `n` rows)
    /// into the pooled within-position covariance W/(n − T') (see the module docs).
    fn centre(&self, cov: &mut [f64], mean: &[f64], n: u64) -> Result<()> {
        let d = self.d;
        let present: Vec<usize> = (0..self.t_len).filter(|t| self.counts[*t] > 0).collect();
        let dof = n.saturating_sub(present.len() as u64);
        if dof < 1 {
            return Err(DataError::TooFewRows { rows: dof }.into());
        }
        // G: D × T', column t = √n_t (μ_t − μ); the between-position scatter is G Gᵀ.
        let mut g = Vec::with_capacity(d * present.len());
        for &t in &present {
            let c = self.counts[t] as f64;
            let sums = &self.sums[t * d..(t + 1) * d];
            g.extend(sums.iter().zip(mean).map(|(s, m)| c.sqrt() * (s / c - m)));
        }
        let g = crate::linalg::Mat::from_col_major(d, present.len(), g);
        let between = g.matmul(&g.transpose());
        let scale = (n - 1) as f64;
        for i in 0..d {
            for j in 0..d {
                cov[i * d + j] = (cov[i * d + j] * scale - between[(i, j)]) / dof as f64;
            }
        }
        Ok(())
    }
}

/// Moments of all rows read, and what was left out.
#[derive(Debug, Clone)]
pub struct Accumulated {
    pub moments: Moments,
    pub rows_dropped: u64,
}

impl Accumulated {
    /// Adds another share of rows of the same matrix (a worker's or a thread's): moments by the
    /// Chan update, dropped rows by count.
    pub fn merge(&mut self, other: &Accumulated) -> Result<()> {
        self.moments.merge(&other.moments)?;
        self.rows_dropped += other.rows_dropped;
        Ok(())
    }
}

/// Refuses a width that cannot be analysed, before anything D × D is allocated: a header can
/// claim any shape.
pub fn check_units(d: usize) -> Result<()> {
    if d == 0 {
        return Err(DataError::NoColumns.into());
    }
    if d > MAX_UNITS {
        return Err(DataError::TooManyColumns { cols: d, limit: MAX_UNITS }.into());
    }
    Ok(())
}

/// Streams every block of `rows` into moments. `on_block` is told the progress after each
/// block and returns false to cancel (which ends with [`Error::Cancelled`]).
pub fn accumulate(
    rows: &mut dyn RowBlocks,
    drop_nonfinite: bool,
    on_block: &mut dyn FnMut(Progress, u64) -> bool,
) -> Result<Accumulated> {
    accumulate_with(rows, drop_nonfinite, &mut |_, _| {}, on_block)
}

/// [`accumulate`], also showing each block of finite rows (row-major, `n` rows) to `see`
/// before it is centred: for analyses that count something per row in the same pass.
pub fn accumulate_with(
    rows: &mut dyn RowBlocks,
    drop_nonfinite: bool,
    see: &mut dyn FnMut(&[f64], usize),
    on_block: &mut dyn FnMut(Progress, u64) -> bool,
) -> Result<Accumulated> {
    let d = rows.cols();
    check_units(d)?;
    if let Some(n) = rows.rows_hint().filter(|n| *n < 2) {
        return Err(DataError::TooFewRows { rows: n }.into());
    }
    let mut moments = Moments::new(d);
    let mut block = Vec::new();
    let mut rows_dropped = 0u64;
    loop {
        let first = rows.position();
        let n = rows.next_block(&mut block)?;
        if n == 0 {
            break;
        }
        let kept = keep_finite_rows(&mut block, n, d, first, drop_nonfinite)?;
        rows_dropped += (n - kept) as u64;
        see(&block[..kept * d], kept);
        moments.add_block(&mut block, kept);
        if !on_block(rows.progress(), moments.count() + rows_dropped) {
            return Err(Error::Cancelled);
        }
    }
    Ok(Accumulated { moments, rows_dropped })
}

/// [`accumulate`], also measuring the rounding noise of the stored type `dtype` (an
/// [`ArrayInfo`] dtype name) in the same pass: `None` for types that do not round (f32, f64,
/// bool, text). Shares of rows merge with [`Accumulated::merge`] and [`RoundingNoise::merge`].
pub fn accumulate_stored(
    rows: &mut dyn RowBlocks,
    dtype: &str,
    drop_nonfinite: bool,
    on_block: &mut dyn FnMut(Progress, u64) -> bool,
) -> Result<(Accumulated, Option<RoundingNoise>)> {
    let share = accumulate_share(rows, dtype, drop_nonfinite, None, on_block)?;
    Ok((share.acc, share.rounding))
}

/// [`accumulate_stored`], also summing each position's rows when `positions` is given (for
/// [`Preprocess::centre_positions`]; see [`position_sums_for`]).
pub fn accumulate_share(
    rows: &mut dyn RowBlocks,
    dtype: &str,
    drop_nonfinite: bool,
    mut positions: Option<PositionSums>,
    on_block: &mut dyn FnMut(Progress, u64) -> bool,
) -> Result<Share> {
    check_units(rows.cols())?;
    if positions.is_some() && drop_nonfinite {
        return Err(Error::Setting(
            "centre_positions cannot be combined with drop_nonfinite: a dropped row would shift the position of \
             every row after it"
                .into(),
        ));
    }
    let mut rounding = RoundingNoise::for_dtype(dtype, rows.cols());
    let acc = if rounding.is_none() && positions.is_none() {
        accumulate(rows, drop_nonfinite, on_block)?
    } else {
        let mut see = |block: &[f64], n: usize| {
            if let Some(r) = rounding.as_mut() {
                r.add_block(block, n);
            }
            if let Some(p) = positions.as_mut() {
                p.add_block(block, n);
            }
        };
        accumulate_with(rows, drop_nonfinite, &mut see, on_block)?
    };
    Ok(Share { acc, rounding, positions })
}

/// The position sums `pre` asks for, for the rows of `info` that `rows` will deliver: none
/// without `centre_positions`; an error when the array is not a 3-D [S, T, H] tensor.
pub fn position_sums_for(info: &ArrayInfo, rows: &dyn RowBlocks, pre: &Preprocess) -> Result<Option<PositionSums>> {
    if !pre.centre_positions {
        return Ok(None);
    }
    match info.sequence_len.and_then(|t| usize::try_from(t).ok()) {
        Some(t) => Ok(Some(PositionSums::new(t, rows.cols(), rows.position())?)),
        None => Err(Error::Setting(format!(
            "centre_positions applies to a 3-D [S, T, H] tensor (each position's mean over sequences is \
             subtracted); '{}' is read as a matrix of shape {:?}",
            info.name, info.shape
        ))),
    }
}

/// Checks a block for NaN/±Inf. With `drop`, compacts the finite rows to the front and
/// returns their count; otherwise fails at the first one, naming its row and column.
pub(crate) fn keep_finite_rows(block: &mut [f64], n: usize, d: usize, first_row: u64, drop: bool) -> Result<usize> {
    let mut kept = 0;
    for i in 0..n {
        let row = &block[i * d..(i + 1) * d];
        if let Some(col) = row.iter().position(|v| !v.is_finite()) {
            if !drop {
                return Err(DataError::NonFinite { row: first_row + i as u64, col: col as u64, value: row[col] }.into());
            }
            continue;
        }
        if kept != i {
            block.copy_within(i * d..(i + 1) * d, kept * d);
        }
        kept += 1;
    }
    Ok(kept)
}

/// Everything eigenlens reports about one matrix (the CLI's `--json`, the page's table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source: Option<ArrayInfo>,
    pub n_rows: u64,
    pub n_cols: usize,
    pub n_dropped_rows: u64,
    pub total_variance: f64,
    pub numerical_rank: usize,
    pub n_constant_columns: usize,
    pub participation_ratio: f64,
    pub effective_rank: f64,
    pub k90: usize,
    pub alpha_fit: crate::stats::AlphaFit,
    /// Local slope, α over a grid of ranges, a suggested range and the curvature test.
    #[serde(default)]
    pub fit_diagnostics: FitDiagnostics,
    /// The eigenvalue floor of f16/bf16/integer storage (none for f32, f64 and text).
    #[serde(default)]
    pub precision_floor: Option<PrecisionFloor>,
    /// What was done to the matrix before its spectrum was read.
    #[serde(default)]
    pub preprocessing: Preprocessing,
    /// Caveats that apply to this matrix (METHODS.md, "Pitfalls").
    pub warnings: Vec<String>,
    /// The eigenvalues of the covariance (or correlation) matrix, descending; without the
    /// `preprocessing.removed_eigenvalues`. Only the top k on the top-k path ([`top_k_report`]).
    pub eigenvalues: Vec<f64>,
    /// Present when only the top k eigenvalues were computed (C never formed): passes,
    /// residuals, the exact trace and the bounds that replace PR, effective rank and k90.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_k: Option<TopKInfo>,
}

impl Report {
    /// What [`crate::stats::compare::compare`] needs of this report, under the name `name`.
    pub fn layer<'a>(&'a self, name: &'a str) -> crate::stats::compare::LayerSpectrum<'a> {
        crate::stats::compare::LayerSpectrum {
            name,
            n_rows: self.n_rows,
            n_cols: self.n_cols,
            numerical_rank: self.numerical_rank,
            eigenvalues: &self.eigenvalues,
        }
    }
}

/// The preprocessing applied (key `preprocessing`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Preprocessing {
    /// The spectrum is of the correlation matrix (units z-scored).
    pub standardized: bool,
    /// How many top eigenvalues were removed.
    pub removed_top: usize,
    /// The eigenvalues removed, descending (λ₁ … λ_k of the full spectrum).
    pub removed_eigenvalues: Vec<f64>,
    /// Each position's mean over sequences was subtracted (the pooled within-position covariance).
    #[serde(default)]
    pub positions_centred: bool,
}

/// Eigenspectrum, summary and α from accumulated moments, with the default preprocessing and
/// no precision floor (the type is not known here): [`report_from`] with `fit`.
pub fn spectrum_report(acc: Accumulated, fit: &FitRequest) -> Result<Report> {
    report_from(acc, None, fit, &Preprocess::default())
}

/// Eigenspectrum, summary, α, diagnostics and warnings from accumulated moments and, when the
/// stored type rounds, its rounding noise.
pub fn report_from(
    acc: Accumulated,
    rounding: Option<&RoundingNoise>,
    fit: &FitRequest,
    pre: &Preprocess,
) -> Result<Report> {
    report_with(acc, rounding, None, fit, pre)
}

/// [`report_from`] for a share of rows read with [`accumulate_share`]: its rounding noise and,
/// with `pre.centre_positions`, its position sums.
pub fn report_from_share(share: Share, fit: &FitRequest, pre: &Preprocess) -> Result<Report> {
    report_with(share.acc, share.rounding.as_ref(), share.positions.as_ref(), fit, pre)
}

fn report_with(
    acc: Accumulated,
    rounding: Option<&RoundingNoise>,
    positions: Option<&PositionSums>,
    fit: &FitRequest,
    pre: &Preprocess,
) -> Result<Report> {
    let m = acc.moments;
    let (n, d) = (m.count(), m.dim());
    if d == 0 {
        return Err(DataError::NoColumns.into());
    }
    if pre.remove_top >= d {
        return Err(Error::Setting(format!(
            "remove_top = {} would remove every eigenvalue (D = {d}); choose fewer than {d}",
            pre.remove_top
        )));
    }
    let n_constant_columns = m.constant_columns();
    let mean = pre.centre_positions.then(|| m.mean().to_vec());
    let mut cov = m.into_covariance()?;
    match (pre.centre_positions, positions, mean) {
        (true, Some(p), Some(mean)) => p.centre(&mut cov, &mean, n)?,
        (true, _, _) => {
            return Err(Error::Setting(
                "centre_positions needs the rows' position sums (a 3-D [S, T, H] tensor read in one pass)".into(),
            ))
        }
        _ => {}
    }
    let unit_var: Vec<f64> = (0..d).map(|j| cov[j * d + j]).collect();
    if pre.standardize {
        let scale: Vec<f64> = unit_var.iter().map(|v| if *v > 0.0 { 1.0 / v.sqrt() } else { 0.0 }).collect();
        for i in 0..d {
            for j in 0..d {
                cov[i * d + j] *= scale[i] * scale[j];
            }
        }
    }
    let mut eigenvalues = eigenvalues_desc(&cov, d)?;
    drop(cov);
    let full_rank = SpectrumSummary::new(&eigenvalues, n).numerical_rank;
    let k = pre.remove_top;
    let removed_eigenvalues: Vec<f64> = eigenvalues.drain(..k).collect();
    let mut summary = SpectrumSummary::new(&eigenvalues, n);
    summary.numerical_rank = full_rank.saturating_sub(k);
    let precision_floor = rounding.and_then(|r| r.floor(&unit_var, n, pre.standardize));
    let mut report = Report {
        source: None,
        n_rows: n,
        n_cols: d,
        n_dropped_rows: acc.rows_dropped,
        total_variance: summary.total_variance,
        numerical_rank: summary.numerical_rank,
        n_constant_columns,
        participation_ratio: summary.participation_ratio,
        effective_rank: summary.effective_rank,
        k90: summary.k90,
        alpha_fit: fit_alpha(&[], n, 0, fit),
        fit_diagnostics: FitDiagnostics::default(),
        precision_floor,
        preprocessing: Preprocessing {
            standardized: pre.standardize,
            removed_top: k,
            removed_eigenvalues,
            positions_centred: pre.centre_positions,
        },
        warnings: Vec::new(),
        eigenvalues,
        top_k: None,
    };
    refit(&mut report, fit);
    Ok(report)
}

/// Refits α with another estimator or range, and recomputes what depends on it (diagnostics
/// and warnings), from the report alone: no file is read again.
pub fn refit(report: &mut Report, fit: &FitRequest) {
    let (n, rank) = (report.n_rows, report.numerical_rank);
    let values = &report.eigenvalues;
    report.alpha_fit = match &report.top_k {
        Some(_) => top_k_fit(values, report.n_cols, n, rank, fit),
        None => fit_alpha(values, n, rank, fit),
    };
    let f = &report.alpha_fit;
    let fitted = f.valid.then_some((f.rank_lo, f.rank_hi));
    // The suggestion stays where λ_n is at least 10 × the precision floor.
    let max_hi = match &report.precision_floor {
        Some(floor) => values.iter().take_while(|v| **v >= 10.0 * floor.value).count(),
        None => usize::MAX,
    };
    report.fit_diagnostics = fit_diagnostics(values, n, rank, fit, fitted, max_hi);
    report.warnings = pitfalls(report);
    if let Some(t) = &report.top_k {
        report.warnings.extend(t.notes.iter().cloned());
    }
}

/// The caveats of METHODS.md that apply to this report.
fn pitfalls(r: &Report) -> Vec<String> {
    let (n, d) = (r.n_rows, r.n_cols);
    let mut out = Vec::new();
    if n < 4 * d as u64 {
        out.push(format!(
            "N = {n} is not much larger than D = {d} (N/D = {}): the sample spectrum's tail falls \
             faster than the true one, which biases α upward; N ≥ 4D is safer.",
            significant(n as f64 / d as f64, 2)
        ));
    }
    if d as u64 > 4 * n {
        out.push(format!(
            "D = {d} units but only N = {n} rows: if the file stores units × samples (Suite2p writes \
             neurons × time), transpose it; as read, at most N − 1 = {} eigenvalues are non-zero.",
            n.saturating_sub(1)
        ));
    }
    if r.n_constant_columns > 0 {
        let c = r.n_constant_columns;
        out.push(if r.preprocessing.standardized {
            format!(
                "{c} constant unit(s) (dead neurons) have no variance to scale: left at 0, they add zero eigenvalues."
            )
        } else {
            format!("{c} constant unit(s) (dead neurons) add zero eigenvalues and lower the rank.")
        });
    }
    let k = r.preprocessing.removed_top;
    if k > 0 {
        out.push(format!(
            "The top {k} component(s) of this data were removed and the rest renumbered from 1 (α, figures and \
             summary are of λ_{}…λ_{d}). This projects out the data's own top PCs; Stringer et al. project out \
             the top PCs of spontaneous activity, other data, which this does not do.",
            k + 1
        ));
    }
    let f = &r.alpha_fit;
    if let (Some(floor), true) = (&r.precision_floor, f.valid) {
        let last = r.eigenvalues[f.rank_hi - 1];
        if last <= 10.0 * floor.value {
            let reach = r.eigenvalues.iter().take_while(|v| **v >= 10.0 * floor.value).count();
            out.push(format!(
                "Stored as {}: rounding adds noise of variance ulp²/12 per value, a floor at ≈ {:.2e} under the \
                 spectrum. The fit reaches λ_{} = {last:.2e}, within 10× of it, so its tail is partly rounding \
                 noise and α is pulled toward 0. {}",
                floor.dtype,
                floor.value,
                f.rank_hi,
                if reach > f.rank_lo {
                    format!(
                        "λ_n stays above 10× the floor up to n = {reach}; fit below that, or store activations in f32."
                    )
                } else {
                    "No rank of this fit range stays above 10× the floor; store activations in f32.".to_string()
                }
            ));
        }
    }
    let c = &r.fit_diagnostics.curvature;
    if c.flagged {
        let segments: Vec<String> = c.slopes.iter().map(|a| format!("{a:.2}")).collect();
        let breaks: Vec<String> = c.breaks.iter().map(|b| b.to_string()).collect();
        let mut causes = Vec::new();
        if c.flattening >= crate::stats::diagnostics::FLATTENING_THRESHOLD {
            causes.push(format!(
                "the slope falls by {:.0} %: a floor (measurement noise, storage precision) flattens a tail and \
                 pulls α toward 0; cross-validated PCA separates noise that is independent between repeats",
                c.flattening * 100.0
            ));
        }
        if c.steepening >= crate::stats::diagnostics::STEEPENING_THRESHOLD {
            causes.push(format!(
                "the slope rises by {:.0} %: finite N steepens a sample tail (N/D = {} here) and so does a code \
                 with a cutoff",
                c.steepening * 100.0,
                significant(n as f64 / d as f64, 2)
            ));
        }
        let suggestion = match &r.fit_diagnostics.suggested {
            Some(s) => format!(" The local slope is stable over n = {}…{} (α = {:.3} there).", s.lo, s.hi, s.alpha),
            None => String::new(),
        };
        out.push(format!(
            "Not one power law over n = {}…{}: a power law broken at n ≈ {} (slopes {}) fits with {:.0} % of \
             one power law's residual, and {}. α = {:.3} depends on the range.{suggestion}",
            f.rank_lo,
            f.rank_hi,
            breaks.join(", "),
            segments.join(" → "),
            c.rss_ratio.unwrap_or(1.0) * 100.0,
            causes.join("; "),
            f.alpha.unwrap_or(f64::NAN),
        ));
    }
    out
}

/// Reads and analyses a whole matrix in one call (the CLI and tests). The stored type is not
/// known here, so there is no precision floor: [`analyze_opened`] has it.
pub fn analyze(
    rows: &mut dyn RowBlocks,
    options: &Options,
    on_block: &mut dyn FnMut(Progress, u64) -> bool,
) -> Result<Report> {
    let acc = accumulate(rows, options.drop_nonfinite, on_block)?;
    report_from(acc, None, &options.fit, &Preprocess::default())
}

/// Reads and analyses an opened file: the report with its source and, for f16/bf16/integer
/// storage, the precision floor.
pub fn analyze_opened(
    opened: &mut Opened,
    options: &Options,
    pre: &Preprocess,
    on_block: &mut dyn FnMut(Progress, u64) -> bool,
) -> Result<Report> {
    let positions = position_sums_for(&opened.info, opened.rows.as_ref(), pre)?;
    let share =
        accumulate_share(opened.rows.as_mut(), &opened.info.dtype, options.drop_nonfinite, positions, on_block)?;
    let mut report = report_from_share(share, &options.fit, pre)?;
    report.source = Some(opened.info.clone());
    Ok(report)
}

/// One reader's share of a matrix: its moments and, when the stored type rounds (f16, bf16,
/// integers), the rounding noise of the same rows ([`accumulate_stored`]).
#[derive(Debug, Clone)]
pub struct Share {
    pub acc: Accumulated,
    pub rounding: Option<RoundingNoise>,
    /// Per-position sums, when the rows are to be centred per position. Not part of the flat
    /// form: the page reads such a tensor with one worker.
    pub positions: Option<PositionSums>,
}

impl Share {
    /// Merges shares of one matrix in the order given: moments by the Chan update, rounding
    /// noise by [`RoundingNoise::merge`] (present in every share or in none).
    pub fn merge_all(parts: impl IntoIterator<Item = Share>) -> Result<Share> {
        let mut parts = parts.into_iter();
        let mut total = parts.next().ok_or(DataError::TooFewRows { rows: 0 })?;
        for part in parts {
            total.acc.merge(&part.acc)?;
            match (total.rounding.as_mut(), part.rounding.as_ref()) {
                (Some(a), Some(b)) => a.merge(b)?,
                (None, None) => {}
                _ => return Err(Error::Setting("shares disagree on whether the stored type rounds".into())),
            }
            match (total.positions.as_mut(), part.positions.as_ref()) {
                (Some(a), Some(b)) => a.merge(b)?,
                (None, None) => {}
                _ => return Err(Error::Setting("shares disagree on whether positions are centred".into())),
            }
        }
        Ok(total)
    }

    /// `[...Accumulated::to_flat, ...RoundingNoise::to_flat]` (the second part only when the
    /// type rounds): one array a worker can transfer.
    pub fn to_flat(&self) -> Vec<f64> {
        let mut flat = self.acc.to_flat();
        if let Some(r) = &self.rounding {
            flat.extend(r.to_flat());
        }
        flat
    }

    /// Reads what [`to_flat`](Self::to_flat) wrote for an array stored as `dtype`: the moments'
    /// length follows from their D; whatever follows is the rounding noise, which `dtype` must have.
    pub fn from_flat(v: &[f64], dtype: &str) -> Result<Share> {
        let d = match v.get(1) {
            Some(&d) if (0.0..=MAX_UNITS as f64).contains(&d) && d.fract() == 0.0 => d as usize,
            _ => return Accumulated::from_flat(v).map(|acc| Share { acc, rounding: None, positions: None }),
        };
        let len = (1 + 2 + 3 * d + d * (d + 1) / 2).min(v.len());
        let (moments, rest) = v.split_at(len);
        let acc = Accumulated::from_flat(moments)?;
        let rounding = match (RoundingNoise::for_dtype(dtype, d), rest.is_empty()) {
            (None, true) => None,
            (Some(_), false) => Some(RoundingNoise::from_flat(dtype, d, rest)?),
            _ => {
                return Err(Error::Setting(format!(
                "malformed share of partial moments: {} values after the moments of D = {d} for stored type {dtype}",
                rest.len()
            )))
            }
        };
        Ok(Share { acc, rounding, positions: None })
    }
}

/// Merging parallel readers' shares, and the flat form in which a Web Worker hands its share
/// to another (`[rows dropped, ...Moments::to_flat]`).
impl Accumulated {
    /// Merges the shares of one matrix (the page's workers', the CLI's threads'), in the order
    /// given: moments by the Chan update, dropped rows by count. No shares is no rows.
    pub fn merge_all(parts: impl IntoIterator<Item = Accumulated>) -> Result<Accumulated> {
        let mut parts = parts.into_iter();
        let mut total = parts.next().ok_or(DataError::TooFewRows { rows: 0 })?;
        for part in parts {
            total.merge(&part)?;
        }
        Ok(total)
    }

    /// `[rows dropped, ...Moments::to_flat]`: one array that a worker can transfer.
    pub fn to_flat(&self) -> Vec<f64> {
        let mut flat = vec![self.rows_dropped as f64];
        flat.extend(self.moments.to_flat());
        flat
    }

    /// Reads what [`to_flat`](Self::to_flat) wrote; a malformed array is an error, not a panic.
    pub fn from_flat(v: &[f64]) -> Result<Accumulated> {
        match v.split_first() {
            Some((&dropped, moments)) if dropped >= 0.0 && dropped.fract() == 0.0 && dropped < 2f64.powi(53) => {
                Ok(Accumulated { moments: Moments::from_flat(moments)?, rows_dropped: dropped as u64 })
            }
            _ => Err(Error::Setting(format!("malformed partial moments ({} values)", v.len()))),
        }
    }
}

/// An interval that holds a number not computed exactly (key `{low, high}`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bounds<T> {
    pub low: T,
    pub high: T,
}

impl<T: PartialOrd + Copy> Bounds<T> {
    /// Whether `x` lies in [low, high].
    pub fn contains(&self, x: T) -> bool {
        self.low <= x && x <= self.high
    }
}

/// What replaces PR, effective rank and k90 when only the top k eigenvalues are known
/// ([`top_k_bounds`]; METHODS.md, "Top-k spectra").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TopKBounds {
    pub participation_ratio: Bounds<f64>,
    pub effective_rank: Bounds<f64>,
    pub k90: Bounds<usize>,
}

/// How a top-k spectrum was computed and how far it can be trusted (key `top_k` of the report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopKInfo {
    /// k: the eigenvalues computed.
    pub top_k: usize,
    /// Passes over the rows, the first (moments, trace) included.
    pub passes: usize,
    /// Block size b = k + oversampling.
    pub block: usize,
    /// Columns of the final Krylov basis.
    pub basis: usize,
    /// The basis became an invariant subspace of C (the next block deflated to nothing, as when
    /// it outgrows rank C ≤ N − 1, or it reached D): each value is an eigenvalue up to its residual.
    pub invariant: bool,
    /// Thick restarts made to keep the basis within its bound (linalg::topk module docs).
    pub restarts: usize,
    /// Every error estimate met e_i ≤ tol · λ_i (tol · λ₁ for round-off-level λ_i).
    pub converged: bool,
    pub tol: f64,
    /// ‖C v_i − λ_i v_i‖ per eigenvalue, from the last pass.
    pub residuals: Vec<f64>,
    pub max_residual: f64,
    /// The solver's error estimates min(r_i, r_i²/δ_i) (δ_i: gap to the nearest other Ritz
    /// value outside its cluster), the quantity its stopping rule holds below tol·λ_i.
    pub error_estimates: Vec<f64>,
    /// Max over i of r_i / λ_i.
    pub max_relative_residual: f64,
    /// Σ_j C_jj, exact (first pass).
    pub trace: f64,
    /// trace − Σ_top λ (clamped at 0): the variance of the eigenvalues not computed.
    pub tail_variance: f64,
    /// At most this many of them are non-zero: min(D, N − 1) − k.
    pub tail_count: usize,
    pub bounds: TopKBounds,
    /// What the top-k path changes, in words (also among the report's warnings).
    pub notes: Vec<String>,
}

/// α on the top-k path: the fit range's n_hi is capped at k (and ⌊D/2⌋, as on the full path),
/// so that a range within the top k is fitted exactly as the full spectrum would be.
fn top_k_fit(values: &[f64], d: usize, n: u64, rank: usize, fit: &FitRequest) -> crate::stats::AlphaFit {
    let k = values.len();
    let request = FitRequest { hi: fit.hi.min(k), ..*fit };
    // fit_alpha caps n_hi at half the length of what it is given and reads only λ_lo…λ_hi:
    // pad to D (with λ_k; never read) so that the cap is ⌊D/2⌋ as on the full path.
    let mut padded = values.to_vec();
    padded.resize(d.max(k), values.last().copied().unwrap_or(0.0));
    fit_alpha(&padded, n, rank, &request)
}

/// Bounds on PR, effective rank and k90 from the top `values` (descending, k of them), the
/// exact `trace` and `tail_count` ≥ the number of non-zero eigenvalues not computed. Every
/// tail eigenvalue lies in [0, λ_k] and their sum is T = trace − Σ_top λ (METHODS.md, "Top-k
/// spectra", derives each interval).
pub fn top_k_bounds(values: &[f64], trace: f64, tail_count: usize) -> TopKBounds {
    let k = values.len();
    let lk = values.last().copied().unwrap_or(0.0).max(0.0);
    let top_sum: f64 = values.iter().sum();
    let t = (trace - top_sum).max(0.0);
    let m = tail_count as f64;
    let empty = tail_count == 0 || t == 0.0 || lk == 0.0;
    // Σ tail λ²: at least T²/m (equal spread), at most q·λ_k² + r² (q = ⌊T/λ_k⌋ at λ_k, one at r).
    let (q, r) = if empty { (0.0, 0.0) } else { ((t / lk).floor(), t - (t / lk).floor() * lk) };
    let sq_top: f64 = values.iter().map(|v| v * v).sum();
    let (sq_min, sq_max) = if empty { (0.0, 0.0) } else { (t * t / m, (q * lk * lk + r * r).max(t * t / m)) };
    let participation_ratio =
        Bounds { low: trace * trace / (sq_top + sq_max), high: trace * trace / (sq_top + sq_min) };
    // Effective rank: σ = √λ; B = Σ_top σ, A = Σ_top σ ln σ; x = Σ_tail σ ∈ [x_min, x_max];
    // H(x, h) = ln(B + x) − (A + x ln x − x h)/(B + x), h the tail's own entropy, in
    // [max(0, ln(x/√λ_k)), ln m].
    let sig: Vec<f64> = values.iter().filter(|v| **v > 0.0).map(|v| v.sqrt()).collect();
    let b: f64 = sig.iter().sum();
    let a: f64 = sig.iter().map(|s| s * s.ln()).sum();
    let xlx = |x: f64| if x > 0.0 { x * x.ln() } else { 0.0 };
    let entropy = |x: f64, h: f64| (b + x).ln() - (a + xlx(x) - x * h) / (b + x);
    let effective_rank = if empty || b == 0.0 {
        let e = entropy(0.0, 0.0).exp();
        Bounds { low: e, high: e }
    } else {
        let (x_min, x_max) = (q * lk.sqrt() + r.sqrt(), (m * t).sqrt().max(q * lk.sqrt() + r.sqrt()));
        let clamp = |x: f64| x.clamp(x_min, x_max);
        // With h = ln m, dH/dx ∝ A − B ln(x/m): largest at x* = m e^{A/B}.
        let hi = entropy(clamp(m * (a / b).exp()), m.ln());
        let h_low = |x: f64| if x > lk.sqrt() { (x / lk.sqrt()).ln() } else { 0.0 };
        // With h = ln(x/√λ_k) (x ≥ √λ_k), dH/dx ∝ B + x + A − B ln√λ_k: smallest at
        // x_c = B ln√λ_k − A − B; below √λ_k (h = 0) H is largest inside, smallest at an end.
        let xc = b * lk.sqrt().ln() - a - b;
        let mut candidates = vec![x_min, x_max, clamp(xc)];
        if lk.sqrt() > x_min && lk.sqrt() < x_max {
            candidates.push(lk.sqrt());
        }
        let lo = candidates.iter().map(|&x| entropy(x, h_low(x))).fold(f64::INFINITY, f64::min);
        Bounds { low: lo.exp(), high: hi.exp().max(lo.exp()) }
    };
    // k90: exact when the top k reach 90 % of the trace; otherwise the deficit D₉₀ = 0.9·trace −
    // Σ_top λ needs at least ⌈D₉₀/λ_k⌉ more (each ≤ λ_k) and at most ⌈D₉₀·m/T⌉ (the largest j
    // of the tail sum to at least j·T/m).
    let mut cum = 0.0;
    let reached = values.iter().position(|v| {
        cum += v;
        cum >= 0.9 * trace
    });
    let k90 = match reached {
        Some(j) => Bounds { low: j + 1, high: j + 1 },
        None if empty => Bounds { low: k, high: k },
        None => {
            let deficit = 0.9 * trace - top_sum;
            let low = k + (deficit / lk).ceil() as usize;
            let high = (k + (deficit * m / t).ceil() as usize).min(k + tail_count).max(low);
            Bounds { low, high }
        }
    };
    TopKBounds { participation_ratio, effective_rank, k90 }
}

/// The report of a top-k solution ([`crate::linalg::topk`]) of a matrix of `d` units: the top
/// k eigenvalues, α with n_hi capped at k, the exact trace as total variance, and for PR,
/// effective rank and k90 their LOW bounds (the intervals are in `top_k.bounds`, and the notes
/// say so). `numerical_rank` counts the top k above the rank threshold only.
pub fn top_k_report(sol: &crate::linalg::topk::Solution, d: usize, fit: &FitRequest) -> Report {
    let k = sol.values.len();
    let n = sol.n_rows;
    let tail_count = (d as u64).min(n.saturating_sub(1)).saturating_sub(k as u64) as usize;
    let bounds = top_k_bounds(&sol.values, sol.trace, tail_count);
    let tail_variance = (sol.trace - sol.values.iter().sum::<f64>()).max(0.0);
    let lambda1 = sol.values.first().copied().unwrap_or(0.0);
    let threshold = lambda1 * (n.max(d as u64) as f64) * f64::EPSILON;
    let rank = sol.values.iter().filter(|v| **v > threshold).count();
    let max_residual = sol.residuals.iter().copied().fold(0.0, f64::max);
    let max_relative_residual = sol.values.iter().zip(&sol.residuals).map(|(v, r)| r / v.abs()).fold(0.0, f64::max);
    let mut notes = vec![format!(
        "Top-k spectrum: only λ₁…λ_{k} of D = {d} were computed ({} passes over the rows, block {}, largest \
         residual ‖Cv − λv‖ = {max_residual:.2e}, {:.1e} of λ), C was never formed. The α fit range is capped at \
         n = {k}; participation ratio, effective rank and k90 are given as their lower bounds, the intervals \
         holding the true values are in top_k.bounds (from the top {k} and the exact trace).",
        sol.passes, sol.block, max_relative_residual
    )];
    if !sol.converged {
        notes.push(format!(
            "The top-k solver stopped at its pass cap before every error estimate fell below {:.0e} of its eigenvalue: \
             the values are approximate (see top_k.residuals); raise the pass cap or lower k.",
            sol.tol
        ));
    }
    let mut report = Report {
        source: None,
        n_rows: n,
        n_cols: d,
        n_dropped_rows: 0,
        total_variance: sol.trace,
        numerical_rank: rank,
        n_constant_columns: sol.n_constant_columns,
        participation_ratio: bounds.participation_ratio.low,
        effective_rank: bounds.effective_rank.low,
        k90: bounds.k90.low,
        alpha_fit: fit_alpha(&[], n, 0, fit),
        fit_diagnostics: FitDiagnostics::default(),
        precision_floor: None,
        preprocessing: Preprocessing::default(),
        warnings: Vec::new(),
        eigenvalues: sol.values.clone(),
        top_k: Some(TopKInfo {
            top_k: k,
            passes: sol.passes,
            block: sol.block,
            basis: sol.basis,
            invariant: sol.invariant,
            restarts: sol.restarts,
            converged: sol.converged,
            tol: sol.tol,
            residuals: sol.residuals.clone(),
            max_residual,
            error_estimates: sol.errors.clone(),
            max_relative_residual,
            trace: sol.trace,
            tail_variance,
            tail_count,
            bounds,
            notes,
        }),
    };
    refit(&mut report, fit);
    report
}

/// The top-k report of rows that can be read again: `open` gives a fresh reader of the same
/// rows for every pass; `on_pass` is told each pass's number and returns false to cancel.
pub fn analyze_top_k<'a>(
    open: &mut dyn FnMut() -> Result<Box<dyn RowBlocks + 'a>>,
    k: usize,
    settings: crate::linalg::topk::Settings,
    fit: &FitRequest,
    on_pass: &mut dyn FnMut(usize) -> bool,
) -> Result<Report> {
    let d = open()?.cols();
    let mut pass = 0;
    let sol = crate::linalg::topk::solve(d, k, settings, &mut |input, share| {
        if !on_pass(pass) {
            return Err(Error::Cancelled);
        }
        pass += 1;
        let mut rows = open()?;
        let mut block = Vec::new();
        loop {
            let n = rows.next_block(&mut block)?;
            if n == 0 {
                return Ok(());
            }
            share.add_rows(input, &block, n)?;
        }
    })?;
    Ok(top_k_report(&sol, d, fit))
}
