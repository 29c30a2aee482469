//! The toy model's forward and backward pass, written by hand over flat arrays because it is
//! the whole cost of a sweep (20 sparsities × 10 000 steps × 1024 samples) and runs in a
//! browser.
//!
//! h = W x, x̂ = ReLU(Wᵀh + b); per sample the kernel sums ℓ = Σᵢ Iᵢ (xᵢ − x̂ᵢ)², and the
//! callers divide the batch's sum (and its gradient) by B·n, for the notebook's mean over the
//! batch and the features (see the parent module). With gᵢ = ∂ℓ/∂(Wᵀh + b)ᵢ =
//! 2Iᵢ(x̂ᵢ − xᵢ)·[preᵢ > 0] and u = W g, the gradients are ∂/∂b = g and
//! ∂/∂W = h gᵀ + u xᵀ (W appears twice, tied). Zero features of a sparse x are skipped in
//! h = W x and in the u xᵀ term; features with g = 0 are skipped in u and in h gᵀ.
//!
//! Inside, W is held feature-major (`wf[i·m + k]` = W[k, i], column Wᵢ contiguous); the public
//! API speaks of W as m × n row-major.

use crate::error::{Error, Result};
use crate::rng::Rng;

/// Per-sample working memory, allocated once per run.
pub(crate) struct Scratch {
    /// The input, n values.
    pub x: Vec<f64>,
    /// Indices of its nonzero features.
    pub nz: Vec<usize>,
    /// h = W x, m values.
    pub h: Vec<f64>,
    /// u = W g, m values.
    pub u: Vec<f64>,
    /// Wᵀh + b, then g = ∂loss/∂(Wᵀh + b), n values.
    pub pre: Vec<f64>,
    pub g: Vec<f64>,
    /// Features with g ≠ 0 or x ≠ 0: the only ones with a nonzero ∂/∂Wᵢ.
    pub active: Vec<usize>,
    /// The gradient of the all-zero input, n·m + n values.
    pub empty_grad: Vec<f64>,
}

impl Scratch {
    pub fn new(n: usize, m: usize) -> Self {
        Scratch {
            x: vec![0.0; n],
            nz: Vec::with_capacity(n),
            h: vec![0.0; m],
            u: vec![0.0; m],
            pre: vec![0.0; n],
            g: vec![0.0; n],
            active: Vec::with_capacity(n),
            empty_grad: vec![0.0; n * m + n],
        }
    }
}

/// Draws one input into `scratch.x` (and the indices of its nonzero features into
/// `scratch.nz`): one uniform u per feature, xᵢ = max(u − S, 0)/(1 − S), which is 0 with
/// probability S and U[0, 1) otherwise. Branch-free, so that mid sparsities do not stall on
/// mispredicted branches.
#[inline(always)]
pub(crate) fn draw_input(rng: &mut Rng, sparsity: f64, inv_density: f64, scratch: &mut Scratch) {
    let n = scratch.x.len();
    scratch.nz.resize(n, 0);
    let mut count = 0;
    for i in 0..n {
        let x = (rng.uniform() - sparsity).max(0.0) * inv_density;
        scratch.x[i] = x;
        scratch.nz[count] = i;
        count += (x > 0.0) as usize;
    }
    scratch.nz.truncate(count);
}

/// Copies a given input row into `scratch` (for a fixed batch).
pub(crate) fn set_input(row: &[f64], scratch: &mut Scratch) {
    scratch.x.copy_from_slice(row);
    scratch.nz.clear();
    scratch.nz.extend((0..row.len()).filter(|&i| row[i] != 0.0));
}

/// The parameters as the kernel reads them: W feature-major, b, and the Gram matrix WᵀW
/// (n × n), which must be kept in step with W (see [`fill_gram`]).
pub(crate) struct Params<'a> {
    pub wf: &'a [f64],
    pub b: &'a [f64],
    pub gram: &'a [f64],
    pub m: usize,
    pub importance: &'a [f64],
}

/// WᵀW from W feature-major, into `gram` (n × n row-major).
pub(crate) fn fill_gram(wf: &[f64], n: usize, m: usize, gram: &mut [f64]) {
    for i in 0..n {
        for j in i..n {
            let v: f64 = wf[i * m..i * m + m].iter().zip(&wf[j * m..j * m + m]).map(|(a, b)| a * b).sum();
            gram[i * n + j] = v;
            gram[j * n + i] = v;
        }
    }
}

