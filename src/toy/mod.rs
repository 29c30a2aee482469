//! The toy model of superposition (Elhage et al. 2022; METHODS.md, "Toy model of
//! superposition"), trained here as their notebook trains it (`toy_models.ipynb`,
//! anthropics/toy-models-of-superposition), so that the page can show when and how a small
//! network packs more features than it has dimensions, next to the coding-theory prediction.
//!
//! n features xᵢ are 0 with probability S and U[0, 1) otherwise, weighted by importance
//! Iᵢ = rⁱ; the model h = W x (W is m × n), x̂ = ReLU(Wᵀh + b) is trained by AdamW ([`adamw`])
//! on the notebook's loss
//!
//!   L = (1 / (B·n)) Σ_b Σᵢ Iᵢ (x_bᵢ − x̂_bᵢ)²,
//!
//! the mean over the batch (B rows) and the n features of `importance * (batch.abs() - out)**2`
//! (`einops.reduce(error, 'b i f -> i', 'mean').sum()`: the notebook trains its sparsities as
//! the instances i of one model and sums their means; each sparsity's gradient is its own, so
//! training them one at a time, as here, is the same optimisation). W starts Xavier-normal as
//! `nn.init.xavier_normal_` draws the notebook's joint W of shape [L, n, m] (L = the number of
//! sparsities): std √(2/(fan_in + fan_out)) with fan_in = n·m, fan_out = L·m, i.e.
//! √(2/(m·(n + L))); b starts at 0.
//!
//! Two presets ([`ToyPreset`]): `default` (n = 20, m = 5, Iᵢ = 0.7ⁱ: a small model whose few
//! important features show the move into superposition) and `elhage-geometry`, the notebook's
//! "feature geometry" experiment (n = 200, m = 20, uniform importance), where Elhage et al.
//! found dimensions per feature sticking at 1/2 and single features at the "sticky" fractions
//! [`STICKY_FRACTIONS`] 1, 3/4, 2/3, 1/2, 2/5, 3/8. Both sweep S = 1 − 20^(−s), s evenly spaced
//! on [0, 1] (the notebook's `feature_probability = 20 ** -torch.linspace(0, 1, 20)`).
//!
//! - [`train_one`] trains one sparsity of the sweep with a seed derived from
//!   (`settings.seed`, index), so the sweep can be split over workers and still give exactly
//!   the numbers of [`train_all`] and of `eigenlens toy`, natively and in WebAssembly alike
//!   (the random stream, [`rng`], is the same on every platform). The random numbers are not
//!   PyTorch's, so single runs differ from the notebook's; the procedure is the same.
//! - [`ToyRun`] holds what the page draws: loss curve, W, b, the Gram matrix WᵀW, feature
//!   norms and dimensionalities and how many sit at each sticky fraction, dimensions per
//!   feature against the prediction [`predicted_dims_per_feature`] (a lower bound, see there)
//!   and its floor m/n, and PR of the hidden activations, with their α only where there are at
//!   least [`MIN_ALPHA_EIGENVALUES`] eigenvalues to fit.
//! - [`loss_and_grad`] exposes the hand-written backward pass for checking.

pub mod adamw;
pub mod metrics;
pub mod model;

use crate::error::{Error, Result};
use crate::linalg::eigen::eigenvalues_desc;
use crate::stats::Moments;
use serde::{Deserialize, Serialize};

pub use metrics::predicted_dims_per_feature;
pub use model::{loss_and_grad, LossGrad};

use crate::rng::{self, derive_seed, Rng};
use adamw::AdamW;
use model::{draw_input, fill_gram, sample_loss_grad, train_batch, transpose, with_const_m, Params, Scratch};

/// How often (in steps) `progress` is called at most; 100 steps of batch 1024 take a few
/// milliseconds, so cancelling is prompt.
pub const PROGRESS_EVERY: usize = 100;

/// Points of the loss curve: about 100, one per `max(1, steps / 100)` steps.
pub const CURVE_POINTS: usize = 100;

