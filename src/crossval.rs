//! Cross-validated PCA (Stringer et al. 2019; METHODS.md, "Cross-validated PCA"): the signal
//! variance along each principal axis, from two repeats A and B of the same inputs.
//!
//! With V the eigenvectors of cov(A), cv_n = vₙᵀ C_AB vₙ, C_AB = A_cᵀB_c/(N − 1). Only the
//! symmetric part of C_AB enters, and (C_AB + C_BA)/2 = (cov(A + B) − cov(A − B))/4, so the two
//! files are streamed once, in lockstep, into three symmetric moments (A, A + B, A − B) with the
//! same Chan-merged kernel as everything else: a file larger than memory still works.
//!
//! **Centring.** Each repeat is centred by its own column means (every unit's mean over the
//! inputs). Stringer's own `cvPCA` (MouseLand/stringer-pachitariu-et-al-2018b,
//! `python/utils.py`) instead fits sklearn's PCA to Aᵀ (neurons as samples), which centres each
//! input across neurons, and projects the uncentred repeats without 1/(N − 1); their notebook
//! centres every neuron beforehand. On doubly centred data the two agree to 5e-15; on
//! column-centred data they differ by 1–14 % (METHODS.md). eigenlens keeps column centring: it
//! is the covariance every other number here is defined on, and it does not depend on how many
//! units were recorded.
//!
//! **Shuffles** (Stringer's `shuff_cvPCA`, and `shuffledSpectrum.m`): K times, each row's two
//! repeats are exchanged with probability 1/2 (a fair coin per row, drawn in row order, shuffle
//! after shuffle, from one [`Rng`] seeded with `seed`: [`swap_masks`]), and cvPCA is recomputed.
//! Their notebook fits α to the MEAN of the K shuffled spectra (`ss = shuff_cvPCA(sresp);
//! ss = ss.mean(axis=0); get_powerlaw(ss/ss.sum(), …)`), and so does eigenlens: with K > 0,
//! `alpha_fit` is fitted on the shuffle mean (`alpha_fit.spectrum = "shuffle_mean"`), and the
//! fit of the single unshuffled split is reported beside it (`alpha_fit_unshuffled`); with
//! K = 0 it is the unshuffled fit (`"unshuffled"`). A swap leaves A + B unchanged and flips the
//! sign of A − B on the swapped rows, so only cov(A′) is formed again per shuffle;
//! S′ = S − N/(4(N − 1))·(m mᵀ − m′ m′ᵀ), with m, m′ the means of A − B and A′ − B′.
//!
//! **|cv_n|.** Stringer's `get_powerlaw` fits `log(abs(ss))`: a negative cv_n (noise
//! dominating that axis) enters as its magnitude. `abs: true` does the same; by default
//! (`abs: false`) a cv_n ≤ 0 in the fit range makes the fit invalid. Either way
//! `suggested_range` is the longest stretch of the requested range, from its n_lo, over which
//! the fitted spectrum stays positive.
//!
//! **Noise spectrum.** λ_n(A) − cv_n: the variance along axis n that the repeats do not share
//! (≈ vₙᵀ cov(A − B) vₙ / 2 when the repeats are alike). With shuffles it is the mean over
//! shuffles of λ_n(A′) − cv′_n, the same decomposition of each shuffled split.
//!
//! **Where cvPCA stops working.** cvPCA removes the noise's contribution to the mean of cv_n, not
//! the noise in the axes: V are eigenvectors of the noisy A. In a spiked covariance with white
//! noise of variance σ², a signal variance ℓ along an axis gives a sample eigenvector correlated
//! with it only when ℓ > σ²·√(D/N) (Baik, Ben Arous & Péché 2005); below that the axes are noise
//! directions, the signal is spread thinly over them, and the cv tail flattens. eigenlens
//! reports the first rank where cv_n < √(D/N)·noise_n (`noise_limited_from`) and warns when the
//! fit reaches it. Measured on Gaussian codes plus white noise (D = 200, fit n = 11…100, 3 seeds,
//! 5 shuffles; docs/coverage.md): α = 1 at N = 20·D reads 0.99–1.02 at shared variance 0.5
//! (threshold not reached), 0.89–0.93 at 0.25 (reached at n = 30–32), 0.62–0.67 at 0.12
//! (n = 10–11); α = 2 at N = 20·D reads 2.04–2.07 at 0.9 (n = 57–60) and 1.53–1.63 at 0.5
//! (n = 18–19). For structured noise the threshold is a rule of thumb. A positive, averaged cv
//! spectrum is necessary for a trustworthy fit, not sufficient.
//!
//! Shuffles hold both repeats in memory (up to [`crate::matrix::DEFAULT_MEMORY_LIMIT`] values
//! each).

