//! The top k eigenpairs of a covariance too wide to form, from passes over the rows.
//!
//! For rows x₁ … x_N of D units, mean μ = Σxᵢ/N, the covariance is
//! C = (XᵀX − N μμᵀ)/(N − 1) = Σ (xᵢ − μ)(xᵢ − μ)ᵀ/(N − 1). At D = 32 768 it would take 8 GiB;
//! this module never forms it. It only applies it to a thin block V (D × b):
//!
//!   C V = Σᵢ (xᵢ − μ) ((xᵢ − μ)ᵀ V) / (N − 1),
//!
//! one pass over the rows per product, O(N·D·b) flops and O(D·b) memory. Each row block adds
//! its (X_blk − 1μᵀ)ᵀ((X_blk − 1μᵀ) V) to a D × b accumulator ([`PassShare`]), so shares of rows
//! (the CLI's threads, the page's workers, [`crate::plan::row_shares`]) accumulate apart and
//! add up ([`PassShare::merge`]); the sum does not depend on the split (up to the order of the
//! additions). The mean correction is exact: subtracting μ from a row block before the product
//! is the same as C V = (XᵀX V − N μ (μᵀV))/(N − 1) computed analytically, without its
//! cancellation when ‖μ‖² is large beside the variances.
//!
//! ## Passes
//! - Pass 0 ([`PassKind::Moments`]): N, μ and each unit's sum of squared deviations M2_j
//!   (Welford within a block, Chan's update between blocks and shares). The trace
//!   Σ_j C_jj = Σ_j M2_j/(N − 1) = Σ_n λ_n is then exact: it is the total variance of the
//!   report, and the tail mass of the bounds below.
//! - Passes 1 … q ([`PassKind::Product`]): randomized block Krylov (Musco & Musco 2015,
//!   "Randomized block Krylov methods for stronger and faster approximate singular value
//!   decomposition"; Halko, Martinsson & Tropp 2011 §4.3–4.4) with full reorthogonalisation,
//!   i.e. block Lanczos whose basis is kept and reorthogonalised in full. V₁ is a Gaussian
//!   D × b block (seeded, so a run is repeatable) made orthonormal; pass j gives
//!   W_j = C V_j; the basis Q = [V₁ … V_j] and its image CQ = [W₁ … W_j] are kept.
//!   V_{j+1} is W_j made orthogonal to Q and orthonormal: two rounds of block classical
//!   Gram–Schmidt against Q (by GEMM) each followed by modified Gram–Schmidt within the block.
//! - Deflation. A column of W_j whose part outside Q (after the first round) is at most
//!   τ·θ₁ (τ = [`DEFLATION`] = 1e-10, θ₁ ≈ ‖C‖ the largest Ritz value), or which the second
//!   round shrinks below half (it was round-off inside span Q: Kahan–Parlett's "twice is
//!   enough" test), is dropped, not replaced: the block shrinks. A dropped column adds at most
//!   τ·θ₁ to the residuals below, which report it. When rank C < D (at most N − 1, so always
//!   when D ≥ N) the Krylov space of V₁ has dimension at most rank C + b; once Q spans it every
//!   column is dropped, the block is empty, and Q is an invariant subspace of C (up to τ·θ₁):
//!   the solver stops with [`Solution::invariant`] and [`Solution::converged`] set, each θ_i
//!   an eigenvalue of C within its residual. Q then holds range C and the null-space part of
//!   V₁, so the top k past rank C (k ≥ N − 1) come out as the eigenvalues beyond the rank:
//!   0 up to round-off (|θ| ≲ ε‖H‖). Earlier versions replaced a vanished column by a fresh
//!   Gaussian one; at D ≫ N that kept adding null-space directions with Ritz values ≈ 0 and
//!   graded H down to round-off.
//! - Rayleigh–Ritz after every product pass: H = Qᵀ (C Q) (s × s; new columns Qᵀ W_j, new
//!   rows their transpose, so H is symmetric by construction), H = S Θ Sᵀ by the dense
//!   [`super::eigen::eigen_desc`] applied to H + σI, σ = ‖H‖_∞ ≥ ‖H‖₂, then θ ← θ − σ. The
//!   shift is there for the tridiagonal QL of the wasm path (and native fallback): its
//!   deflation test is relative, |e_m| ≤ ε(|d_m| + |d_{m+1}|), and with the null-space
//!   columns of V₁ (D > N) H has eigenvalues from ‖C‖ down to 1e-16·‖C‖ and a tridiagonal
//!   graded to 1e-19; measured on 100 × 2000 rows (k = 10…150), the QL did not converge at
//!   position 0 in 30 iterations on every such H (faer's solver did). H is exactly symmetric,
//!   finite, without subnormals there: the grading was the cause. Shifted, every diagonal entry
//!   is ~σ and the round-off tail splits off at once; the solver's error, ε‖H‖ absolute for a
//!   backward-stable method, at most doubles. The Ritz pairs are (θ_i, y_i = Q s_i) and their
//!   residuals are computed exactly from the kept image, no further pass:
//!   r_i = ‖C y_i − θ_i y_i‖ = ‖(CQ) s_i − θ_i Q s_i‖ (‖y_i‖ = 1).
//! - Thick restart (Wu & Simon 2000, thick-restart Lanczos; Stathopoulos & Saad's block
//!   form). The basis holds at most s_max = max(4b, 512) columns ([`Settings::basis_cap`],
//!   at most D). When the next block would pass s_max, the basis is compressed to the best
//!   m = s_max/2 Ritz pairs: Q ← Q S_m, CQ ← CQ S_m (exact: the image is linear), H ←
//!   diag(θ₁ … θ_m). The next block is W_j made orthogonal to the whole basis before the
//!   compression, hence to the kept Ritz vectors too; every residual C y_i − θ_i y_i lies in
//!   its span, so [Y_m, V_{j+1}, …] is again a Krylov space and nothing already found is
//!   lost. Each pass then costs O((4b)³) for the dense solve and O(D·s_max·b) for the
//!   orthogonalisation, against O((q·b)³) growing with the pass count q before (at D = 4096,
//!   k = 500 the basis reached 4080 columns and the dense solves took most of 395 s).
//!
//! ## Rule for block size, passes and stop
//! - b = min(k + p, D), oversampling p = 10 by default ([`Settings::oversample`]): the error of
//!   λ_i after q passes falls as T_q(1 + 2γ_i)⁻², γ_i = (λ_i − λ_{i+b})/(λ_{i+b} − λ_D), so b ≈ 2k
//!   would hardly be needed on a power law (γ_k ≥ 2^α − 1 already for b ≥ k). After a restart
//!   the kept m ≥ 2b Ritz vectors play the part of the larger block.
//! - Stop after the first product pass at which every one of the top k Ritz pairs has
//!   e_i ≤ tol · θ_i (default tol = 1e-10), or, for a θ_i at round-off level
//!   (θ_i ≤ θ₁ · max(N, D) · ε₆₄, the numerical-rank threshold of the full path),
//!   e_i ≤ tol · θ₁, where e_i = min(r_i, r_i²/δ_i), and also r_i ≤ √tol · θ_i (θ₁). For a symmetric C some eigenvalue lies
//!   within r_i of θ_i (Weyl), and within r_i²/gap_i when θ_i is separated by gap_i from the
//!   rest of the spectrum (Kato–Temple); δ_i stands in for that gap: the distance from θ_i to
//!   the nearest Ritz value outside its cluster (|θ_j − θ_i| > r_i + r_j), all s of them. r_i
//!   is a bound; e_i is an estimate (the Ritz values stand in for the spectrum), and both are
//!   reported.
//! - Or when the basis fills the space (s = D: then H is C in another basis and the values
//!   are exact up to round-off) or becomes invariant (the next block deflated to nothing, see
//!   above), or at the cap of [`Settings::max_passes`] product passes (default 24): then
//!   [`Solution::converged`] is false and the residuals say how far.
//!
//! ## Memory
//! Q and CQ: 2·D·s f64 with s ≤ min(s_max, b·q), plus H and S (2·s²), the Ritz vectors and
//! their images at a restart (2·D·s_max/2), the next block, its transpose and the pass's
//! accumulator (3·D·b): [`Settings::memory_bytes`] gives 8·(3·D·s + 2·s² + 3·D·b) bytes before
//! anything is allocated, O(D·max(4b, 512)) whatever the number of passes. At D = 32 768,
//! k = 100 (b = 110, s_max = 512): 470 MiB, against 8 GiB for C.

