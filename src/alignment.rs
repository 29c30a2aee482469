//! Axes and units (METHODS.md, "Dimensionality"): how the principal axes sit on the units, and
//! whether the unit basis is privileged at all.
//!
//! **Units per axis.** For unit eigenvector vₙ, IPR_n = Σᵢ v_{ni}⁴ lies between 1/D (spread
//! evenly over all units) and 1 (one unit); 1/IPR_n is "units per axis", and a random direction
//! has E[IPR] = 3/(D + 2). It is a descriptive number, and only where the axis itself is defined
//! by the data: inside a (near-)degenerate eigenspace the eigenvectors are an arbitrary rotation,
//! so a perfectly monosemantic code with equal unit variances reads as many units per axis as a
//! random direction. An axis is reported only when its eigenvalue is separated from both
//! neighbours by North et al.'s rule of thumb (1982, "Sampling errors in the estimation of
//! empirical orthogonal functions", Mon. Wea. Rev. 110): the sampling error of an eigenvalue of
//! a covariance from N independent Gaussian rows is δλ ≈ λ·√(2/N) (Anderson 1963), and first-order
//! perturbation theory mixes eigenvector n with its neighbour m by ≈ δλ/(λ_n − λ_m); when the
//! error bars λ ± δλ of two neighbours overlap, the two axes are not determined separately.
//! Per axis n (neighbours m = n − 1 and n + 1 among all D eigenvalues):
//!
//!   eigenvalue_gap_n = min_m |λ_n − λ_m| / ((λ_n + λ_m)·√(2/N)),   reported ⇔ eigenvalue_gap_n > 1.
//!
//! Limits of the rule: N counts rows as independent (tokens of one sequence, or neighbouring
//! sweep points, carry fewer effective samples, and the true errors are larger); heavy-tailed
//! rows have eigenvalue errors larger by √((β − 1)/2), β the kurtosis along the axis, so for them
//! the rule is lenient. Negative round-off eigenvalues count as 0.
//!
//! **Basis privilege.** Whether the unit basis is special at all, tested against the data
//! itself: the mean over units of the kurtosis β = m₄/m₂² of the centred activations (Pearson's,
//! 3 for a Gaussian; excess kurtosis β − 3 is reported beside it) is compared with the same mean
//! over the units of K random rotations X_c·Q_k of the same centred data (Q_k Haar-distributed,
//! [`crate::synth::random_orthogonal`], drawn from one seeded stream). Constant units are left
//! out, and the rotations act on the varying units only.
//!
//!   ratio = β̄(units) / mean_k β̄(Q_k),   rotated = [min_k, max_k] of β̄(Q_k) / mean_k β̄(Q_k).
//!
//! The rule: the unit basis is **privileged** when its mean kurtosis exceeds that of every one
//! of the K rotations (ratio > rotated max). If X were itself a Haar-random rotation of some
//! code, the units would be one more random rotation, exchangeable with the K drawn here, and
//! would come out highest with probability 1/(K + 1): the rule is a Monte Carlo test at level
//! 1/(K + 1) (0.048 at the default K = 20). The ratio is taken on β rather than on the excess
//! kurtosis, which sits near 0 for rotated data and makes a ratio unstable. The active fraction
//! (per unit, the fraction of rows whose centred value is > 0, averaged over units) is reported
//! beside it for the units and the rotations, as a second description; it does not enter the rule.
//!
//! What the test shows and does not: a privileged basis says that the activations' distribution
//! is not rotation-invariant around the unit axes (Elhage et al. 2022, "Toy Models of
//! Superposition", "Privileged basis": element-wise nonlinearities make the basis special). Sparse
//! features aligned with units make units heavy-tailed, so it can suggest monosemantic units, but
//! it does not show it: element-wise nonlinearities alone (ReLU, GELU), a few outlier units, or
//! features spread over a few units also make units heavy-tailed, and a privileged basis is
//! necessary, not sufficient, for monosemantic units. A basis that is not privileged does not
//! show polysemanticity either: a few aligned units among many barely move a mean.
//!
//! Beside both, each unit's activity: the fraction of rows where it is active, defined as
//! x > 0 on the values as read (the ReLU convention; a unit exactly at 0, or negative, is
//! inactive). It is counted while the rows stream past ([`ActivityCounter`], fed per block,
//! mergeable across workers), so it costs no extra pass. The pieces compose: [`units_per_axis`]
//! and [`eigenvalue_gaps`] need only eigen-decompositions, [`alignment_report`] needs only moments
//! and counts, [`axis_alignment`] streams a file through both (no basis privilege: it needs the
//! rows again), and [`align_matrix`] adds [`basis_privilege`] for rows held in memory.