/// The loss of one sample (`scratch.x`, `scratch.nz` filled), leaving h in `scratch.h` and,
/// when `GRAD`, adding the sample's unscaled gradient to `grad` = [∂/∂W feature-major (n·m),
/// ∂/∂b (n)]. `M` > 0 fixes m at compile time (unrolled loops); `M` = 0 takes the run-time m.
///
/// Wᵀh + b is formed as b + Σⱼ xⱼ (WᵀW)ⱼ over the nonzero features when there are at most m
/// of them (a sparse input: |nz|·n work, vectorised over i), else as b + Wᵢ · h (n·m work).
#[inline(always)]
pub(crate) fn sample_loss_grad<const M: usize, const GRAD: bool>(
    p: &Params,
    scratch: &mut Scratch,
    grad: &mut [f64],
) -> f64 {
    let m = if M > 0 { M } else { p.m };
    let n = p.b.len();
    let Scratch { x, nz, h, u, pre, g, active, .. } = scratch;
    let (wf, b, importance) = (&p.wf[..n * m], &p.b[..n], &p.importance[..n]);
    let (h, u, x, pre, g) = (&mut h[..m], &mut u[..m], &x[..n], &mut pre[..n], &mut g[..n]);

    h.fill(0.0);
    for &j in nz.iter() {
        let xj = x[j];
        let wj = &wf[j * m..j * m + m];
        for k in 0..m {
            h[k] += xj * wj[k];
        }
    }
    if nz.len() <= m {
        pre.copy_from_slice(b);
        for &j in nz.iter() {
            let xj = x[j];
            let gj = &p.gram[j * n..j * n + n];
            for i in 0..n {
                pre[i] += xj * gj[i];
            }
        }
    } else {
        for i in 0..n {
            let wi = &wf[i * m..i * m + m];
            let mut s = b[i];
            for k in 0..m {
                s += wi[k] * h[k];
            }
            pre[i] = s;
        }
    }

    let mut loss = 0.0;
    if !GRAD {
        for i in 0..n {
            let d = pre[i].max(0.0) - x[i];
            loss += importance[i] * d * d;
        }
        return loss;
    }
    active.resize(n, 0);
    let mut count = 0;
    for i in 0..n {
        let d = pre[i].max(0.0) - x[i];
        loss += importance[i] * d * d;
        let gi = if pre[i] > 0.0 { 2.0 * importance[i] * d } else { 0.0 };
        g[i] = gi;
        active[count] = i;
        count += ((gi != 0.0) | (x[i] != 0.0)) as usize;
    }
    let active = &active[..count];
    let (gw, gb) = grad.split_at_mut(n * m);
    for (gbi, gi) in gb[..n].iter_mut().zip(g.iter()) {
        *gbi += gi;
    }
    u.fill(0.0);
    for &i in active {
        let gi = g[i];
        let wi = &wf[i * m..i * m + m];
        for k in 0..m {
            u[k] += gi * wi[k];
        }
    }
    for &i in active {
        let (gi, xi) = (g[i], x[i]);
        let gwi = &mut gw[i * m..i * m + m];
        for k in 0..m {
            gwi[k] += gi * h[k] + xi * u[k];
        }
    }
    loss
}

/// Runs `f::<M>(…)` with m fixed at compile time for the usual small m, else with `M` = 0.
macro_rules! with_const_m {
    ($m:expr, $f:ident ( $($arg:expr),* $(,)? )) => {
        match $m {
            1 => $f::<1>($($arg),*),
            2 => $f::<2>($($arg),*),
            3 => $f::<3>($($arg),*),
            4 => $f::<4>($($arg),*),
            5 => $f::<5>($($arg),*),
            6 => $f::<6>($($arg),*),
            8 => $f::<8>($($arg),*),
            10 => $f::<10>($($arg),*),
            _ => $f::<0>($($arg),*),
        }
    };
}
pub(crate) use with_const_m;