use super::{dot, eigen::eigen_desc, gemm, Mat};
use crate::error::{Error, Result, ShareError};
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// The largest k the solver takes.
pub const MAX_K: usize = 2048;

/// How the solver chooses its block and when it stops (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Columns added to k for the block: b = min(k + oversample, D).
    pub oversample: usize,
    /// Relative residual at which a Ritz pair is converged: r_i ≤ tol · θ_i.
    pub tol: f64,
    /// Most product passes (pass 0, the moments, not counted).
    pub max_passes: usize,
    /// Seed of the Gaussian start block.
    pub seed: u64,
    /// Most columns of the Krylov basis before a thick restart (s_max); 0 chooses
    /// max(4·b, 512). At s_max ≥ D the basis is never restarted.
    pub max_basis: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { oversample: 10, tol: 1e-10, max_passes: 24, seed: 0x70b_c0de, max_basis: 0 }
    }
}

impl Settings {
    /// Block size for k of D units.
    pub fn block(&self, d: usize, k: usize) -> usize {
        (k + self.oversample).min(d)
    }

    /// Most columns of the basis: s_max = max(4·b, 512) (or [`max_basis`](Self::max_basis)),
    /// at most D, at least 2·b (a restart keeps s_max/2 ≥ b columns and adds a block).
    pub fn basis_cap(&self, d: usize, k: usize) -> usize {
        let b = self.block(d, k);
        let cap = if self.max_basis == 0 { (4 * b).max(512) } else { self.max_basis.max(2 * b) };
        cap.min(d)
    }

    /// Bytes the solver holds at most for D units and top k, before any of it is allocated:
    /// Q and CQ (D × s each), H and S (s × s each), the Ritz vectors and their images at a
    /// restart (D × s/2 each), the next block, its transpose and the pass's accumulator
    /// (D × b each), s = min(s_max, b·max_passes).
    pub fn memory_bytes(&self, d: usize, k: usize) -> u64 {
        let b = self.block(d, k) as u64;
        let s = (self.basis_cap(d, k) as u64).min(b * self.max_passes as u64);
        let d = d as u64;
        8 * (3 * d * s + 2 * s * s + 3 * d * b)
    }
}

/// What a pass over the rows computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PassKind {
    /// N, μ and the units' sums of squared deviations.
    Moments,
    /// C V for the current block V.
    Product,
}

