//! The analysis pipeline: rows → moments → eigenspectrum → summary and α, as one report.
//!
//! Split in two so that the expensive part runs once: [`accumulate`] streams the rows into
//! [`Moments`] (this is what workers do, each on its share of rows, merged afterwards), and
//! [`spectrum_report`] turns moments into the report. Refitting α with another estimator or
//! range needs only the eigenvalues ([`crate::stats::fit_alpha`]).

use crate::error::{DataError, Error, Result};
use crate::read::{ArrayInfo, Progress, RowBlocks};
use crate::stats::eigen::eigenvalues_desc;
use crate::stats::{fit_alpha, AlphaFit, FitRequest, Moments, SpectrumSummary};
use serde::{Deserialize, Serialize};

/// The most units analysed: the moments (D² f64) then take 2 GiB, half of a wasm memory.
pub const MAX_UNITS: usize = 16_384;

/// Settings of one analysis.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    pub fit: FitRequest,
    /// Drop rows holding NaN or ±Inf (and report how many) instead of stopping with an error.
    pub drop_nonfinite: bool,
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
    pub alpha_fit: AlphaFit,
    /// Caveats that apply to this matrix (METHODS.md, "Pitfalls").
    pub warnings: Vec<String>,
    /// All D eigenvalues of the covariance, descending.
    pub eigenvalues: Vec<f64>,
}

/// Eigenspectrum, summary and α from accumulated moments.
pub fn spectrum_report(acc: Accumulated, fit: &FitRequest) -> Result<Report> {
    let m = acc.moments;
    let (n, d) = (m.count(), m.dim());
    if d == 0 {
        return Err(DataError::NoColumns.into());
    }
    let n_constant_columns = m.constant_columns();
    let cov = m.into_covariance()?;
    let eigenvalues = eigenvalues_desc(&cov, d);
    drop(cov);
    let summary = SpectrumSummary::new(&eigenvalues, n);
    let alpha_fit = fit_alpha(&eigenvalues, n, summary.numerical_rank, fit);
    let warnings = pitfalls(n, d, n_constant_columns, &alpha_fit);
    Ok(Report {
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
        alpha_fit,
        warnings,
        eigenvalues,
    })
}

/// The caveats of METHODS.md that apply to a matrix of this shape and fit.
fn pitfalls(n: u64, d: usize, constant: usize, fit: &AlphaFit) -> Vec<String> {
    let mut out = Vec::new();
    if n < 4 * d as u64 {
        out.push(format!(
            "N = {n} is not much larger than D = {d} (N/D = {:.1}): the sample spectrum's tail falls \
             faster than the true one, which biases α upward; N ≥ 4D is safer.",
            n as f64 / d as f64
        ));
    }
    if constant > 0 {
        out.push(format!("{constant} constant unit(s) (dead neurons) add zero eigenvalues and lower the rank."));
    }
    if let Some(r2) = fit.r2 {
        if r2 < 0.95 {
            out.push(format!(
                "R² = {r2:.3}: the spectrum is not a clean power law over n = {}…{}; a noise floor \
                 flattens the tail (cross-validated PCA separates it).",
                fit.rank_lo, fit.rank_hi
            ));
        }
    }
    out
}

/// Reads and analyses a whole matrix in one call (the CLI and tests).
pub fn analyze(
    rows: &mut dyn RowBlocks,
    options: &Options,
    on_block: &mut dyn FnMut(Progress, u64) -> bool,
) -> Result<Report> {
    let acc = accumulate(rows, options.drop_nonfinite, on_block)?;
    spectrum_report(acc, &options.fit)
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