/// Settings of a sweep. Every field has the default of METHODS.md. JSON may omit any field, and
/// may name a preset (`{"preset": "elhage-geometry", "steps": 3000}`): the fields it omits then
/// take that preset's values ([`ToyPreset::settings`]). The preset's name is not kept: the
/// settings are always written out whole.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(from = "ToySettingsInput")]
pub struct ToySettings {
    /// Number of features n (default 20).
    pub n: usize,
    /// Number of hidden units m (default 5).
    pub m: usize,
    /// r in the importance Iᵢ = rⁱ, i = 0 … n − 1 (default 0.7; 1 is uniform importance).
    pub importance_decay: f64,
    /// The sparsities S to train, each in [0, 1) (default [`default_sparsities`]`(20)`).
    pub sparsities: Vec<f64>,
    /// AdamW steps per sparsity (default 10 000).
    pub steps: usize,
    /// Samples per step (default 1024).
    pub batch: usize,
    /// Learning rate (default 1e-3).
    pub lr: f64,
    /// Decoupled weight decay λ of AdamW (PyTorch's default 0.01).
    pub weight_decay: f64,
    /// Seed of the sweep; run i is seeded from (seed, i) (default 1).
    pub seed: u64,
    /// Fresh samples for the hidden-activation spectrum and the final loss (default 8192).
    pub eval_samples: usize,
    /// H_e, bits per nonzero feature value in the coding-theory prediction (default 8).
    pub entropy_bits: f64,
}

impl Default for ToySettings {
    fn default() -> Self {
        ToyPreset::Default.settings()
    }
}

/// The settings a sweep starts from.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ToyPreset {
    /// n = 20 features, m = 5 hidden units, importance Iᵢ = 0.7ⁱ: few features matter, so the
    /// move from "keep the m most important" to superposition shows in a quick sweep.
    #[default]
    Default,
    /// Elhage et al.'s feature-geometry experiment (the notebook's cell with
    /// `n_features = 200, n_hidden = 20`, importance 1): where the sticky fractions
    /// [`STICKY_FRACTIONS`] were found. About 40 times the work of `default` per step.
    ElhageGeometry,
}

impl ToyPreset {
    /// Every preset, the default first.
    pub const ALL: [ToyPreset; 2] = [ToyPreset::Default, ToyPreset::ElhageGeometry];

    /// The name the CLI (`--preset`), the page and JSON use.
    pub fn name(self) -> &'static str {
        match self {
            ToyPreset::Default => "default",
            ToyPreset::ElhageGeometry => "elhage-geometry",
        }
    }

    /// The full settings of the preset: n, m and r as above, 20 sparsities on the default grid,
    /// and the notebook's training (AdamW, lr 1e-3, weight decay 0.01, batch 1024, 10 000 steps).
    pub fn settings(self) -> ToySettings {
        let (n, m, importance_decay) = match self {
            ToyPreset::Default => (20, 5, 0.7),
            ToyPreset::ElhageGeometry => (200, 20, 1.0),
        };
        ToySettings {
            n,
            m,
            importance_decay,
            sparsities: default_sparsities(20),
            steps: 10_000,
            batch: 1024,
            lr: 1e-3,
            weight_decay: 0.01,
            seed: 1,
            eval_samples: 8192,
            entropy_bits: 8.0,
        }
    }
}

impl std::fmt::Display for ToyPreset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ToyPreset {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ToyPreset::ALL.into_iter().find(|p| p.name() == s).ok_or_else(|| {
            let names: Vec<&str> = ToyPreset::ALL.iter().map(|p| p.name()).collect();
            Error::Setting(format!("unknown toy preset '{s}': use one of {}", names.join(", ")))
        })
    }
}

/// ToySettings as JSON writes them: any field may be missing, and `preset` chooses where the
/// missing ones come from ([`ToySettings`] deserializes through it). It is public, and writes
/// every field back (a missing one as `null`), for decoders that refuse keys the decoded value
/// does not write back (the wasm layer's): `preset` is read here, and a [`ToySettings`] does
/// not keep it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(default)]
pub struct ToySettingsInput {
    /// The preset the missing fields come from (default `default`).
    pub preset: ToyPreset,
    /// [`ToySettings::n`].
    pub n: Option<usize>,
    /// [`ToySettings::m`].
    pub m: Option<usize>,
    /// [`ToySettings::importance_decay`].
    pub importance_decay: Option<f64>,
    /// [`ToySettings::sparsities`].
    pub sparsities: Option<Vec<f64>>,
    /// [`ToySettings::steps`].
    pub steps: Option<usize>,
    /// [`ToySettings::batch`].
    pub batch: Option<usize>,
    /// [`ToySettings::lr`].
    pub lr: Option<f64>,
    /// [`ToySettings::weight_decay`].
    pub weight_decay: Option<f64>,
    /// [`ToySettings::seed`].
    pub seed: Option<u64>,
    /// [`ToySettings::eval_samples`].
    pub eval_samples: Option<usize>,
    /// [`ToySettings::entropy_bits`].
    pub entropy_bits: Option<f64>,
}