/// What every reader of a pass needs: for a product pass, μ and the block V (D × b). Cheap to
/// clone to a worker (O(D·b)); [`to_flat`](Self::to_flat) is the form a Web Worker receives.
#[derive(Debug, Clone, PartialEq)]
pub struct PassInput {
    d: usize,
    /// μ and V; none for the moments pass.
    product: Option<(Vec<f64>, Mat)>,
}

impl PassInput {
    pub fn kind(&self) -> PassKind {
        if self.product.is_some() {
            PassKind::Product
        } else {
            PassKind::Moments
        }
    }

    /// Units per row.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// `[d, b, μ (d), V column-major (d·b)]`, or `[d, 0]` for the moments pass.
    pub fn to_flat(&self) -> Vec<f64> {
        match &self.product {
            None => vec![self.d as f64, 0.0],
            Some((mean, v)) => {
                let mut out = Vec::with_capacity(2 + self.d * (1 + v.cols()));
                out.extend([self.d as f64, v.cols() as f64]);
                out.extend_from_slice(mean);
                out.extend_from_slice(v.as_slice());
                out
            }
        }
    }

    /// Reads what [`to_flat`](Self::to_flat) wrote; a malformed array is an error.
    pub fn from_flat(v: &[f64]) -> Result<PassInput> {
        let bad = |detail: &str| ShareError::Malformed { values: v.len(), detail: format!("pass input: {detail}") };
        let count = |x: Option<&f64>| match x {
            Some(&x) if x >= 0.0 && x.fract() == 0.0 && x < 2f64.powi(40) => Some(x as usize),
            _ => None,
        };
        let (d, b) = match (count(v.first()), count(v.get(1))) {
            (Some(d), Some(b)) if d > 0 && b <= d => (d, b),
            _ => return Err(bad("d and b must be whole numbers, 0 < d, b ≤ d").into()),
        };
        if b == 0 {
            return if v.len() == 2 { Ok(PassInput { d, product: None }) } else { Err(bad("length").into()) };
        }
        if v.len() != 2 + d + d * b {
            return Err(bad(&format!("needs 2 + d + d·b = {} values", 2 + d + d * b)).into());
        }
        let mean = v[2..2 + d].to_vec();
        let block = Mat::from_col_major(d, b, v[2 + d..].to_vec());
        Ok(PassInput { d, product: Some((mean, block)) })
    }
}

/// One reader's share of a pass: what its rows add. Shares of one pass merge by
/// [`merge`](Self::merge) in any order.
#[derive(Debug, Clone, PartialEq)]
pub struct PassShare {
    d: usize,
    rows: u64,
    acc: ShareAcc,
}

#[derive(Debug, Clone, PartialEq)]
enum ShareAcc {
    /// Mean and sums of squared deviations of the rows seen (Welford / Chan).
    Moments { mean: Vec<f64>, m2: Vec<f64> },
    /// Σ (x − μ)((x − μ)ᵀ V), D × b column-major.
    Product { b: usize, acc: Vec<f64> },
}

impl PassShare {
    /// An empty share for the pass `input` describes.
    pub fn new(input: &PassInput) -> PassShare {
        let d = input.d;
        let acc = match &input.product {
            None => ShareAcc::Moments { mean: vec![0.0; d], m2: vec![0.0; d] },
            Some((_, v)) => ShareAcc::Product { b: v.cols(), acc: vec![0.0; d * v.cols()] },
        };
        PassShare { d, rows: 0, acc }
    }

    /// Rows added so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Adds `n` rows (row-major, `n · D` values of `block`). A NaN or ±Inf is an error here
    /// ([`crate::error::DataError::NonFinite`], its row counted from this share's first row).
    pub fn add_rows(&mut self, input: &PassInput, block: &[f64], n: usize) -> Result<()> {
        let d = self.d;
        if input.d != d || block.len() < n * d {
            return Err(ShareError::Malformed {
                values: block.len(),
                detail: format!("a block of {n} rows of {d} units needs {} values", n * d),
            }
            .into());
        }
        let block = &block[..n * d];
        if let Some(k) = block.iter().position(|v| !v.is_finite()) {
            return Err(crate::error::DataError::NonFinite {
                row: self.rows + (k / d) as u64,
                col: (k % d) as u64,
                value: block[k],
            }
            .into());
        }
        match (&mut self.acc, &input.product) {
            (ShareAcc::Moments { mean, m2 }, None) => {
                // The block's own mean and M2 (two passes over the block), then Chan's update.
                let nb = n as f64;
                let mut bm = vec![0.0; d];
                for row in block.chunks_exact(d) {
                    for (m, x) in bm.iter_mut().zip(row) {
                        *m += x;
                    }
                }
                bm.iter_mut().for_each(|m| *m /= nb.max(1.0));
                let mut bm2 = vec![0.0; d];
                for row in block.chunks_exact(d) {
                    for ((s, x), m) in bm2.iter_mut().zip(row).zip(&bm) {
                        *s += (x - m) * (x - m);
                    }
                }
                chan(mean, m2, self.rows, &bm, &bm2, n as u64);
            }
            (ShareAcc::Product { b, acc }, Some((mu, v))) => {
                // In chunks of about 2²² values (32 MiB; at least 64 rows), whatever block the
                // reader gives: the chunk is copied twice.
                let chunk = (CHUNK_VALUES / d).max(64);
                for part in block.chunks(chunk * d) {
                    product_chunk(part, part.len() / d, d, mu, v, *b, acc);
                }
            }
            _ => {
                return Err(ShareError::Malformed {
                    values: block.len(),
                    detail: "the share and the pass input are of different passes".into(),
                }
                .into())
            }
        }
        self.rows += n as u64;
        Ok(())
    }

