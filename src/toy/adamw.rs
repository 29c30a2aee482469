//! AdamW (Loshchilov & Hutter 2019) exactly as PyTorch's `torch.optim.AdamW` steps it, so that
//! the toy model trains as in Elhage et al.'s notebook.
//!
//! Per step t (1-based), for every parameter p with gradient g:
//! p ← p·(1 − lr·λ) (decoupled weight decay, applied to W and b alike as PyTorch does with
//! one parameter group); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
//! p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε).
//! PyTorch defaults: β₁ = 0.9, β₂ = 0.999, ε = 1e-8, λ = 0.01 (`weight_decay`).

/// The optimiser state for one flat parameter vector.
#[derive(Debug, Clone)]
pub struct AdamW {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    t: u64,
    /// β₁ᵗ and β₂ᵗ, kept as running products (no `powi`, the same on every platform).
    beta1_t: f64,
    beta2_t: f64,
    m: Vec<f64>,
    v: Vec<f64>,
}

impl AdamW {
    /// PyTorch's defaults for `len` parameters, with the given learning rate and weight decay.
    pub fn new(len: usize, lr: f64, weight_decay: f64) -> Self {
        AdamW {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay,
            t: 0,
            beta1_t: 1.0,
            beta2_t: 1.0,
            m: vec![0.0; len],
            v: vec![0.0; len],
        }
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.t
    }

    /// One update of `params` by `grads` (same length as at construction).
    pub fn step(&mut self, params: &mut [f64], grads: &[f64]) {
        self.t += 1;
        self.beta1_t *= self.beta1;
        self.beta2_t *= self.beta2;
        let decay = 1.0 - self.lr * self.weight_decay;
        let step_size = self.lr / (1.0 - self.beta1_t);
        let bc2_sqrt = (1.0 - self.beta2_t).sqrt();
        let (b1, b2, eps) = (self.beta1, self.beta2, self.eps);
        for (((p, &g), m), v) in params.iter_mut().zip(grads).zip(&mut self.m).zip(&mut self.v) {
            *p *= decay;
            *m = b1 * *m + (1.0 - b1) * g;
            *v = b2 * *v + (1.0 - b2) * g * g;
            *p -= step_size * *m / (v.sqrt() / bc2_sqrt + eps);
        }
    }
}
