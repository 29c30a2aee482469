//! How neuron-aligned a code's principal axes are (METHODS.md, "Dimensionality"): a
//! polysemanticity indicator.
//!
//! For unit eigenvector vₙ, IPR_n = Σᵢ v_{ni}⁴ lies between 1/D (spread evenly over all units)
//! and 1 (one unit); 1/IPR_n is "units per axis". A random direction has E[IPR] = 3/(D + 2),
//! so axes near (D + 2)/3 units are fully mixed (the polysemantic regime) and axes far below
//! point at a privileged, neuron-aligned basis. Beside it, each unit's activity: the fraction
//! of rows where it is active (x > 0, as for ReLU units).

use crate::analysis;
use crate::error::Result;
use crate::read::{Progress, RowBlocks};
use crate::stats::eigen::eigen_desc;
use serde::{Deserialize, Serialize};

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
}

/// Inverse participation ratio Σ vᵢ⁴ of a unit vector.
pub fn ipr(v: impl Iterator<Item = f64>) -> f64 {
    v.map(|x| x * x * x * x).sum()
}

/// Streams `rows` once (moments and activity counts) and reports the top `top` axes.
pub fn axis_alignment(
    rows: &mut dyn RowBlocks,
    top: usize,
    progress: &mut dyn FnMut(Progress, u64) -> bool,
) -> Result<AlignmentReport> {
    let d = rows.cols();
    let mut active = vec![0u64; d];
    let mut count_active = |block: &[f64], _n: usize| {
        for row in block.chunks_exact(d) {
            for (a, x) in active.iter_mut().zip(row) {
                *a += u64::from(*x > 0.0);
            }
        }
    };
    let moments = analysis::accumulate_with(rows, false, &mut count_active, progress)?.moments;
    let n = moments.count();
    let cov = moments.covariance()?;
    let (values, vectors) = eigen_desc(&cov, d);
    let top = top.min(d);
    Ok(AlignmentReport {
        n_rows: n,
        n_cols: d,
        eigenvalues: values[..top].to_vec(),
        units_per_axis: (0..top).map(|k| 1.0 / ipr(vectors.column(k).iter().copied())).collect(),
        random_units_per_axis: (d as f64 + 2.0) / 3.0,
        active_fraction: active.iter().map(|a| *a as f64 / n as f64).collect(),
    })
}