    /// Adds another share of the same pass.
    pub fn merge(&mut self, other: &PassShare) -> Result<()> {
        if other.d != self.d {
            return Err(ShareError::UnequalUnits { left: self.d, right: other.d }.into());
        }
        match (&mut self.acc, &other.acc) {
            (ShareAcc::Moments { mean, m2 }, ShareAcc::Moments { mean: om, m2: om2 }) => {
                chan(mean, m2, self.rows, om, om2, other.rows)
            }
            (ShareAcc::Product { b, acc }, ShareAcc::Product { b: ob, acc: oacc }) if b == ob => {
                acc.iter_mut().zip(oacc).for_each(|(a, o)| *a += o)
            }
            _ => return Err(ShareError::Malformed { values: 0, detail: "shares of different passes".into() }.into()),
        }
        self.rows += other.rows;
        Ok(())
    }

    /// `[d, rows, kind (0 moments, else b), payload]`: moments `mean (d), m2 (d)`, product
    /// the accumulator (d·b, column-major). The form a worker transfers back.
    pub fn to_flat(&self) -> Vec<f64> {
        let mut out = vec![self.d as f64, self.rows as f64];
        match &self.acc {
            ShareAcc::Moments { mean, m2 } => {
                out.push(0.0);
                out.extend_from_slice(mean);
                out.extend_from_slice(m2);
            }
            ShareAcc::Product { b, acc } => {
                out.push(*b as f64);
                out.extend_from_slice(acc);
            }
        }
        out
    }

    /// Reads what [`to_flat`](Self::to_flat) wrote; a malformed array is an error.
    pub fn from_flat(v: &[f64]) -> Result<PassShare> {
        let bad = |detail: String| ShareError::Malformed { values: v.len(), detail: format!("pass share: {detail}") };
        let whole = |i: usize| v.get(i).copied().filter(|x| *x >= 0.0 && x.fract() == 0.0 && *x < 2f64.powi(53));
        let (d, rows, b) = match (whole(0), whole(1), whole(2)) {
            (Some(d), Some(r), Some(b)) if d >= 1.0 && b <= d => (d as usize, r as u64, b as usize),
            _ => return Err(bad("header [d, rows, b] must be whole numbers, d ≥ 1, b ≤ d".into()).into()),
        };
        let payload = &v[3..];
        let acc = if b == 0 {
            if payload.len() != 2 * d {
                return Err(bad(format!("moments need 2·d = {} values", 2 * d)).into());
            }
            ShareAcc::Moments { mean: payload[..d].to_vec(), m2: payload[d..].to_vec() }
        } else {
            if payload.len() != d * b {
                return Err(bad(format!("a product needs d·b = {} values", d * b)).into());
            }
            ShareAcc::Product { b, acc: payload.to_vec() }
        };
        Ok(PassShare { d, rows, acc })
    }
}

/// The deflation threshold τ: a new basis column whose part outside the basis is at most
/// τ·θ₁ is dropped (module docs).
pub const DEFLATION: f64 = 1e-10;

/// Qᵀ X (s × `cols`, column-major) for Q (D × s) and X (D × `cols`), both column-major: Xᵀ Q by
/// GEMM on the transposed block, transposed back.
fn at_b(d: usize, q: &[f64], s: usize, x: &[f64], cols: usize) -> Vec<f64> {
    let mut xt = vec![0.0; cols * d];
    for (c, col) in x.chunks_exact(d).take(cols).enumerate() {
        for (j, v) in col.iter().enumerate() {
            xt[c + j * cols] = *v;
        }
    }
    let mut out = vec![0.0; cols * s];
    gemm::gemm(cols, s, d, &xt, &q[..d * s], &mut out);
    let mut res = vec![0.0; s * cols];
    for i in 0..s {
        for c in 0..cols {
            res[i + c * s] = out[c + i * cols];
        }
    }
    res
}

/// Values per chunk of rows in a product pass.
const CHUNK_VALUES: usize = 1 << 22;

/// acc += Bᵀ (B V) for the `n` rows of `block` centred by `mu` (B, n × D).
fn product_chunk(block: &[f64], n: usize, d: usize, mu: &[f64], v: &Mat, b: usize, acc: &mut [f64]) {
    if n == 0 {
        return;
    }
    // Centred rows, row-major (= Bᵀ column-major, D × n) and column-major (B, n × D).
    let mut bt = block.to_vec();
    for row in bt.chunks_exact_mut(d) {
        for (x, m) in row.iter_mut().zip(mu) {
            *x -= m;
        }
    }
    let mut bc = vec![0.0; n * d];
    for (i, row) in bt.chunks_exact(d).enumerate() {
        for (j, x) in row.iter().enumerate() {
            bc[i + j * n] = *x;
        }
    }
    // W = B V (n × b), then acc += Bᵀ W (D × b).
    let mut w = vec![0.0; n * b];
    gemm::gemm(n, b, d, &bc, v.as_slice(), &mut w);
    gemm::gemm(d, b, n, &bt, &w, acc);
}