use crate::analysis::{check_units, keep_finite_rows};
use crate::error::{DataError, Error, Result};
use crate::linalg::eigen::eigen_desc;
use crate::linalg::{dot, Mat};
use crate::matrix::{Matrix, DEFAULT_MEMORY_LIMIT};
use crate::read::{Progress, RowBlocks, SliceRows};
use crate::rng::Rng;
use crate::stats::{fit_alpha, AlphaFit, FitRequest, Moments, SpectrumSummary};
use serde::{Deserialize, Serialize};
use std::ops::Deref;

/// What to compute beyond the plain cvPCA spectrum.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CvpcaSettings {
    pub fit: FitRequest,
    /// Repeat-swap shuffles to average (0: none; Stringer's `shuff_cvPCA` draws 5).
    pub shuffles: usize,
    pub seed: u64,
    /// Fit log |cv_n| (Stringer's `log(abs(ss))`) instead of log cv_n.
    pub abs: bool,
}

/// Which cv spectrum α was fitted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CvSpectrum {
    /// The one split A, B as given (no shuffles were asked for).
    Unshuffled,
    /// The mean of the repeat-swap shuffles' spectra (as Stringer et al. fit).
    ShuffleMean,
}

/// A fit of α on a cv spectrum: the fit itself (its keys at the top level in JSON), which
/// spectrum it was fitted on, and whether |cv_n| was fitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvAlphaFit {
    #[serde(flatten)]
    pub fit: AlphaFit,
    pub spectrum: CvSpectrum,
    pub abs: bool,
}

impl Deref for CvAlphaFit {
    type Target = AlphaFit;
    fn deref(&self) -> &AlphaFit {
        &self.fit
    }
}

/// The cvPCA spectrum beside the plain one, and what follows from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvpcaReport {
    pub n_rows: u64,
    pub n_cols: usize,
    /// Eigenvalues of cov(A), descending (the plain spectrum).
    pub eigenvalues: Vec<f64>,
    /// cv_n for every axis n of the split as given (signal variance; negative where noise
    /// dominates).
    pub cv_spectrum: Vec<f64>,
    /// Σ cv_n / Σ λ_n(A) of the split as given: the fraction of A's variance that B shares.
    pub shared_variance_fraction: f64,
    /// Axes with cv_n ≤ 0 in the split as given.
    pub n_nonpositive: usize,
    /// α fitted on the shuffle mean when shuffles were drawn, else on `cv_spectrum`
    /// (invalid where a cv_n ≤ 0 is in range, unless `abs`).
    pub alpha_fit: CvAlphaFit,
    /// With shuffles: α fitted on the unshuffled `cv_spectrum`, for comparison.
    pub alpha_fit_unshuffled: Option<CvAlphaFit>,
    /// α fitted on the plain spectrum of A, over the same range.
    pub alpha_fit_plain: AlphaFit,
    /// λ_n(A) − cv_n (averaged over shuffles when drawn): the variance the repeats do not share.
    pub noise_spectrum: Vec<f64>,
    /// [n_lo, n_hi]: from the requested n_lo, the longest range inside the requested one (and
    /// below N and the numerical rank) where the fitted cv spectrum stays positive; none when
    /// not even two ranks qualify.
    pub suggested_range: Option<[usize; 2]>,
    /// The first rank n at which the fitted cv_n < √(D/N)·noise_n: from there on, by the
    /// spiked-covariance threshold, PCA cannot tell a signal axis from noise and the cv tail
    /// flattens (module doc); none when every axis up to ⌊D/2⌋ is above it.
    pub noise_limited_from: Option<usize>,
    pub shuffles: usize,
    pub seed: u64,
    /// The cvPCA spectrum averaged over repeat-swap shuffles, when asked for.
    pub shuffled_cv_spectrum: Option<Vec<f64>>,
    /// What the numbers above do not show, in plain words.
    pub warnings: Vec<String>,
}