impl From<ToySettingsInput> for ToySettings {
    fn from(i: ToySettingsInput) -> Self {
        let d = i.preset.settings();
        ToySettings {
            n: i.n.unwrap_or(d.n),
            m: i.m.unwrap_or(d.m),
            importance_decay: i.importance_decay.unwrap_or(d.importance_decay),
            sparsities: i.sparsities.unwrap_or(d.sparsities),
            steps: i.steps.unwrap_or(d.steps),
            batch: i.batch.unwrap_or(d.batch),
            lr: i.lr.unwrap_or(d.lr),
            weight_decay: i.weight_decay.unwrap_or(d.weight_decay),
            seed: i.seed.unwrap_or(d.seed),
            eval_samples: i.eval_samples.unwrap_or(d.eval_samples),
            entropy_bits: i.entropy_bits.unwrap_or(d.entropy_bits),
        }
    }
}

/// Elhage et al.'s "sticky" fractions, as (numerator, denominator, what they are): the
/// dimensionalities at which single features settle in the feature-geometry experiment
/// (Elhage et al. 2022, "The Geometry of Superposition", transformer-circuits.pub/2022/toy_model
/// #geometry: a feature with a dimension of its own, a tetrahedron, a triangle, an antipodal
/// pair, a pentagon, a square antiprism); 1/2 is also where dimensions per feature m/‖W‖²_F
/// sticks as S grows.
pub const STICKY_FRACTIONS: [(u32, u32, &str); 6] = [
    (1, 1, "a dimension of its own"),
    (3, 4, "tetrahedron"),
    (2, 3, "triangle"),
    (1, 2, "antipodal pair"),
    (2, 5, "pentagon"),
    (3, 8, "square antiprism"),
];

/// How close a feature's dimensionality must be to a sticky fraction to be counted at it
/// ([`ToyRun::features_at_fractions`]): half the gap between the two closest fractions,
/// 2/5 − 3/8 = 1/40, rounded down, so that no feature counts at two.
pub const FRACTION_TOLERANCE: f64 = 0.01;

/// A feature counts as stored when ‖Wᵢ‖ is at least this (a trained feature sits near norm 1;
/// a dropped one decays towards 0, and its dimensionality then means nothing).
pub const STORED_NORM: f64 = 0.5;

/// α is fitted to the hidden spectrum only when it has at least this many positive eigenvalues:
/// a power law read off fewer points is not distinguishable from other decays (METHODS.md).
pub const MIN_ALPHA_EIGENVALUES: usize = 20;

/// Upper limits that keep a sweep within a browser tab's memory (the Gram matrix is n × n).
const MAX_N: usize = 2048;
const MAX_M: usize = 1024;
const MAX_BATCH: usize = 1 << 20;
const MAX_EVAL: usize = 1 << 24;
const MAX_SPARSITIES: usize = 10_000;