/// Chan et al.'s pairwise update of per-unit mean and M2: (mean, m2) of `na` rows absorbs
/// (mb, m2b) of `nb` rows.
fn chan(mean: &mut [f64], m2: &mut [f64], na: u64, mb: &[f64], m2b: &[f64], nb: u64) {
    if nb == 0 {
        return;
    }
    let (fa, fb) = (na as f64, nb as f64);
    let n = fa + fb;
    for j in 0..mean.len() {
        let delta = mb[j] - mean[j];
        mean[j] += delta * fb / n;
        m2[j] += m2b[j] + delta * delta * fa * fb / n;
    }
}

/// The result: the top k eigenvalues of C and how far they are from converged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Solution {
    /// λ₁ ≥ … ≥ λ_k (Ritz values).
    pub values: Vec<f64>,
    /// ‖C y_i − θ_i y_i‖ per value, from the last pass: some eigenvalue lies within r_i of θ_i.
    pub residuals: Vec<f64>,
    /// The error estimate min(r_i, r_i²/δ_i) the stopping rule uses (δ_i: the gap from θ_i to the
    /// nearest other Ritz value outside its cluster; an estimate, the Ritz values standing in
    /// for the spectrum).
    pub errors: Vec<f64>,
    /// Every residual met the stopping rule (module docs).
    pub converged: bool,
    /// Passes over the rows, the moments pass included.
    pub passes: usize,
    /// Block size b.
    pub block: usize,
    /// Columns of the final Krylov basis (s).
    pub basis: usize,
    /// The basis became an invariant subspace of C (the next block deflated to nothing, or
    /// s = D): each θ_i is then an eigenvalue of C up to its residual r_i.
    #[serde(default)]
    pub invariant: bool,
    /// Thick restarts made (module docs).
    #[serde(default)]
    pub restarts: usize,
    /// Rows N.
    pub n_rows: u64,
    /// Σ_j C_jj, exact from pass 0.
    pub trace: f64,
    /// Units with no variance (M2_j = 0).
    pub n_constant_columns: usize,
    /// The relative tolerance used.
    pub tol: f64,
}

/// The solver's state between passes. Drive it as
/// `while let Some(input) = s.next_pass() { share = PassShare::new(&input); for each row
/// block: share.add_rows(&input, rows, n)?; (merge shares); s.finish_pass(share)? }` then
/// [`solution`](Self::solution). [`solve`] does this for one reader.
#[derive(Debug, Clone)]
pub struct TopK {
    d: usize,
    k: usize,
    b: usize,
    settings: Settings,
    rng: Rng,
    n: u64,
    mean: Vec<f64>,
    trace: f64,
    n_constant_columns: usize,
    /// Q (D × s) and CQ, column-major, grown by b columns per pass.
    q: Vec<f64>,
    cq: Vec<f64>,
    /// H = Qᵀ C Q, s × s column-major.
    h: Vec<f64>,
    s: usize,
    /// Most columns of the basis (s_max) and how many Ritz vectors a restart keeps (m).
    cap: usize,
    keep: usize,
    restarts: usize,
    /// V for the next product pass (D × b); none before pass 0 ends and after the last.
    next: Option<Mat>,
    passes: usize,
    started: bool,
    solution: Option<Solution>,
}

impl TopK {
    /// A solver for the top `k` eigenvalues of the covariance of rows of `d` units.
    /// Refuses k < 1, k > D and k > [`MAX_K`].
    pub fn new(d: usize, k: usize, settings: Settings) -> Result<TopK> {
        if d == 0 {
            return Err(crate::error::DataError::NoColumns.into());
        }
        if k < 1 || k > d || k > MAX_K {
            return Err(Error::Setting(format!(
                "top k = {k}: k must be at least 1 and at most min(D, {MAX_K}) = {} for D = {d} units; choose k in \
                 1…{}",
                d.min(MAX_K),
                d.min(MAX_K)
            )));
        }
        if !(settings.tol > 0.0 && settings.tol < 1.0) || settings.max_passes == 0 {
            return Err(Error::Setting(format!(
                "top k: tol = {} must be in (0, 1) and max_passes = {} at least 1",
                settings.tol, settings.max_passes
            )));
        }
        Ok(TopK {
            d,
            k,
            b: settings.block(d, k),
            settings,
            rng: Rng::new(settings.seed),
            n: 0,
            mean: Vec::new(),
            trace: 0.0,
            n_constant_columns: 0,
            q: Vec::new(),
            cq: Vec::new(),
            h: Vec::new(),
            s: 0,
            cap: settings.basis_cap(d, k),
            keep: settings.basis_cap(d, k) / 2,
            restarts: 0,
            next: None,
            passes: 0,
            started: false,
            solution: None,
        })
    }

    pub fn dim(&self) -> usize {
        self.d
    }

    pub fn k(&self) -> usize {
        self.k
    }

    /// Passes finished so far (moments included).
    pub fn passes(&self) -> usize {
        self.passes
    }

    /// What the next pass over the rows needs, or none when the solver is done.
    pub fn next_pass(&self) -> Option<PassInput> {
        if self.solution.is_some() {
            return None;
        }
        match (&self.next, self.started) {
            (None, false) => Some(PassInput { d: self.d, product: None }),
            (Some(v), _) => Some(PassInput { d: self.d, product: Some((self.mean.clone(), v.clone())) }),
            (None, true) => None,
        }
    }