use crate::analysis::{accumulate_with, check_units};
use crate::error::{DataError, Error, Result};
use crate::linalg::eigen::eigen_desc;
use crate::linalg::Mat;
use crate::matrix::Matrix;
use crate::read::{Progress, RowBlocks, SliceRows};
use crate::rng::{derive_seed, Rng};
use crate::stats::Moments;
use crate::synth::random_orthogonal;
use serde::{Deserialize, Serialize};

/// Bins of [`AlignmentReport::active_fraction_histogram`]: 20 bins of width 0.05 on [0, 1].
pub const ACTIVITY_BINS: usize = 20;

/// The most random rotations one basis-privilege test draws.
pub const MAX_ROTATIONS: usize = 1000;

/// Stream of the seeded generator for the rotations, apart from the synthetic codes' streams: a
/// code drawn with the same seed would otherwise be rotated by its own mixing matrix.
const ROTATION_STREAM: usize = 0x524f_5441; // "ROTA"

/// Rows per block when rotated activations are formed (bounds the scratch memory).
const ROTATION_BLOCK_ROWS: usize = 1024;

/// One principal axis: its eigenvalue, how many units it spreads over, and whether that number
/// means anything (its eigenvalue is separated from its neighbours).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    /// 1-based rank of the axis (descending eigenvalue).
    pub rank: usize,
    pub eigenvalue: f64,
    /// 1/IPR of the eigenvector: descriptive, meaningful only where `reported`.
    pub units_per_axis: f64,
    /// min over the neighbours m of |λ_n − λ_m| / ((λ_n + λ_m)·√(2/N)); None without a neighbour
    /// (D = 1).
    pub eigenvalue_gap: Option<f64>,
    /// eigenvalue_gap > 1 (or no neighbour): the axis is determined by the data (North et al. 1982).
    pub reported: bool,
}

/// The unit basis against K random rotations of the same centred activations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BasisPrivilege {
    /// The statistic the rule uses: "kurtosis" (mean over units of m₄/m₂²).
    pub statistic: String,
    /// Rotations drawn.
    pub k: usize,
    pub seed: u64,
    pub n_rows: usize,
    /// Units that vary (the test uses these) and units left out as constant.
    pub units_used: usize,
    pub constant_units: usize,
    /// Mean over units of the kurtosis β = m₄/m₂² (3 for a Gaussian).
    pub unit_kurtosis: f64,
    /// Mean over units of the excess kurtosis β − 3.
    pub unit_excess_kurtosis: f64,
    /// Mean kurtosis over the units of each rotation, in the order drawn.
    pub rotated_kurtosis: Vec<f64>,
    /// Mean excess kurtosis over rotations: [min, max].
    pub rotated_excess_kurtosis: [f64; 2],
    /// unit_kurtosis / mean of rotated_kurtosis.
    pub ratio: f64,
    /// [min, max] over rotations of rotated_kurtosis / its mean: the spread `ratio` is judged against.
    pub rotated: [f64; 2],
    /// Mean over units of the fraction of rows whose centred value is > 0.
    pub active_fraction: f64,
    /// The same over each rotation's units: [min, max].
    pub rotated_active_fraction: [f64; 2],
    /// Level of the Monte Carlo test, 1/(K + 1).
    pub level: f64,
    /// The unit kurtosis exceeds every rotation's (ratio > rotated[1]).
    pub privileged: bool,
    /// Units lighter-tailed than every rotation (ratio < rotated[0]): special, but not privileged
    /// in the sense the rule tests.
    pub lighter_than_rotations: bool,
    /// The verdict in words, with what it does not show.
    pub text: String,
}