impl ToySettings {
    /// Checks every setting; the error names the one that is out of range.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::Setting(msg));
        if self.n == 0 || self.n > MAX_N {
            return bad(format!("n (features) must be 1 … {MAX_N}, got {}", self.n));
        }
        if self.m == 0 || self.m > MAX_M {
            return bad(format!("m (hidden units) must be 1 … {MAX_M}, got {}", self.m));
        }
        if !(self.importance_decay.is_finite() && self.importance_decay > 0.0) {
            return bad(format!("importance_decay (r) must be a finite number > 0, got {}", self.importance_decay));
        }
        if self.sparsities.is_empty() || self.sparsities.len() > MAX_SPARSITIES {
            return bad(format!("sparsities: give 1 … {MAX_SPARSITIES} values, got {}", self.sparsities.len()));
        }
        if let Some(s) = self.sparsities.iter().find(|s| !(**s >= 0.0 && **s < 1.0)) {
            return bad(format!("sparsity must be in [0, 1), got {s}"));
        }
        if self.steps == 0 {
            return bad("steps must be at least 1".into());
        }
        if self.batch == 0 || self.batch > MAX_BATCH {
            return bad(format!("batch must be 1 … {MAX_BATCH}, got {}", self.batch));
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return bad(format!("lr (learning rate) must be a finite number > 0, got {}", self.lr));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0 && self.lr * self.weight_decay < 1.0) {
            return bad(format!(
                "weight_decay must be finite, ≥ 0 and below 1/lr, got {} (lr {})",
                self.weight_decay, self.lr
            ));
        }
        if self.eval_samples < 2 || self.eval_samples > MAX_EVAL {
            return bad(format!("eval_samples must be 2 … {MAX_EVAL}, got {}", self.eval_samples));
        }
        if !(self.entropy_bits.is_finite() && self.entropy_bits > 0.0) {
            return bad(format!("entropy_bits (H_e) must be a finite number > 0, got {}", self.entropy_bits));
        }
        Ok(())
    }
}

/// `count` sparsities S = 1 − 20^(−s), s evenly spaced on [0, 1] (S from 0 to 0.95); one
/// value gives [0]. Computed with [`rng::exp`]/[`rng::ln`] so that every platform gets the
/// same bits.
pub fn default_sparsities(count: usize) -> Vec<f64> {
    let ln20 = rng::ln(20.0);
    (0..count)
        .map(|j| {
            let s = if count > 1 { j as f64 / (count - 1) as f64 } else { 0.0 };
            1.0 - rng::exp(-s * ln20)
        })
        .collect()
}

/// Importances Iᵢ = rⁱ, i = 0 … n − 1, by repeated multiplication.
pub fn importances(n: usize, r: f64) -> Vec<f64> {
    let mut v = Vec::with_capacity(n);
    let mut p = 1.0;
    for _ in 0..n {
        v.push(p);
        p *= r;
    }
    v
}

/// The training loss along the way. `values[0]` (at `steps[0]` = 0) is the loss of the first
/// batch at initialisation; every later point is the mean batch loss over the steps since the
/// previous point, `steps[k]` being the number of updates done at its end.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct LossCurve {
    pub steps: Vec<usize>,
    pub values: Vec<f64>,
}

/// How many stored features of a run sit at one sticky fraction.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct FractionCount {
    /// The fraction as written: "1", "3/4", …
    pub label: String,
    /// Its value.
    pub value: f64,
    /// What it is ("tetrahedron", …).
    pub shape: String,
    /// Stored features (‖Wᵢ‖ ≥ [`STORED_NORM`]) with |Dᵢ − value| ≤ [`FRACTION_TOLERANCE`].
    pub count: usize,
}

/// One trained sparsity.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ToyRun {
    /// Position in `settings.sparsities`.
    pub index: usize,
    /// S: the probability that a feature is 0.
    pub sparsity: f64,
    /// The seed this run was trained with (derived from the sweep's seed and `index`).
    pub seed: u64,
    pub n: usize,
    pub m: usize,
    pub loss_curve: LossCurve,
    /// The loss of the trained model on `eval_samples` fresh samples: the mean over samples and
    /// features of Iᵢ (xᵢ − x̂ᵢ)², as the notebook's loss is.
    pub final_loss: f64,
    /// W, m × n row-major.
    pub w: Vec<f64>,
    /// b, n values.
    pub b: Vec<f64>,
    /// ‖Wᵢ‖ per feature.
    pub feature_norms: Vec<f64>,
    /// Dᵢ = ‖Wᵢ‖⁴ / Σⱼ (Wᵢ · Wⱼ)² per feature (0 where Wᵢ = 0).
    pub feature_dimensionality: Vec<f64>,
    /// For each of [`STICKY_FRACTIONS`] in order, how many stored features sit at it.
    pub features_at_fractions: Vec<FractionCount>,
    /// Stored features: ‖Wᵢ‖ ≥ [`STORED_NORM`].
    pub features_stored: usize,
    /// m / ‖W‖_F².
    pub dims_per_feature: f64,
    /// (1 − S) + h_b(S)/H_e: a lower bound, see [`predicted_dims_per_feature`].
    pub predicted_dims_per_feature: f64,
    /// m / n: dimensions per feature when all n features are stored at norm 1. The model has no
    /// more features to store, so dimensions per feature cannot go much below it (only by
    /// norms above 1), whatever the prediction says at high S.
    pub dims_per_feature_floor: f64,
    /// WᵀW, n × n row-major.
    pub gram: Vec<f64>,
    /// Eigenvalues of the covariance of h on the fresh samples, descending (m values).
    pub hidden_eigenvalues: Vec<f64>,
    /// α of the hidden spectrum by OLS over all its positive values ([`metrics::alpha_ols`]);
    /// `None` with fewer than [`MIN_ALPHA_EIGENVALUES`] of them, the reason in
    /// `hidden_alpha_reason`.
    pub hidden_alpha: Option<f64>,
    /// Why `hidden_alpha` is `None` (absent when it is a number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden_alpha_reason: Option<String>,
    /// (Σλ)² / Σλ² of the hidden spectrum.
    pub hidden_participation_ratio: f64,
}