    /// Takes the merged share of the pass [`next_pass`](Self::next_pass) described. Returns
    /// true when the solver is done.
    pub fn finish_pass(&mut self, share: PassShare) -> Result<bool> {
        if self.solution.is_some() {
            return Ok(true);
        }
        if share.d != self.d {
            return Err(ShareError::UnequalUnits { left: self.d, right: share.d }.into());
        }
        match share.acc {
            ShareAcc::Moments { mean, m2 } if !self.started => {
                if share.rows < 2 {
                    return Err(crate::error::DataError::TooFewRows { rows: share.rows }.into());
                }
                self.started = true;
                self.passes = 1;
                self.n = share.rows;
                self.n_constant_columns = m2.iter().filter(|v| **v == 0.0).count();
                self.trace = m2.iter().sum::<f64>() / (self.n - 1) as f64;
                self.mean = mean;
                let mut v = vec![0.0; self.d * self.b];
                self.rng.fill_normal(&mut v);
                self.next = Some(self.orthonormalise(v, self.b, 0.0));
                Ok(false)
            }
            ShareAcc::Product { b, acc } if self.next.as_ref().is_some_and(|v| v.cols() == b) => {
                if share.rows != self.n {
                    return Err(Error::Setting(format!(
                        "top k: a pass read {} rows but the first pass read {}; every pass must read the same rows",
                        share.rows, self.n
                    )));
                }
                let v = self.next.take().map(Mat::into_vec).unwrap_or_default();
                let scale = 1.0 / (self.n - 1) as f64;
                let w: Vec<f64> = acc.iter().map(|x| x * scale).collect();
                if let Some(i) = w.iter().position(|x| !x.is_finite()) {
                    return Err(crate::error::NumericalError::NonFiniteMatrix {
                        row: i % self.d,
                        col: i / self.d,
                        value: w[i],
                    }
                    .into());
                }
                self.passes += 1;
                self.absorb(v, w, b)?;
                Ok(self.solution.is_some())
            }
            _ => Err(ShareError::Malformed {
                values: 0,
                detail: "a share of another pass than the one asked for".into(),
            }
            .into()),
        }
    }

    /// The result, once [`finish_pass`](Self::finish_pass) returned true.
    pub fn solution(&self) -> Option<&Solution> {
        self.solution.as_ref()
    }

    /// Appends V (D × b) and W = C V to the basis, grows H, solves the projected problem and
    /// either stops or prepares the next block (restarting the basis when it would pass s_max).
    fn absorb(&mut self, v: Vec<f64>, w: Vec<f64>, b: usize) -> Result<()> {
        let (d, s0) = (self.d, self.s);
        let s = s0 + b;
        self.q.extend_from_slice(&v);
        self.cq.extend_from_slice(&w);
        // H grows from s0 × s0 to s × s: the new columns are Qᵀ W (all s rows), the new rows
        // their transpose, so H is symmetric by construction (the new diagonal block averaged
        // with its transpose).
        let qtw = at_b(d, &self.q, s, &w, b);
        let mut h = vec![0.0; s * s];
        for j in 0..s0 {
            h[j * s..j * s + s0].copy_from_slice(&self.h[j * s0..(j + 1) * s0]);
        }
        for c in 0..b {
            h[(s0 + c) * s..(s0 + c + 1) * s].copy_from_slice(&qtw[c * s..(c + 1) * s]);
        }
        for c in 0..b {
            for i in 0..s0 + c {
                let x = if i < s0 { h[(s0 + c) * s + i] } else { 0.5 * (h[(s0 + c) * s + i] + h[i * s + s0 + c]) };
                h[(s0 + c) * s + i] = x;
                h[i * s + s0 + c] = x;
            }
        }
        self.h = h;
        self.s = s;
        // The dense solve runs on H + σI, σ = ‖H‖_∞ ≥ ‖H‖₂ (module docs: with the start block's
        // null-space columns H is graded down to round-off, on which the tridiagonal QL's
        // relative deflation test stalls); its error, ε‖H‖ absolute, at most doubles.
        let sigma = (0..s).map(|j| self.h[j * s..(j + 1) * s].iter().map(|x| x.abs()).sum::<f64>()).fold(0.0, f64::max);
        let mut shifted = self.h.clone();
        (0..s).for_each(|j| shifted[j * s + j] += sigma);

        let (mut theta, sv) = eigen_desc(&shifted, s)?;
        drop(shifted);
        theta.iter_mut().for_each(|t| *t -= sigma);
        let k = self.k.min(s);
        let t1 = theta.first().copied().unwrap_or(0.0).abs();
        // The next block: W made orthogonal to Q (all s columns, before any restart) and
        // orthonormal, columns that carry nothing new dropped (deflation).
        let room = self.cap.min(d);
        let restart = s + b > room && room < d && s > self.keep;
        let nb = if restart { b } else { b.min(d - s) };
        let next = if nb == 0 { None } else { Some(self.orthonormalise(w[..d * nb].to_vec(), nb, t1)) };
        let invariant = next.as_ref().is_some_and(|m| m.cols() == 0);
        // Ritz vectors Y = Q S_m and their images Z = CQ S_m (m = k, or the kept count at a restart).
        let m = if restart { self.keep.max(k) } else { k };
        let sm = &sv.as_slice()[..s * m];
        let mut y = vec![0.0; d * m];
        let mut z = vec![0.0; d * m];
        gemm::gemm(d, m, s, &self.q, sm, &mut y);
        gemm::gemm(d, m, s, &self.cq, sm, &mut z);
        let residuals: Vec<f64> = (0..k)
            .map(|i| {
                let (yi, zi) = (&y[i * d..(i + 1) * d], &z[i * d..(i + 1) * d]);
                zi.iter().zip(yi).map(|(z, y)| (z - theta[i] * y).powi(2)).sum::<f64>().sqrt()
            })
            .collect();
        let tol = self.settings.tol;
        let floor = t1 * (self.n.max(d as u64) as f64) * f64::EPSILON;
        // Error estimate per value: min(r_i, r_i²/δ_i), δ_i the distance from θ_i to the nearest
        // Ritz value outside its cluster (|θ_j − θ_i| > r_i + r_j), all s of them.
        let errors: Vec<f64> = (0..k)
            .map(|i| {
                let delta = (0..s)
                    .filter(|&j| {
                        j != i && (theta[j] - theta[i]).abs() > residuals[i] + residuals.get(j).copied().unwrap_or(0.0)
                    })
                    .map(|j| (theta[j] - theta[i]).abs())
                    .fold(f64::INFINITY, f64::min);
                if delta.is_finite() {
                    residuals[i].min(residuals[i] * residuals[i] / delta)
                } else {
                    residuals[i]
                }
            })
            .collect();
        let converged = k == self.k
            && (0..k).all(|i| {
                let scale = if theta[i] > floor { theta[i] } else { t1 };
                errors[i] <= tol * scale && residuals[i] <= tol.sqrt() * scale
            });
        let full = s >= d;
        let product_passes = self.passes - 1;
        if converged || full || invariant || next.is_none() || product_passes >= self.settings.max_passes {
            self.solution = Some(Solution {
                values: theta[..k].to_vec(),
                residuals,
                errors,
                converged: converged || ((full || invariant) && k == self.k),
                invariant: invariant || full,
                passes: self.passes,
                block: self.b,
                basis: s,
                restarts: self.restarts,
                n_rows: self.n,
                trace: self.trace,
                n_constant_columns: self.n_constant_columns,
                tol,
            });
            self.next = None;
            return Ok(());
        }
        if restart {
            // Thick restart: keep the m best Ritz pairs, Q ← Q S_m, CQ ← C Q S_m (exact, from the
            // kept image), H ← diag(θ₁ … θ_m); the new block is already orthogonal to all of Q.
            self.q = y;
            self.cq = z;
            self.s = m;
            self.h = vec![0.0; m * m];
            for (i, t) in theta.iter().take(m).enumerate() {
                self.h[i * m + i] = *t;
            }
            self.restarts += 1;
        }
        self.next = next;
        Ok(())
    }