/// Streams the repeats `a` and `b` (same shape, same row order) and computes cvPCA.
/// `progress(bytes of A, rows)` returns false to cancel.
pub fn cvpca(
    a: &mut dyn RowBlocks,
    b: &mut dyn RowBlocks,
    settings: &CvpcaSettings,
    progress: &mut dyn FnMut(Progress, u64) -> bool,
) -> Result<CvpcaReport> {
    if settings.shuffles > 0 {
        let a = Matrix::read_all(a, DEFAULT_MEMORY_LIMIT)?;
        let b = Matrix::read_all(b, DEFAULT_MEMORY_LIMIT)?;
        return cvpca_in_memory(&a, &b, settings);
    }
    let (sums, n) = accumulate_pair(a, b, progress)?;
    report(sums, n, settings, None)
}

/// The swap masks of `shuffles` repeat-swap shuffles of `rows` rows (true: row i's repeats are
/// exchanged), exactly as [`cvpca_in_memory`] draws them: one [`Rng`] seeded with `seed`, one
/// [`Rng::coin`] per row in row order, shuffle after shuffle.
pub fn swap_masks(seed: u64, shuffles: usize, rows: usize) -> Vec<Vec<bool>> {
    let mut rng = Rng::new(seed);
    (0..shuffles).map(|_| (0..rows).map(|_| rng.coin()).collect()).collect()
}

/// The mean over shuffles of the cv spectrum and of the noise spectrum λ_n(A′) − cv′_n.
struct ShuffleMeans {
    cv: Vec<f64>,
    noise: Vec<f64>,
}

/// cvPCA of two repeats held in memory, with the shuffles `settings` asks for.
pub fn cvpca_in_memory(a: &Matrix, b: &Matrix, settings: &CvpcaSettings) -> Result<CvpcaReport> {
    check_shapes((a.rows as u64, a.cols), (b.rows as u64, b.cols))?;
    let (sums, n) =
        accumulate_pair(&mut SliceRows::new(&a.data, a.cols), &mut SliceRows::new(&b.data, b.cols), &mut |_, _| true)?;
    let shuffled = match settings.shuffles {
        0 => None,
        k => Some(shuffle_means(a, b, &sums, k, settings.seed)?),
    };
    report(sums, n, settings, shuffled)
}

