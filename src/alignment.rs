//! How neuron-aligned a code's principal axes are (METHODS.md, "Dimensionality"): a
//! polysemanticity indicator.
//!
//! For unit eigenvector vₙ, IPR_n = Σᵢ v_{ni}⁴ lies between 1/D (spread evenly over all units)
//! and 1 (one unit); 1/IPR_n is "units per axis". A random direction has E[IPR] = 3/(D + 2),
//! so axes near (D + 2)/3 units are fully mixed (the polysemantic regime) and axes far below
//! point at a privileged, neuron-aligned basis.
//!
//! Beside it, each unit's activity: the fraction of rows where it is active, defined as
//! x > 0 (the ReLU convention; a unit exactly at 0, or negative, is inactive). It is counted
//! while the rows stream past ([`ActivityCounter`], fed per block, mergeable across workers),
//! so it costs no extra pass. The pieces compose: [`units_per_axis`] needs only eigenvectors,
//! [`alignment_report`] needs only moments and counts, and [`axis_alignment`] streams a file
//! through both.

use crate::analysis::{accumulate_with, check_units};
use crate::error::{DataError, Result};
use crate::linalg::eigen::eigen_desc;
use crate::linalg::Mat;
use crate::read::{Progress, RowBlocks};
use crate::stats::Moments;
use serde::{Deserialize, Serialize};

/// Bins of [`AlignmentReport::active_fraction_histogram`]: 20 bins of width 0.05 on [0, 1].
pub const ACTIVITY_BINS: usize = 20;

/// Units per axis for the top axes, the random baseline, and each unit's activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlignmentReport {
    pub n_rows: u64,
    pub n_cols: usize,
    /// Eigenvalues of the top axes, descending.
    pub eigenvalues: Vec<f64>,
    /// 1/IPR of each top axis.
    pub units_per_axis: Vec<f64>,
    /// (D + 2)/3: units per axis of a random direction.
    pub random_units_per_axis: f64,
    /// Per unit, the fraction of rows with x > 0.
    pub active_fraction: Vec<f64>,
    /// Units per bin of active fraction: [`ACTIVITY_BINS`] equal bins on [0, 1], bin k holding
    /// fractions in [k/B, (k + 1)/B) and the last bin also 1 (see [`fraction_histogram`]).
    #[serde(default)]
    pub active_fraction_histogram: Vec<u64>,
}

/// Inverse participation ratio Σ vᵢ⁴ of a unit vector.
pub fn ipr(v: impl Iterator<Item = f64>) -> f64 {
    v.map(|x| x * x * x * x).sum()
}

/// 1/IPR of the first `top` columns of `vectors` (unit eigenvectors as columns, descending).
pub fn units_per_axis(vectors: &Mat, top: usize) -> Vec<f64> {
    (0..top.min(vectors.cols())).map(|k| 1.0 / ipr(vectors.col(k).iter().copied())).collect()
}

/// Counts, per unit, the rows where it is active (x > 0), block by block.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityCounter {
    rows: u64,
    active: Vec<u64>,
}

impl ActivityCounter {
    pub fn new(d: usize) -> Self {
        ActivityCounter { rows: 0, active: vec![0; d] }
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Counts `n` rows of row-major `block` (values as read: before any centring).
    pub fn add_block(&mut self, block: &[f64], n: usize) {
        let d = self.active.len();
        if d == 0 {
            return;
        }
        for row in block[..n * d].chunks_exact(d) {
            for (a, x) in self.active.iter_mut().zip(row) {
                *a += u64::from(*x > 0.0);
            }
        }
        self.rows += n as u64;
    }

    /// Adds another worker's counts over other rows of the same matrix.
    pub fn merge(&mut self, other: &ActivityCounter) -> Result<()> {
        if other.active.len() != self.active.len() {
            return Err(DataError::ShapeMismatch {
                left: (self.rows, self.active.len()),
                right: (other.rows, other.active.len()),
            }
            .into());
        }
        self.active.iter_mut().zip(&other.active).for_each(|(a, b)| *a += b);
        self.rows += other.rows;
        Ok(())
    }

    /// Per unit, the fraction of rows with x > 0 (0 for every unit before any row).
    pub fn fractions(&self) -> Vec<f64> {
        let n = self.rows.max(1) as f64;
        self.active.iter().map(|a| *a as f64 / n).collect()
    }
}

/// Counts `fractions` (values in [0, 1]) into `bins` equal bins on [0, 1]; 1 falls in the last.
/// Values outside [0, 1] or NaN are not counted.
pub fn fraction_histogram(fractions: &[f64], bins: usize) -> Vec<u64> {
    let mut out = vec![0; bins];
    if bins == 0 {
        return out;
    }
    for &f in fractions {
        if (0.0..=1.0).contains(&f) {
            out[((f * bins as f64) as usize).min(bins - 1)] += 1;
        }
    }
    out
}

/// The report from streamed moments and activity counts of the same rows: one
/// eigendecomposition (D³), the top `top` axes.
pub fn alignment_report(moments: &Moments, activity: &ActivityCounter, top: usize) -> Result<AlignmentReport> {
    let d = moments.dim();
    let cov = moments.covariance()?;
    let (values, vectors) = eigen_desc(&cov, d)?;
    let top = top.min(d);
    let active_fraction = activity.fractions();
    Ok(AlignmentReport {
        n_rows: moments.count(),
        n_cols: d,
        eigenvalues: values[..top].to_vec(),
        units_per_axis: units_per_axis(&vectors, top),
        random_units_per_axis: (d as f64 + 2.0) / 3.0,
        active_fraction_histogram: fraction_histogram(&active_fraction, ACTIVITY_BINS),
        active_fraction,
    })
}

/// Streams `rows` once (moments and activity counts) and reports the top `top` axes.
pub fn axis_alignment(
    rows: &mut dyn RowBlocks,
    top: usize,
    progress: &mut dyn FnMut(Progress, u64) -> bool,
) -> Result<AlignmentReport> {
    // Refuse an impossible width before allocating the counts (accumulate_with checks again).
    let d = rows.cols();
    check_units(d)?;
    let mut activity = ActivityCounter::new(d);
    let acc = accumulate_with(rows, false, &mut |block, n| activity.add_block(block, n), progress)?;
    alignment_report(&acc.moments, &activity, top)
}