    /// `v` (D × `cols`, column-major) made orthogonal to the basis Q and orthonormal, with
    /// deflation. Two rounds, each block classical Gram–Schmidt against Q (Qᵀ V and Q (Qᵀ V)
    /// by GEMM) then modified Gram–Schmidt within the block and normalisation. A column is
    /// dropped when what the first round leaves of it is at most τ·scale (τ = [`DEFLATION`];
    /// scale = θ₁ ≈ ‖C‖ for a product block, the column's own norm for the start block), or
    /// when the second round takes away half or more of the unit vector the first round left
    /// (it was round-off, numerically inside the span: Kahan and Parlett's "twice is enough"
    /// test). Dropped columns are not replaced.
    fn orthonormalise(&self, mut v: Vec<f64>, cols: usize, theta1: f64) -> Mat {
        let (d, s) = (self.d, self.s);
        let norm = |x: &[f64]| dot(x, x).sqrt();
        let before: Vec<f64> = v.chunks_exact(d).take(cols).map(norm).collect();
        let mut alive: Vec<bool> = before.iter().map(|b| *b > 0.0).collect();
        for round in 0..2 {
            if s > 0 {
                let mut p = at_b(d, &self.q[..d * s], s, &v, cols);
                p.iter_mut().for_each(|x| *x = -*x);
                gemm::gemm(d, cols, s, &self.q[..d * s], &p, &mut v);
            }
            for c in 0..cols {
                let (left, right) = v.split_at_mut(c * d);
                let col = &mut right[..d];
                if alive[c] {
                    for j in (0..c).filter(|&j| alive[j]) {
                        let qj = &left[j * d..(j + 1) * d];
                        let p = dot(qj, col);
                        col.iter_mut().zip(qj).for_each(|(x, q)| *x -= p * q);
                    }
                    let a = norm(col);
                    let scale = if s > 0 && theta1 > 0.0 { theta1 } else { before[c] };
                    alive[c] = if round == 0 { a > DEFLATION * scale } else { a >= 0.5 };
                    if alive[c] {
                        col.iter_mut().for_each(|x| *x /= a);
                    }
                }
                if !alive[c] {
                    col.iter_mut().for_each(|x| *x = 0.0);
                }
            }
        }
        let kept: Vec<f64> =
            v.chunks_exact(d).zip(&alive).filter(|(_, a)| **a).flat_map(|(c, _)| c.iter().copied()).collect();
        let n = kept.len() / d;
        Mat::from_col_major(d, n, kept)
    }
}