/// Settings of [`align_matrix`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlignSettings {
    /// Top axes to report.
    pub top: usize,
    /// Random rotations of the basis-privilege test (0: no test).
    pub k: usize,
    /// Seed of the rotations.
    pub seed: u64,
}

impl Default for AlignSettings {
    fn default() -> Self {
        AlignSettings { top: 20, k: 20, seed: 1 }
    }
}

/// The top axes (units per axis, separation), the random baseline, each unit's activity, and,
/// for rows held in memory, the basis-privilege test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlignmentReport {
    pub n_rows: u64,
    pub n_cols: usize,
    /// Eigenvalues of the top axes, descending.
    pub eigenvalues: Vec<f64>,
    /// 1/IPR of each top axis, reported or not (see `axes` for which mean anything).
    pub units_per_axis: Vec<f64>,
    /// (D + 2)/3: units per axis of a random direction.
    pub random_units_per_axis: f64,
    /// The top axes with their eigenvalue gaps and whether units per axis is reported.
    #[serde(default)]
    pub axes: Vec<Axis>,
    /// √(2/N): the relative sampling error of an eigenvalue the gaps are measured in.
    #[serde(default)]
    pub eigenvalue_error: f64,
    /// Top axes whose units per axis is reported.
    #[serde(default)]
    pub n_reported: usize,
    /// What the axes show, in words.
    #[serde(default)]
    pub axes_text: String,
    /// The unit basis against random rotations (None when the rows were only streamed).
    #[serde(default)]
    pub basis_privilege: Option<BasisPrivilege>,
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