/// A whole sweep: the settings and one run per sparsity, in order.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ToyReport {
    pub settings: ToySettings,
    pub runs: Vec<ToyRun>,
}

/// Salt of the evaluation stream, so that the fresh samples are not the training batches.
const EVAL_SALT: u64 = 0xE7A1_5A3D_1E5F_0C0D;

/// Trains sparsity `settings.sparsities[index]`. `progress(step, loss)` is called every
/// [`PROGRESS_EVERY`] steps and at the last one, with the mean batch loss since the previous
/// call; returning `false` stops the run with [`Error::Cancelled`].
pub fn train_one(settings: &ToySettings, index: usize, progress: &mut dyn FnMut(usize, f64) -> bool) -> Result<ToyRun> {
    settings.validate()?;
    let sparsity = *settings.sparsities.get(index).ok_or_else(|| {
        Error::Setting(format!("sparsity index {index} is out of range (there are {})", settings.sparsities.len()))
    })?;
    let (n, m) = (settings.n, settings.m);
    let seed = derive_seed(settings.seed, index);
    let importance = importances(n, settings.importance_decay);

    // Parameters as one vector [W feature-major (n·m), b (n)], b = 0 and W ~ N(0, σ²) with σ
    // of xavier_normal_ on the notebook's joint [L, n, m] tensor: fan_in n·m, fan_out L·m.
    let mut rng = Rng::new(seed);
    let mut params = vec![0.0; n * m + n];
    rng.fill_normal(&mut params[..n * m]);
    let init_std = init_std(n, m, settings.sparsities.len());
    params[..n * m].iter_mut().for_each(|w| *w *= init_std);

    let mut adam = AdamW::new(params.len(), settings.lr, settings.weight_decay);
    let mut grad = vec![0.0; params.len()];
    let mut scratch = Scratch::new(n, m);
    let curve_every = (settings.steps / CURVE_POINTS).max(1);
    let mut curve = LossCurve::default();
    let (mut window_sum, mut window_len) = (0.0, 0usize);
    let (mut since_sum, mut since_len) = (0.0, 0usize);
    // The notebook's loss: the mean over the batch and the n features.
    let scale = 1.0 / (settings.batch as f64 * n as f64);

    let mut gram = vec![0.0; n * n];
    for step in 0..settings.steps {
        grad.fill(0.0);
        let (wf, b) = params.split_at(n * m);
        fill_gram(wf, n, m, &mut gram);
        let p = Params { wf, b, gram: &gram, m, importance: &importance };
        let (r, s, g) = (&mut rng, &mut scratch, &mut grad[..]);
        let loss = scale * with_const_m!(m, train_batch(&p, r, sparsity, settings.batch, s, g));
        grad.iter_mut().for_each(|g| *g *= scale);
        adam.step(&mut params, &grad);

        if step == 0 {
            curve.steps.push(0);
            curve.values.push(loss);
        }
        let done = step + 1;
        window_sum += loss;
        window_len += 1;
        if done % curve_every == 0 || done == settings.steps {
            curve.steps.push(done);
            curve.values.push(window_sum / window_len as f64);
            (window_sum, window_len) = (0.0, 0);
        }
        since_sum += loss;
        since_len += 1;
        if done % PROGRESS_EVERY == 0 || done == settings.steps {
            if !progress(done, since_sum / since_len as f64) {
                return Err(Error::Cancelled);
            }
            (since_sum, since_len) = (0.0, 0);
        }
    }

    let (wf, b) = params.split_at(n * m);
    let eval = evaluate(wf, b, m, &importance, sparsity, settings.eval_samples, seed ^ EVAL_SALT)?;
    let gram = metrics::gram(wf, n, m);
    let feature_norms = metrics::feature_norms(wf, n, m);
    let feature_dimensionality = metrics::feature_dimensionality(&gram, n);
    let (hidden_alpha, hidden_alpha_reason) = match metrics::alpha_ols(&eval.eigenvalues, settings.eval_samples as u64)
    {
        Ok(alpha) => (Some(alpha), None),
        Err(reason) => (None, Some(reason)),
    };
    Ok(ToyRun {
        index,
        sparsity,
        seed,
        n,
        m,
        loss_curve: curve,
        final_loss: eval.loss,
        w: transpose(wf, n, m),
        b: b.to_vec(),
        features_at_fractions: metrics::features_at_fractions(&feature_norms, &feature_dimensionality),
        features_stored: feature_norms.iter().filter(|&&v| v >= STORED_NORM).count(),
        feature_norms,
        feature_dimensionality,
        dims_per_feature: metrics::dims_per_feature(wf, m),
        predicted_dims_per_feature: predicted_dims_per_feature(sparsity, settings.entropy_bits),
        dims_per_feature_floor: m as f64 / n as f64,
        gram,
        hidden_alpha,
        hidden_alpha_reason,
        hidden_participation_ratio: metrics::participation_ratio(&eval.eigenvalues),
        hidden_eigenvalues: eval.eigenvalues,
    })
}