/// Runs the solver on rows that can be read again: `read_pass` is called once per pass with
/// the pass input and must feed every row (in blocks) to the share it is given.
pub fn solve(
    d: usize,
    k: usize,
    settings: Settings,
    read_pass: &mut dyn FnMut(&PassInput, &mut PassShare) -> Result<()>,
) -> Result<Solution> {
    let mut solver = TopK::new(d, k, settings)?;
    while let Some(input) = solver.next_pass() {
        let mut share = PassShare::new(&input);
        read_pass(&input, &mut share)?;
        if solver.finish_pass(share)? {
            break;
        }
    }
    solver.solution().cloned().ok_or_else(|| Error::Setting("top k: the solver stopped without a result".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::eigen::eigenvalues_desc;

    /// A small matrix with an offset mean: covariance by definition, its eigenvalues by the
    /// dense solver, against the top k from passes of 7 rows.
    #[test]
    fn matches_the_dense_solver_and_merges_shares() {
        let (n, d, k) = (60usize, 24usize, 5usize);
        let mut rng = Rng::new(3);
        let mut x = vec![0.0; n * d];
        rng.fill_normal(&mut x);
        for (i, v) in x.iter_mut().enumerate() {
            let j = i % d;
            *v = *v * (1.0 + j as f64).powf(-0.8) + 100.0 + j as f64;
        }
        let mean: Vec<f64> = (0..d).map(|j| (0..n).map(|i| x[i * d + j]).sum::<f64>() / n as f64).collect();
        let mut c = vec![0.0; d * d];
        for i in 0..n {
            for a in 0..d {
                for b in 0..d {
                    c[a * d + b] += (x[i * d + a] - mean[a]) * (x[i * d + b] - mean[b]) / (n - 1) as f64;
                }
            }
        }
        let want = eigenvalues_desc(&c, d).unwrap();
        let sol = solve(d, k, Settings { oversample: 2, ..Settings::default() }, &mut |input, share| {
            // Two shares of rows, merged, as two workers would.
            let mut other = PassShare::new(input);
            for (i, rows) in x.chunks(7 * d).enumerate() {
                let target = if i % 2 == 0 { &mut *share } else { &mut other };
                target.add_rows(input, rows, rows.len() / d)?;
            }
            let other = PassShare::from_flat(&other.to_flat())?;
            share.merge(&other)
        })
        .unwrap();
        assert!(sol.converged, "{sol:?}");
        let trace: f64 = (0..d).map(|j| c[j * d + j]).sum();
        assert!((sol.trace - trace).abs() <= 1e-12 * trace);
        for (g, w) in sol.values.iter().zip(&want) {
            assert!((g - w).abs() <= 1e-10 * w, "{g} vs {w}");
        }
        assert_eq!(sol.values.len(), k);
    }

    /// The wasm path's dense solver (Householder + tridiagonal QL, `eigen_desc_capped`) on the
    /// projected matrix of a D ≫ N problem: on H + σI it converges and agrees with the native
    /// solver's values (faer, what `solve` used here) to 1e-12·θ₁. Unshifted, the same H made
    /// the QL stop at its iteration cap (measured, module docs); not asserted, as that is a
    /// property of the QL, not of this module.
    #[test]
    fn the_ql_path_solves_the_shifted_projected_matrix_at_d_over_n() {
        let (n, d, k) = (100usize, 2000usize, 50usize);
        let mut rng = Rng::new(1);
        let mut x = vec![0.0; n * d];
        rng.fill_normal(&mut x);
        for (i, v) in x.iter_mut().enumerate() {
            *v *= (1.0 + (i % d) as f64).powf(-0.75);
        }
        let mut solver = TopK::new(d, k, Settings::default()).unwrap();
        while let Some(input) = solver.next_pass() {
            let mut share = PassShare::new(&input);
            share.add_rows(&input, &x, n).unwrap();
            if solver.finish_pass(share).unwrap() {
                break;
            }
        }
        let sol = solver.solution().unwrap().clone();
        assert!(sol.invariant && sol.converged, "{sol:?}");
        let s = solver.s;
        let sigma =
            (0..s).map(|j| solver.h[j * s..(j + 1) * s].iter().map(|x| x.abs()).sum::<f64>()).fold(0.0, f64::max);
        let mut shifted = solver.h.clone();
        (0..s).for_each(|j| shifted[j * s + j] += sigma);
        let (ql, _) = crate::linalg::eigen::eigen_desc_capped(&shifted, s, crate::linalg::tridiagonal::MAXIT).unwrap();
        for (g, w) in ql.iter().zip(&sol.values) {
            assert!((g - sigma - w).abs() <= 1e-12 * sol.values[0], "{} vs {w}", g - sigma);
        }
        let unshifted = crate::linalg::eigen::eigen_desc_capped(&solver.h, s, crate::linalg::tridiagonal::MAXIT);
        eprintln!("s = {s}, unshifted QL: {:?}", unshifted.err().map(|e| e.to_string()));
    }

    #[test]
    fn refuses_k_out_of_range_and_odd_shares() {
        assert!(TopK::new(10, 0, Settings::default()).unwrap_err().to_string().contains("at least 1"));
        assert!(TopK::new(10, 11, Settings::default()).is_err());
        assert!(TopK::new(5000, 2049, Settings::default()).is_err());
        assert!(PassInput::from_flat(&[3.0, 1.0, 0.0]).is_err());
        assert!(PassShare::from_flat(&[3.0, 10.0, 0.0, 1.0]).is_err());
        let input = PassInput::from_flat(&[2.0, 0.0]).unwrap();
        let mut share = PassShare::new(&input);
        assert!(share.add_rows(&input, &[1.0, f64::NAN], 1).is_err());
    }
}