/// For every eigenvalue of `values` (all D, descending) from `n_rows` rows, its separation from
/// its neighbours in units of North's error: min over m = n ± 1 of |λ_n − λ_m| / ((λ_n + λ_m)·√(2/N)),
/// negative values counted as 0. None for an axis without a neighbour (D = 1); 0 when both
/// eigenvalues are 0 (nothing to separate).
pub fn eigenvalue_gaps(values: &[f64], n_rows: u64) -> Vec<Option<f64>> {
    let err = (2.0 / n_rows.max(1) as f64).sqrt();
    let v: Vec<f64> = values.iter().map(|x| x.max(0.0)).collect();
    let gap = |a: f64, b: f64| {
        let scale = (a + b) * err;
        if scale > 0.0 {
            (a - b).abs() / scale
        } else {
            0.0
        }
    };
    (0..v.len())
        .map(|n| {
            let below = (n + 1 < v.len()).then(|| gap(v[n], v[n + 1]));
            let above = (n > 0).then(|| gap(v[n], v[n - 1]));
            match (below, above) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        })
        .collect()
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

/// The sentence that says what the top axes show.
fn axes_text(axes: &[Axis], d: usize) -> String {
    let top = axes.len();
    let reported = axes.iter().filter(|a| a.reported).count();
    let random = (d as f64 + 2.0) / 3.0;
    if reported == 0 {
        return format!(
            "none of the top {top} axes is separated from its neighbours (eigenvalue gap within the sampling error \
             λ·√(2/N), North et al. 1982): their eigenvectors are an arbitrary rotation inside near-degenerate \
             eigenspaces, so units per axis says nothing about the units here"
        );
    }
    format!(
        "{reported} of the top {top} axes are separated from their neighbours (eigenvalue gap beyond the sampling \
         error λ·√(2/N), North et al. 1982); units per axis is shown for those only, against {random:.1} for a random \
         direction. It describes how many units an axis spreads over; it does not measure polysemanticity"
    )
}

/// The report from streamed moments and activity counts of the same rows: one
/// eigendecomposition (D³), the top `top` axes. No basis privilege (see [`align_matrix`]).
pub fn alignment_report(moments: &Moments, activity: &ActivityCounter, top: usize) -> Result<AlignmentReport> {
    let d = moments.dim();
    let n = moments.count();
    let cov = moments.covariance()?;
    let (values, vectors) = eigen_desc(&cov, d)?;
    let top = top.min(d);
    let upa = units_per_axis(&vectors, top);
    let gaps = eigenvalue_gaps(&values, n);
    let axes: Vec<Axis> = (0..top)
        .map(|k| Axis {
            rank: k + 1,
            eigenvalue: values[k],
            units_per_axis: upa[k],
            eigenvalue_gap: gaps[k],
            reported: gaps[k].is_none_or(|g| g > 1.0),
        })
        .collect();
    let active_fraction = activity.fractions();
    Ok(AlignmentReport {
        n_rows: n,
        n_cols: d,
        eigenvalues: values[..top].to_vec(),
        units_per_axis: upa,
        random_units_per_axis: (d as f64 + 2.0) / 3.0,
        eigenvalue_error: (2.0 / n.max(1) as f64).sqrt(),
        n_reported: axes.iter().filter(|a| a.reported).count(),
        axes_text: axes_text(&axes, d),
        axes,
        basis_privilege: None,
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

/// The whole report for rows held in memory: the streamed report of [`axis_alignment`] and,
/// when `settings.k > 0`, the basis-privilege test.
pub fn align_matrix(x: &Matrix, settings: &AlignSettings) -> Result<AlignmentReport> {
    let mut report = axis_alignment(&mut SliceRows::new(&x.data, x.cols), settings.top, &mut |_, _| true)?;
    if settings.k > 0 {
        report.basis_privilege = Some(basis_privilege(x, settings.k, settings.seed)?);
    }
    Ok(report)
}

/// Per-column sums over a block of rotated activations: Σy², Σy⁴ and the count of y > 0.
#[derive(Debug, Clone)]
struct ColumnSums {
    m2: Vec<f64>,
    m4: Vec<f64>,
    positive: Vec<u64>,
}

impl ColumnSums {
    fn new(d: usize) -> Self {
        ColumnSums { m2: vec![0.0; d], m4: vec![0.0; d], positive: vec![0; d] }
    }

    /// Adds the columns of the column-major `y` (rows × d).
    fn add(&mut self, y: &Mat) {
        for (j, col) in y.columns().enumerate() {
            for &v in col.iter() {
                let v2 = v * v;
                self.m2[j] += v2;
                self.m4[j] += v2 * v2;
                self.positive[j] += u64::from(v > 0.0);
            }
        }
    }

    /// Mean over columns of m₄/m₂² and of the fraction positive, for `n` rows.
    fn means(&self, n: usize) -> (f64, f64) {
        let d = self.m2.len() as f64;
        let n = n as f64;
        let kurtosis = self.m2.iter().zip(&self.m4).map(|(m2, m4)| (m4 / n) / (m2 / n).powi(2)).sum::<f64>() / d;
        let active = self.positive.iter().map(|p| *p as f64 / n).sum::<f64>() / d;
        (kurtosis, active)
    }
}

/// The mean kurtosis and mean active fraction over the columns of `xc · q` (or of `xc` itself
/// when `q` is None), formed block by block.
fn rotated_means(xc: &Mat, q: Option<&Mat>) -> (f64, f64) {
    let (n, d) = (xc.rows(), xc.cols());
    let mut sums = ColumnSums::new(d);
    let mut start = 0;
    while start < n {
        let rows = ROTATION_BLOCK_ROWS.min(n - start);
        let block = Mat::from_fn(rows, d, |i, j| xc[(start + i, j)]);
        match q {
            Some(q) => sums.add(&block.matmul(q)),
            None => sums.add(&block),
        }
        start += rows;
    }
    sums.means(n)
}

fn min_max(v: &[f64]) -> [f64; 2] {
    v.iter().fold([f64::INFINITY, f64::NEG_INFINITY], |[lo, hi], x| [lo.min(*x), hi.max(*x)])
}

/// Whether the unit basis of `x` (rows in memory) is privileged: the mean kurtosis of its centred
/// units against that of `k` seeded random rotations of the same centred data (see the module
/// documentation for the rule and what it does not show). Costs k·(N·D'² + D'³) for D' varying units.
pub fn basis_privilege(x: &Matrix, k: usize, seed: u64) -> Result<BasisPrivilege> {
    let (n, d) = (x.rows, x.cols);
    check_units(d)?;
    if k == 0 || k > MAX_ROTATIONS {
        return Err(Error::Setting(format!("k = {k}: draw between 1 and {MAX_ROTATIONS} random rotations")));
    }
    if n < 2 {
        return Err(DataError::TooFewRows { rows: n as u64 }.into());
    }
    if let Some(i) = x.data.iter().position(|v| !v.is_finite()) {
        return Err(DataError::NonFinite { row: (i / d) as u64, col: (i % d) as u64, value: x.data[i] }.into());
    }
    // Varying units (max > min, exactly: a constant unit's centred values are round-off).
    let varying: Vec<usize> = (0..d)
        .filter(|&j| {
            let first = x.data[j];
            (1..n).any(|i| x.data[i * d + j] != first)
        })
        .collect();
    let du = varying.len();
    if du == 0 {
        return Err(DataError::ConstantRows.into());
    }
    // Centred varying units, column-major (two passes: the mean first).
    let mut xc = Mat::zeros(n, du);
    for (c, &j) in varying.iter().enumerate() {
        let mean = (0..n).map(|i| x.data[i * d + j]).sum::<f64>() / n as f64;
        for i in 0..n {
            xc[(i, c)] = x.data[i * d + j] - mean;
        }
    }
    let (unit_kurtosis, active_fraction) = rotated_means(&xc, None);
    let mut rng = Rng::new(derive_seed(seed, ROTATION_STREAM));
    let mut rotated_kurtosis = Vec::with_capacity(k);
    let mut rotated_active = Vec::with_capacity(k);
    for _ in 0..k {
        let q = random_orthogonal(du, &mut rng);
        let (kurt, active) = rotated_means(&xc, Some(&q));
        rotated_kurtosis.push(kurt);
        rotated_active.push(active);
    }
    let mean = rotated_kurtosis.iter().sum::<f64>() / k as f64;
    let [lo, hi] = min_max(&rotated_kurtosis);
    let privileged = unit_kurtosis > hi;
    let lighter_than_rotations = unit_kurtosis < lo;
    let level = 1.0 / (k as f64 + 1.0);
    let ratio = unit_kurtosis / mean;
    let rotated = [lo / mean, hi / mean];
    let text = privilege_text(
        unit_kurtosis - 3.0,
        [lo - 3.0, hi - 3.0],
        ratio,
        rotated,
        k,
        level,
        privileged,
        lighter_than_rotations,
    );
    Ok(BasisPrivilege {
        statistic: "kurtosis".to_string(),
        k,
        seed,
        n_rows: n,
        units_used: du,
        constant_units: d - du,
        unit_kurtosis,
        unit_excess_kurtosis: unit_kurtosis - 3.0,
        rotated_excess_kurtosis: [lo - 3.0, hi - 3.0],
        rotated_kurtosis,
        ratio,
        rotated,
        active_fraction,
        rotated_active_fraction: min_max(&rotated_active),
        level,
        privileged,
        lighter_than_rotations,
        text,
    })
}

#[allow(clippy::too_many_arguments)]
fn privilege_text(
    excess: f64,
    rotated_excess: [f64; 2],
    ratio: f64,
    rotated: [f64; 2],
    k: usize,
    level: f64,
    privileged: bool,
    lighter: bool,
) -> String {
    let numbers = format!(
        "mean excess kurtosis of the units {excess:.3}, of {k} random rotations of the same centred data \
         {:.3} … {:.3}; kurtosis ratio {ratio:.3} against the rotations' {:.3} … {:.3}",
        rotated_excess[0], rotated_excess[1], rotated[0], rotated[1]
    );
    if privileged {
        format!(
            "the unit basis is privileged: the units are heavier-tailed than under every one of {k} random rotations \
             ({numbers}; a Monte Carlo test at level 1/(K + 1) = {level:.3}). Sparse features aligned with units do \
             this, so it can suggest monosemantic units, but it does not show them: element-wise nonlinearities \
             alone, a few outlier units, or features shared by a few units also make units heavy-tailed"
        )
    } else if lighter {
        format!(
            "the unit basis is not privileged in the sense tested: the units are lighter-tailed than under every one \
             of {k} random rotations ({numbers}). The basis is special, but in the opposite way to sparse \
             axis-aligned features"
        )
    } else {
        format!(
            "the unit basis is not privileged: the units' kurtosis lies within the range of {k} random rotations \
             ({numbers}). This does not show that units are polysemantic: a few aligned units among many barely move \
             a mean over units"
        )
    }
}