/// K repeat-swap shuffles: cov(A′) is formed from the swapped rows, S′ from S by the change of
/// the mean of A − B (module doc).
fn shuffle_means(a: &Matrix, b: &Matrix, sums: &PairSums, shuffles: usize, seed: u64) -> Result<ShuffleMeans> {
    let (n, d) = (a.rows, a.cols);
    let s = sums.shared()?;
    let m = sums.diff.mean().to_vec();
    let scale = n as f64 / (4.0 * (n as f64 - 1.0));
    let mut rng = Rng::new(seed);
    let mut mean = ShuffleMeans { cv: vec![0.0; d], noise: vec![0.0; d] };
    const BLOCK_ROWS: usize = 256;
    let mut block = Vec::with_capacity(BLOCK_ROWS * d);
    for _ in 0..shuffles {
        let mut moments = Moments::new(d);
        let mut m_shuffled = vec![0.0; d];
        let mut in_block = 0;
        for i in 0..n {
            // The same coin sequence as `swap_masks`.
            let swap = rng.coin();
            let (first, second) = if swap { (b.row(i), a.row(i)) } else { (a.row(i), b.row(i)) };
            block.extend_from_slice(first);
            for ((acc, x), y) in m_shuffled.iter_mut().zip(first).zip(second) {
                *acc += x - y;
            }
            in_block += 1;
            if in_block == BLOCK_ROWS || i + 1 == n {
                moments.add_block(&mut block, in_block);
                block.clear();
                in_block = 0;
            }
        }
        m_shuffled.iter_mut().for_each(|v| *v /= n as f64);
        let mut s_shuffled = s.clone();
        for i in 0..d {
            for j in 0..d {
                s_shuffled[i * d + j] -= scale * (m[i] * m[j] - m_shuffled[i] * m_shuffled[j]);
            }
        }
        let (values, cv) = cv_along_axes(&moments.covariance()?, s_shuffled, d)?;
        for k in 0..d {
            mean.cv[k] += cv[k] / shuffles as f64;
            mean.noise[k] += (values[k] - cv[k]) / shuffles as f64;
        }
    }
    Ok(mean)
}

/// Eigenvalues of `cov` (descending) and vₙᵀ S vₙ along each of its eigenvectors.
fn cv_along_axes(cov: &[f64], s: Vec<f64>, d: usize) -> Result<(Vec<f64>, Vec<f64>)> {
    let (values, vectors) = eigen_desc(cov, d)?;
    // S is symmetric: its row-major entries are its column-major ones.
    let sv = Mat::from_col_major(d, d, s).matmul(&vectors);
    let cv = (0..d).map(|k| dot(vectors.col(k), sv.col(k))).collect();
    Ok((values, cv))
}

/// Moments of A, A + B and A − B.
struct PairSums {
    a: Moments,
    sum: Moments,
    diff: Moments,
}

impl PairSums {
    /// S = (cov(A + B) − cov(A − B)) / 4, the symmetric part of C_AB, row-major.
    fn shared(&self) -> Result<Vec<f64>> {
        let mut s = self.sum.covariance()?;
        let diff = self.diff.covariance()?;
        for (x, y) in s.iter_mut().zip(&diff) {
            *x = (*x - y) / 4.0;
        }
        Ok(s)
    }

    /// Eigenvalues and eigenvectors of cov(A), and cv_n along each eigenvector.
    fn cv_spectrum(&self) -> Result<(Vec<f64>, Vec<f64>)> {
        cv_along_axes(&self.a.covariance()?, self.shared()?, self.a.dim())
    }
}

fn check_shapes(left: (u64, usize), right: (u64, usize)) -> Result<()> {
    if left != right {
        return Err(DataError::ShapeMismatch { left, right }.into());
    }
    Ok(())
}

/// α of a cv spectrum, or of its magnitudes when `abs`.
fn fit_cv(values: &[f64], n: u64, rank: usize, settings: &CvpcaSettings, spectrum: CvSpectrum) -> CvAlphaFit {
    let fit = if settings.abs {
        let magnitudes: Vec<f64> = values.iter().map(|v| v.abs()).collect();
        fit_alpha(&magnitudes, n, rank, &settings.fit)
    } else {
        fit_alpha(values, n, rank, &settings.fit)
    };
    CvAlphaFit { fit, spectrum, abs: settings.abs }
}

/// From the requested n_lo, the longest stretch of ranks (capped like the fit: ⌊D/2⌋, N − 1,
/// the numerical rank) over which `values` stays positive; none below two ranks.
pub fn suggested_range(values: &[f64], n_rows: u64, rank: usize, fit: &FitRequest) -> Option<[usize; 2]> {
    let (lo, hi) = fit.resolve(values.len());
    let hi = hi.min(rank).min(usize::try_from(n_rows.saturating_sub(1)).unwrap_or(usize::MAX));
    if lo < 1 {
        return None;
    }
    // `last` is the highest rank checked so far whose value, and every one from n_lo, is > 0.
    let mut last = lo - 1;
    while last < hi && values[last] > 0.0 {
        last += 1;
    }
    (last > lo).then_some([lo, last])
}

