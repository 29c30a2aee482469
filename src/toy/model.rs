//! The toy model's forward and backward pass, written by hand over flat arrays because it is
//! the whole cost of a sweep (20 sparsities × 10 000 steps × 1024 samples) and runs in a
//! browser.
//!
//! h = W x, x̂ = ReLU(Wᵀh + b), loss = Σᵢ Iᵢ (xᵢ − x̂ᵢ)². With gᵢ = ∂loss/∂(Wᵀh + b)ᵢ =
//! 2Iᵢ(x̂ᵢ − xᵢ)·[preᵢ > 0] and u = W g, the gradients are ∂/∂b = g and
//! ∂/∂W = h gᵀ + u xᵀ (W appears twice, tied). Zero features of a sparse x are skipped in
//! h = W x and in the u xᵀ term; features with g = 0 are skipped in u and in h gᵀ.
//!
//! Inside, W is held feature-major (`wf[i·m + k]` = W[k, i], column Wᵢ contiguous); the public
//! API speaks of W as m × n row-major.

use super::rng::Rng;
use crate::error::{Error, Result};

/// Per-sample working memory, allocated once per run.
pub(crate) struct Scratch {
    pub x: Vec<f64>,
    pub nz: Vec<usize>,
    pub h: Vec<f64>,
    pub u: Vec<f64>,
    pub g: Vec<f64>,
}

impl Scratch {
    pub fn new(n: usize, m: usize) -> Self {
        Scratch { x: vec![0.0; n], nz: Vec::with_capacity(n), h: vec![0.0; m], u: vec![0.0; m], g: vec![0.0; n] }
    }
}

/// Draws one input into `scratch.x` (and the indices of its nonzero features into
/// `scratch.nz`): one uniform u per feature; xᵢ = 0 if u < S, else (u − S)/(1 − S) ~ U[0, 1).
#[inline(always)]
pub(crate) fn draw_input(rng: &mut Rng, sparsity: f64, inv_density: f64, scratch: &mut Scratch) {
    scratch.nz.clear();
    for (i, x) in scratch.x.iter_mut().enumerate() {
        let u = rng.uniform();
        if u < sparsity {
            *x = 0.0;
        } else {
            *x = (u - sparsity) * inv_density;
            scratch.nz.push(i);
        }
    }
}

/// h = W x over the nonzero features only.
#[inline(always)]
pub(crate) fn hidden(wf: &[f64], m: usize, x: &[f64], nz: &[usize], h: &mut [f64]) {
    h.fill(0.0);
    for &i in nz {
        let xi = x[i];
        for (hk, w) in h.iter_mut().zip(&wf[i * m..i * m + m]) {
            *hk += xi * w;
        }
    }
}

/// The loss of one sample (`scratch.x`, `scratch.nz` filled), adding its unscaled gradient to
/// `grad` = [∂/∂W feature-major (n·m), ∂/∂b (n)]. `grad = None` computes the loss alone.
#[inline(always)]
pub(crate) fn sample_loss_grad(
    wf: &[f64],
    b: &[f64],
    m: usize,
    importance: &[f64],
    scratch: &mut Scratch,
    grad: Option<&mut [f64]>,
) -> f64 {
    let n = b.len();
    let Scratch { x, nz, h, u, g } = scratch;
    hidden(wf, m, x, nz, h);
    let mut loss = 0.0;
    let Some(grad) = grad else {
        for i in 0..n {
            let wi = &wf[i * m..i * m + m];
            let mut pre = b[i];
            for (w, hk) in wi.iter().zip(h.iter()) {
                pre += w * hk;
            }
            let d = pre.max(0.0) - x[i];
            loss += importance[i] * d * d;
        }
        return loss;
    };
    let (gw, gb) = grad.split_at_mut(n * m);
    u.fill(0.0);
    for i in 0..n {
        let wi = &wf[i * m..i * m + m];
        let mut pre = b[i];
        for (w, hk) in wi.iter().zip(h.iter()) {
            pre += w * hk;
        }
        let gi = if pre > 0.0 {
            let d = pre - x[i];
            loss += importance[i] * d * d;
            2.0 * importance[i] * d
        } else {
            loss += importance[i] * x[i] * x[i];
            0.0
        };
        g[i] = gi;
        if gi != 0.0 {
            gb[i] += gi;
            for (uk, w) in u.iter_mut().zip(wi) {
                *uk += gi * w;
            }
        }
    }
    for i in 0..n {
        let (gi, xi) = (g[i], x[i]);
        if gi == 0.0 && xi == 0.0 {
            continue;
        }
        for ((gwk, hk), uk) in gw[i * m..i * m + m].iter_mut().zip(h.iter()).zip(u.iter()) {
            *gwk += gi * hk + xi * uk;
        }
    }
    loss
}

/// The loss and its gradient on a fixed batch, for checking the hand-written backward pass.
#[derive(Debug, Clone, PartialEq)]
pub struct LossGrad {
    /// Σᵢ Iᵢ (xᵢ − x̂ᵢ)², averaged over the rows of the batch.
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
    let mut scratch = Scratch::new(n, m);
    let mut grad = vec![0.0; n * m + n];
    let mut loss = 0.0;
    for row in x.chunks_exact(n) {
        scratch.x.copy_from_slice(row);
        scratch.nz.clear();
        scratch.nz.extend((0..n).filter(|&i| row[i] != 0.0));
        loss += sample_loss_grad(&wf, b, m, importance, &mut scratch, Some(&mut grad));
    }
    let scale = 1.0 / rows as f64;
    grad.iter_mut().for_each(|g| *g *= scale);
    Ok(LossGrad { loss: loss * scale, grad_w: transpose(&grad[..n * m], n, m), grad_b: grad[n * m..].to_vec() })
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