/// The standard deviation of the initial W: `nn.init.xavier_normal_` on the notebook's joint
/// W of shape [L, n, m] (L sparsities), whose fans PyTorch reads as fan_in = n·m (dimension 1
/// times the receptive field, m) and fan_out = L·m: √(2 / (n·m + L·m)).
pub fn init_std(n: usize, m: usize, sparsities: usize) -> f64 {
    (2.0 / (m as f64 * (n + sparsities) as f64)).sqrt()
}

/// Trains every sparsity in order; `progress(index, step, loss)` as in [`train_one`].
pub fn train_all(settings: &ToySettings, progress: &mut dyn FnMut(usize, usize, f64) -> bool) -> Result<ToyReport> {
    settings.validate()?;
    let runs = (0..settings.sparsities.len())
        .map(|i| train_one(settings, i, &mut |step, loss| progress(i, step, loss)))
        .collect::<Result<Vec<_>>>()?;
    Ok(ToyReport { settings: settings.clone(), runs })
}

struct Evaluation {
    loss: f64,
    eigenvalues: Vec<f64>,
}

/// Loss and hidden-activation spectrum of the trained model on `samples` fresh inputs.
fn evaluate(
    wf: &[f64],
    b: &[f64],
    m: usize,
    importance: &[f64],
    sparsity: f64,
    samples: usize,
    seed: u64,
) -> Result<Evaluation> {
    const BLOCK: usize = 1024;
    let n = b.len();
    let mut rng = Rng::new(seed);
    let mut scratch = Scratch::new(n, m);
    let mut moments = Moments::new(m);
    let mut block = vec![0.0; BLOCK * m];
    let mut gram = vec![0.0; n * n];
    fill_gram(wf, n, m, &mut gram);
    let p = Params { wf, b, gram: &gram, m, importance };
    let mut loss = 0.0;
    let inv_density = 1.0 / (1.0 - sparsity);
    let mut left = samples;
    while left > 0 {
        let rows = left.min(BLOCK);
        for r in 0..rows {
            draw_input(&mut rng, sparsity, inv_density, &mut scratch);
            loss += sample_loss_grad::<0, false>(&p, &mut scratch, &mut []);
            block[r * m..r * m + m].copy_from_slice(&scratch.h);
        }
        moments.add_block(&mut block, rows);
        left -= rows;
    }
    let cov = moments.covariance()?;
    Ok(Evaluation { loss: loss / (samples as f64 * n as f64), eigenvalues: eigenvalues_desc(&cov, m)? })
}