/// Streams both repeats in lockstep into [`PairSums`]; returns them and the row count.
fn accumulate_pair(
    a: &mut dyn RowBlocks,
    b: &mut dyn RowBlocks,
    progress: &mut dyn FnMut(Progress, u64) -> bool,
) -> Result<(PairSums, u64)> {
    let d = a.cols();
    if let (Some(na), Some(nb)) = (a.rows_hint(), b.rows_hint()) {
        check_shapes((na, d), (nb, b.cols()))?;
    } else if d != b.cols() {
        return Err(DataError::WidthMismatch { left: d, right: b.cols() }.into());
    }
    check_units(d)?;
    let mut sums = PairSums { a: Moments::new(d), sum: Moments::new(d), diff: Moments::new(d) };
    let (mut buf_a, mut buf_b) = (Vec::new(), Vec::new());
    let (mut block_a, mut block_b) = (Vec::new(), Vec::new());
    let (mut rows_a, mut rows_b) = (0u64, 0u64);
    let (mut done_a, mut done_b) = (false, false);
    loop {
        // Refill whichever side has fewer buffered rows, until both have some or are done.
        while !done_a && buf_a.len() <= buf_b.len() {
            let n = a.next_block(&mut block_a)?;
            done_a = n == 0;
            keep_finite_rows(&mut block_a, n, d, rows_a, false)?;
            rows_a += n as u64;
            buf_a.extend_from_slice(&block_a[..n * d]);
        }
        while !done_b && buf_b.len() < buf_a.len().max(1) {
            let n = b.next_block(&mut block_b)?;
            done_b = n == 0;
            keep_finite_rows(&mut block_b, n, d, rows_b, false)?;
            rows_b += n as u64;
            buf_b.extend_from_slice(&block_b[..n * d]);
        }
        let n = buf_a.len().min(buf_b.len()) / d;
        if n == 0 {
            if done_a && (done_b || buf_a.is_empty()) || done_b && buf_b.is_empty() {
                break;
            }
            continue;
        }
        let (ra, rb) = (&buf_a[..n * d], &buf_b[..n * d]);
        let mut sum: Vec<f64> = ra.iter().zip(rb).map(|(x, y)| x + y).collect();
        let mut diff: Vec<f64> = ra.iter().zip(rb).map(|(x, y)| x - y).collect();
        let mut only_a = ra.to_vec();
        sums.a.add_block(&mut only_a, n);
        sums.sum.add_block(&mut sum, n);
        sums.diff.add_block(&mut diff, n);
        buf_a.drain(..n * d);
        buf_b.drain(..n * d);
        if !progress(a.progress(), sums.a.count()) {
            return Err(Error::Cancelled);
        }
    }
    // Drain what is left to learn both row counts, then compare them.
    while !done_a {
        let n = a.next_block(&mut block_a)?;
        done_a = n == 0;
        rows_a += n as u64;
    }
    while !done_b {
        let n = b.next_block(&mut block_b)?;
        done_b = n == 0;
        rows_b += n as u64;
    }
    check_shapes((rows_a, d), (rows_b, d))?;
    if rows_a < 2 {
        return Err(DataError::TooFewRows { rows: rows_a }.into());
    }
    Ok((sums, rows_a))
}