/// The summed loss of `batch` inputs, each put into `scratch` by `input`, adding their summed
/// gradient to `grad` (zeroed by the caller). All-zero inputs, most of a very sparse batch,
/// share one gradient: they are counted, and their loss and gradient computed once.
pub(crate) fn batch_loss_grad<const M: usize, F: FnMut(&mut Scratch)>(
    p: &Params,
    batch: usize,
    mut input: F,
    scratch: &mut Scratch,
    grad: &mut [f64],
) -> f64 {
    let mut loss = 0.0;
    let mut empty = 0usize;
    for _ in 0..batch {
        input(scratch);
        if scratch.nz.is_empty() {
            empty += 1;
            continue;
        }
        loss += sample_loss_grad::<M, true>(p, scratch, grad);
    }
    if empty > 0 {
        scratch.x.fill(0.0);
        scratch.nz.clear();
        let mut eg = std::mem::take(&mut scratch.empty_grad);
        eg.fill(0.0);
        let count = empty as f64;
        loss += count * sample_loss_grad::<M, true>(p, scratch, &mut eg);
        for (g, e) in grad.iter_mut().zip(&eg) {
            *g += count * e;
        }
        scratch.empty_grad = eg;
    }
    loss
}

/// One training batch of `batch` fresh inputs at sparsity S from `rng`.
pub(crate) fn train_batch<const M: usize>(
    p: &Params,
    rng: &mut Rng,
    sparsity: f64,
    batch: usize,
    scratch: &mut Scratch,
    grad: &mut [f64],
) -> f64 {
    let inv_density = 1.0 / (1.0 - sparsity);
    batch_loss_grad::<M, _>(p, batch, |s| draw_input(rng, sparsity, inv_density, s), scratch, grad)
}

/// The loss and its gradient on a fixed batch, for checking the hand-written backward pass.
#[derive(Debug, Clone, PartialEq)]
pub struct LossGrad {
    /// The training loss: Iᵢ (xᵢ − x̂ᵢ)² averaged over the rows of the batch and the n features,
    /// (1 / (rows·n)) Σ_rows Σᵢ Iᵢ (xᵢ − x̂ᵢ)², as Elhage et al.'s notebook reduces it.
    pub loss: f64,
    /// ∂loss/∂W, m × n row-major.
    pub grad_w: Vec<f64>,
    /// ∂loss/∂b, n values.
    pub grad_b: Vec<f64>,
}

/// The batch loss and its exact gradient for W (m × n row-major), b (n), importances (n) and
/// a batch `x` of rows × n, through the same code the training loop runs.
pub fn loss_and_grad(w: &[f64], b: &[f64], m: usize, importance: &[f64], x: &[f64]) -> Result<LossGrad> {
    let n = b.len();
    if n == 0 || m == 0 {
        return Err(Error::Setting(format!("loss_and_grad: n = {n} and m = {m} must both be at least 1")));
    }
    if w.len() != m * n || importance.len() != n || x.is_empty() || x.len() % n != 0 {
        return Err(Error::Setting(format!(
            "loss_and_grad: W has {} values (m·n = {}), importance {} (n = {n}), x {} (a multiple of n, not 0)",
            w.len(),
            m * n,
            importance.len(),
            x.len()
        )));
    }
    let rows = x.len() / n;
    let wf = transpose(w, m, n);
    let mut gram = vec![0.0; n * n];
    fill_gram(&wf, n, m, &mut gram);
    let p = Params { wf: &wf, b, gram: &gram, m, importance };
    let mut scratch = Scratch::new(n, m);
    let mut grad = vec![0.0; n * m + n];
    let loss = with_const_m!(m, fixed_batch(&p, x, &mut scratch, &mut grad));
    let scale = 1.0 / (rows as f64 * n as f64);
    grad.iter_mut().for_each(|g| *g *= scale);
    Ok(LossGrad { loss: loss * scale, grad_w: transpose(&grad[..n * m], n, m), grad_b: grad[n * m..].to_vec() })
}

/// [`batch_loss_grad`] over the rows of a given batch `x` (rows × n).
fn fixed_batch<const M: usize>(p: &Params, x: &[f64], scratch: &mut Scratch, grad: &mut [f64]) -> f64 {
    let n = p.b.len();
    let mut rows = x.chunks_exact(n);
    let input = |s: &mut Scratch| {
        if let Some(row) = rows.next() {
            set_input(row, s);
        }
    };
    batch_loss_grad::<M, _>(p, x.len() / n, input, scratch, grad)
}

/// The transpose of a row-major `rows × cols` matrix.
pub(crate) fn transpose(a: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    let mut t = vec![0.0; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            t[c * rows + r] = a[r * cols + c];
        }
    }
    t
}