fn report(sums: PairSums, n: u64, settings: &CvpcaSettings, shuffled: Option<ShuffleMeans>) -> Result<CvpcaReport> {
    let (eigenvalues, cv) = sums.cv_spectrum()?;
    let summary = SpectrumSummary::new(&eigenvalues, n);
    let rank = summary.numerical_rank;
    let total: f64 = eigenvalues.iter().sum();
    let unshuffled = fit_cv(&cv, n, rank, settings, CvSpectrum::Unshuffled);
    let (alpha_fit, alpha_fit_unshuffled, noise_spectrum, shuffled_cv_spectrum) = match shuffled {
        Some(m) => (fit_cv(&m.cv, n, rank, settings, CvSpectrum::ShuffleMean), Some(unshuffled), m.noise, Some(m.cv)),
        None => (unshuffled, None, eigenvalues.iter().zip(&cv).map(|(l, c)| l - c).collect(), None),
    };
    let fitted = shuffled_cv_spectrum.as_deref().unwrap_or(&cv);
    let suggested = suggested_range(fitted, n, rank, &settings.fit);
    let d = sums.a.dim();
    let threshold = (d as f64 / n as f64).sqrt();
    let noise_limited_from = (1..=d / 2).find(|&k| fitted[k - 1] < threshold * noise_spectrum[k - 1].max(0.0));
    let warnings = warnings(fitted, &alpha_fit, suggested, noise_limited_from.map(|k| (k, threshold)), settings);
    Ok(CvpcaReport {
        n_rows: n,
        n_cols: sums.a.dim(),
        shared_variance_fraction: cv.iter().sum::<f64>() / total,
        n_nonpositive: cv.iter().filter(|v| **v <= 0.0).count(),
        alpha_fit,
        alpha_fit_unshuffled,
        alpha_fit_plain: fit_alpha(&eigenvalues, n, rank, &settings.fit),
        noise_spectrum,
        suggested_range: suggested,
        noise_limited_from,
        eigenvalues,
        cv_spectrum: cv,
        shuffles: settings.shuffles,
        seed: settings.seed,
        shuffled_cv_spectrum,
        warnings,
    })
}

/// What the fit does not show: a single split, cv_n ≤ 0 inside the range, and a range that
/// reaches past where signal axes can be found (`noise_limit`: the rank and √(D/N)).
fn warnings(
    fitted: &[f64],
    fit: &CvAlphaFit,
    suggested: Option<[usize; 2]>,
    noise_limit: Option<(usize, f64)>,
    settings: &CvpcaSettings,
) -> Vec<String> {
    let mut out = Vec::new();
    if settings.shuffles == 0 {
        out.push(
            "α is fitted on the one split of the repeats as given; Stringer et al. fit the mean over \
             repeat-swap shuffles (their default 5), whose tail is less noisy: ask for shuffles"
                .to_string(),
        );
    }
    let (lo, hi) = (fit.rank_lo, fit.rank_hi.min(fitted.len()));
    let nonpositive = if lo >= 1 && hi >= lo { fitted[lo - 1..hi].iter().filter(|v| **v <= 0.0).count() } else { 0 };
    if nonpositive > 0 {
        let which = if settings.shuffles > 0 { "the shuffle-averaged cv_n" } else { "cv_n" };
        let positive = match suggested {
            Some([a, b]) => format!("it stays positive over n = {a}…{b} (suggested_range)"),
            None => "it is not positive over two ranks from n_lo".to_string(),
        };
        out.push(if settings.abs {
            format!(
                "|cv_n| is fitted over n = {lo}…{hi}, where {which} ≤ 0 on {nonpositive} axes: there noise outweighs \
                 the shared signal and the fit follows the noise (Stringer's log(abs(ss)) does the same); {positive}"
            )
        } else {
            format!(
                "{which} ≤ 0 on {nonpositive} axes of n = {lo}…{hi}, so α is not fitted there; {positive}, or fit \
                 |cv_n| as Stringer's get_powerlaw does (abs)"
            )
        });
    }
    if let Some((k, threshold)) = noise_limit.filter(|(k, _)| *k <= hi) {
        out.push(format!(
            "from n = {k} on, cv_n is below √(D/N) = {threshold:.3} times the noise variance along the same axis, the \
             level below which PCA cannot find a signal axis in white noise (Baik, Ben Arous & Péché 2005): the cv \
             tail there is expected to flatten, and α fitted over n = {lo}…{hi} to be biased low (simulated: true \
             α = 1 reads 0.62–0.67 at shared variance 0.12, N = 20·D); fit below n = {k} if that leaves enough \
             ranks, or record more inputs or average more repeats"
        ));
    }
    out
}
