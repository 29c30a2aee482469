//! The toy model of superposition (METHODS.md, "Toy model of superposition"): what training
//! must find in the regimes whose answer is known (dense features → the m most important ones,
//! orthogonal; very sparse features → superposition), the loss as Elhage et al.'s notebook
//! reduces it, the hand-written gradient against finite differences, the sticky fractions and
//! the feature dimensionalities of the polytopes they come from, the presets, no α below 20
//! eigenvalues, reproducibility of a split sweep, bad settings, and the command line.

mod common;

use eigenlens::toy::metrics::{alpha_ols, feature_dimensionality, features_at_fractions, gram};
use eigenlens::toy::{
    default_sparsities, importances, init_std, loss_and_grad, predicted_dims_per_feature, train_all, train_one,
    ToyPreset, ToyReport, ToyRun, ToySettings, ToySettingsInput, FRACTION_TOLERANCE, MIN_ALPHA_EIGENVALUES,
    PROGRESS_EVERY, STICKY_FRACTIONS,
};
use eigenlens::Error;

fn no_progress(_: usize, _: f64) -> bool {
    true
}

/// A small, quick sweep for the reproducibility checks.
fn small_settings(seed: u64) -> ToySettings {
    ToySettings {
        n: 8,
        m: 3,
        sparsities: vec![0.0, 0.7, 0.95],
        steps: 300,
        batch: 128,
        seed,
        eval_samples: 1000,
        ..ToySettings::default()
    }
}

fn one_sparsity(s: f64, decay: f64) -> ToyRun {
    let settings = ToySettings { sparsities: vec![s], importance_decay: decay, ..ToySettings::default() };
    train_one(&settings, 0, &mut no_progress).expect("training")
}

/// S = 0 (dense) with decaying importance: the model keeps exactly the m most important
/// features, each at norm 1, and drops the rest; m/‖W‖_F² = 1. The loss falls on the way.
#[test]
fn dense_features_keep_the_m_most_important() {
    let run = one_sparsity(0.0, 0.7);
    assert_eq!((run.n, run.m, run.w.len(), run.gram.len()), (20, 5, 100, 400));
    for (i, norm) in run.feature_norms.iter().enumerate() {
        if i < 5 {
            assert!((norm - 1.0).abs() < 0.1, "feature {i} should be kept at norm 1: {norm}");
        } else {
            assert!(*norm < 0.1, "feature {i} should be dropped: {norm}");
        }
    }
    assert!((run.dims_per_feature - 1.0).abs() < 0.05, "dims per feature {}", run.dims_per_feature);
    // The kept features are orthogonal: each has dimensionality 1.
    for i in 0..5 {
        assert!((run.feature_dimensionality[i] - 1.0).abs() < 0.05, "D_{i} = {}", run.feature_dimensionality[i]);
    }
    // h = W x spreads over all 5 hidden directions: PR close to 5.
    assert!(run.hidden_participation_ratio > 4.5 && run.hidden_participation_ratio <= 5.0 + 1e-9);
    assert_eq!(run.hidden_eigenvalues.len(), 5);
    // Five eigenvalues are too few for a power law: no α, and the reason says so.
    assert_eq!(run.hidden_alpha, None);
    let reason = run.hidden_alpha_reason.as_deref().unwrap_or("");
    assert!(reason.contains("5 eigenvalues") && reason.contains("fewer than 20"), "{reason}");
    assert_eq!(run.predicted_dims_per_feature, 1.0);
    assert_eq!(run.dims_per_feature_floor, 0.25);
    assert_eq!(run.features_stored, 5);
    // Five orthogonal features at D = 1, none at the other fractions.
    let counts: Vec<usize> = run.features_at_fractions.iter().map(|f| f.count).collect();
    assert_eq!(counts, vec![5, 0, 0, 0, 0, 0]);

    // The loss decreases by a clear factor.
    let curve = &run.loss_curve;
    assert_eq!(curve.steps.len(), curve.values.len());
    assert_eq!((curve.steps[0], curve.steps[1], *curve.steps.last().unwrap()), (0, 100, 10_000));
    let first = curve.values[0];
    let last = *curve.values.last().unwrap();
    assert!(last < first / 3.0 && run.final_loss < first / 3.0, "loss {first} → {last} (eval {})", run.final_loss);
    // The loss of the best 5-of-20 code is Σ_{i≥5} Iᵢ·Var(U[0,1]) per sample with b = E[x],
    // divided by n = 20 for the notebook's mean over features: check it is near.
    let floor: f64 = importances(20, 0.7)[5..].iter().sum::<f64>() / 12.0 / 20.0;
    assert!((run.final_loss - floor).abs() < 0.1 * floor, "final {} vs {floor}", run.final_loss);
}

/// Very sparse features (1 − S = 0.01) are stored in superposition: fewer than half a
/// dimension per feature. Importance decays gently here (r = 0.9) so that enough features are
/// worth storing; with r = 0.7 the default sweep sits at the sticky 1/2 plateau.
#[test]
fn sparse_features_are_superposed() {
    let run = one_sparsity(0.99, 0.9);
    assert!(run.dims_per_feature < 0.5, "dims per feature {}", run.dims_per_feature);
    let stored = run.feature_norms.iter().filter(|&&v| v > 0.5).count();
    assert!(stored > 5, "more features than dimensions must be stored: {stored}");
    // Superposed features share dimensions: some dimensionalities are well below 1.
    assert!(run.feature_dimensionality.iter().any(|&d| d > 0.0 && d < 0.7), "{:?}", run.feature_dimensionality);
    let first = run.loss_curve.values[0];
    assert!(run.final_loss < first / 3.0, "loss {first} → {}", run.final_loss);
}

#[test]
fn deterministic_and_splittable() {
    let settings = small_settings(11);
    let a = train_all(&settings, &mut |_, _, _| true).unwrap();
    let b = train_all(&settings, &mut |_, _, _| true).unwrap();
    assert_eq!(a, b);
    assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap(), "bit-identical");
    // Each sparsity alone (as a worker would train it) gives the sweep's run exactly.
    for i in 0..settings.sparsities.len() {
        let one = train_one(&settings, i, &mut no_progress).unwrap();
        assert_eq!(one, a.runs[i]);
        assert_eq!(one.index, i);
        assert_eq!(one.sparsity, settings.sparsities[i]);
    }
    // Runs of one sweep have different seeds; another sweep seed changes every run.
    assert_ne!(a.runs[0].seed, a.runs[1].seed);
    let c = train_all(&small_settings(12), &mut |_, _, _| true).unwrap();
    for (x, y) in a.runs.iter().zip(&c.runs) {
        assert_ne!(x.seed, y.seed);
        assert_ne!(x.w, y.w);
        assert_ne!(x.final_loss, y.final_loss);
    }
}

#[test]
fn progress_and_cancel() {
    let settings = small_settings(3);
    let mut calls = Vec::new();
    let run = train_one(&settings, 1, &mut |step, loss| {
        calls.push((step, loss));
        true
    })
    .unwrap();
    assert_eq!(calls.iter().map(|c| c.0).collect::<Vec<_>>(), vec![100, 200, 300]);
    assert!(calls.iter().all(|c| c.1.is_finite() && c.1 > 0.0));
    assert_eq!(PROGRESS_EVERY, 100);
    // 300 steps: a curve point per 3 steps, plus the initial loss.
    assert_eq!(run.loss_curve.steps.len(), 101);

    let mut seen = 0;
    let cancelled = train_one(&settings, 1, &mut |_, _| {
        seen += 1;
        seen < 2
    });
    assert_eq!(cancelled, Err(Error::Cancelled));
    assert_eq!(seen, 2);
    let mut indices = Vec::new();
    let all = train_all(&settings, &mut |i, _, _| {
        indices.push(i);
        i < 1
    });
    assert_eq!(all, Err(Error::Cancelled));
    assert_eq!(indices, vec![0, 0, 0, 1]);
}

/// The loss as the spec writes it, without any of the kernel's shortcuts: the mean over rows
/// and features of Iᵢ (xᵢ − x̂ᵢ)².
fn naive_loss(w: &[f64], b: &[f64], m: usize, imp: &[f64], x: &[f64]) -> f64 {
    let n = b.len();
    let rows = x.len() / n;
    let mut total = 0.0;
    for row in x.chunks_exact(n) {
        let h: Vec<f64> = (0..m).map(|k| (0..n).map(|i| w[k * n + i] * row[i]).sum()).collect();
        for i in 0..n {
            let xhat = (b[i] + (0..m).map(|k| w[k * n + i] * h[k]).sum::<f64>()).max(0.0);
            total += imp[i] * (row[i] - xhat).powi(2);
        }
    }
    total / (rows * n) as f64
}

/// The loss reduced as Elhage et al.'s notebook reduces it (`toy_models.ipynb`, `optimize`:
/// `error = (model.importance*(batch.abs() - out)**2)`, `loss = einops.reduce(error,
/// 'b i f -> i', 'mean').sum()`: the mean over the batch b and the features f, per instance i),
/// on a batch small enough to do by hand. n = 2, m = 1, W = [1, 0.5], b = [0.1, −0.4],
/// I = [1, 0.5]:
///   x = [1, 0]:     h = 1,    Wᵀh + b = [1.1, 0.1],     error = [0.01,   0.5·0.01 = 0.005]
///   x = [0.5, 0.5]: h = 0.75, Wᵀh + b = [0.85, −0.025] → x̂ = [0.85, 0] (ReLU),
///                   error = [0.35² = 0.1225, 0.5·0.5² = 0.125]
/// Σ error = 0.2625 over 2 rows × 2 features: loss = 0.065625. In NumPy:
///   W = np.array([[1, .5]]); b = np.array([.1, -.4]); I = np.array([1, .5])
///   x = np.array([[1, 0], [.5, .5]]); out = np.maximum((x @ W.T) @ W + b, 0)
///   (I * (np.abs(x) - out)**2).mean()  # 0.065625
/// (Summing over features instead, as this tool did before, gives twice that: 0.13125.)
#[test]
fn loss_is_the_notebooks_mean_over_batch_and_features() {
    let lg = loss_and_grad(&[1.0, 0.5], &[0.1, -0.4], 1, &[1.0, 0.5], &[1.0, 0.0, 0.5, 0.5]).unwrap();
    assert!((lg.loss - 0.065625).abs() < 1e-15, "loss {}", lg.loss);
    // ∂loss/∂b₁ by hand: (2/(2·2))·[1·(1.1 − 1) + 1·(0.85 − 0.5)] = 0.5·0.45 = 0.225; b₂ gets
    // (1/4)·2·0.5·(0.1 − 0) from the first row only (the second is cut by the ReLU): 0.025.
    assert!((lg.grad_b[0] - 0.225).abs() < 1e-15 && (lg.grad_b[1] - 0.025).abs() < 1e-15, "{:?}", lg.grad_b);
}

/// The backward pass against central differences, for a compile-time m (3) and a run-time one
/// (7), on a batch mixing all-zero, sparse (≤ m nonzero) and dense rows so every path runs.
#[test]
fn gradient_matches_finite_differences() {
    for &(n, m) in &[(9usize, 3usize), (12, 7)] {
        let mut state = 0x1234_5678_9abc_def0u64 ^ (m as u64);
        let mut unif = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let w: Vec<f64> = (0..m * n).map(|_| unif() * 1.2 - 0.6).collect();
        let b: Vec<f64> = (0..n).map(|_| unif() * 0.6 - 0.3).collect();
        let imp = importances(n, 0.8);
        let rows = 24;
        let mut x = vec![0.0; rows * n];
        for r in 0..rows {
            let density = [0.0, 0.15, 0.3, 1.0][r % 4];
            for i in 0..n {
                if unif() < density {
                    x[r * n + i] = unif();
                }
            }
        }
        let lg = loss_and_grad(&w, &b, m, &imp, &x).unwrap();
        let naive = naive_loss(&w, &b, m, &imp, &x);
        assert!((lg.loss - naive).abs() < 1e-13 * naive.max(1.0), "loss {} vs {naive}", lg.loss);
        assert_eq!((lg.grad_w.len(), lg.grad_b.len()), (m * n, n));

        let eps = 1e-6;
        let mut max_err: f64 = 0.0;
        let mut max_grad: f64 = 0.0;
        for p in 0..m * n + n {
            let fd = {
                let (mut wp, mut wm, mut bp, mut bm) = (w.clone(), w.clone(), b.clone(), b.clone());
                if p < m * n {
                    wp[p] += eps;
                    wm[p] -= eps;
                } else {
                    bp[p - m * n] += eps;
                    bm[p - m * n] -= eps;
                }
                (naive_loss(&wp, &bp, m, &imp, &x) - naive_loss(&wm, &bm, m, &imp, &x)) / (2.0 * eps)
            };
            let g = if p < m * n { lg.grad_w[p] } else { lg.grad_b[p - m * n] };
            max_err = max_err.max((fd - g).abs());
            max_grad = max_grad.max(g.abs());
        }
        assert!(max_grad > 0.01, "a degenerate check: max |grad| {max_grad}");
        assert!(max_err / max_grad < 1e-6, "n {n} m {m}: max |fd − grad| {max_err}, max |grad| {max_grad}");
    }
    // Shapes that do not fit are refused, not a panic.
    assert!(matches!(loss_and_grad(&[0.0; 5], &[0.0; 2], 3, &[1.0; 2], &[0.0; 2]), Err(Error::Setting(_))));
    assert!(matches!(loss_and_grad(&[0.0; 6], &[0.0; 2], 3, &[1.0; 2], &[0.0; 3]), Err(Error::Setting(_))));
    assert!(matches!(loss_and_grad(&[], &[], 0, &[], &[]), Err(Error::Setting(_))));
}

#[test]
fn coding_theory_prediction() {
    assert_eq!(predicted_dims_per_feature(0.0, 8.0), 1.0);
    assert!((predicted_dims_per_feature(0.5, 8.0) - (0.5 + 1.0 / 8.0)).abs() < 1e-15);
    // h_b(0.9) = 0.4689955935892812 bits.
    assert!((predicted_dims_per_feature(0.9, 4.0) - (0.1 + 0.4689955935892812 / 4.0)).abs() < 1e-14);
    // Sparser features need fewer dimensions.
    let p: Vec<f64> = default_sparsities(20).iter().map(|&s| predicted_dims_per_feature(s, 8.0)).collect();
    assert!(p.windows(2).all(|w| w[1] < w[0]), "{p:?}");
}

#[test]
fn default_sweep() {
    let s = default_sparsities(20);
    assert_eq!(s.len(), 20);
    assert_eq!(s[0], 0.0);
    for (j, v) in s.iter().enumerate() {
        let expect = 1.0 - 20f64.powf(-(j as f64) / 19.0);
        assert!((v - expect).abs() < 1e-15, "{j}: {v} vs {expect}");
    }
    assert!((s[19] - 0.95).abs() < 1e-15);
    assert_eq!(default_sparsities(1), vec![0.0]);
    assert!(default_sparsities(0).is_empty());
    let d = ToySettings::default();
    assert_eq!((d.n, d.m, d.importance_decay, d.steps, d.batch, d.lr), (20, 5, 0.7, 10_000, 1024, 1e-3));
    assert_eq!((d.weight_decay, d.seed, d.eval_samples, d.entropy_bits), (0.01, 1, 8192, 8.0));
    assert_eq!(d.sparsities, s);
    assert_eq!(d, ToyPreset::Default.settings());
    // JSON from the page may leave out any field.
    let partial: ToySettings = serde_json::from_str(r#"{"n": 10, "sparsities": [0.5]}"#).unwrap();
    assert_eq!((partial.n, partial.m, partial.steps), (10, 5, 10_000));
    assert_eq!(partial.sparsities, vec![0.5]);
    assert_eq!(importances(3, 0.5), vec![1.0, 0.5, 0.25]);
}

#[test]
fn bad_settings_name_the_setting() {
    let base = small_settings(1);
    let cases: Vec<(ToySettings, &str)> = vec![
        (ToySettings { n: 0, ..base.clone() }, "n (features)"),
        (ToySettings { m: 0, ..base.clone() }, "m (hidden units)"),
        (ToySettings { batch: 0, ..base.clone() }, "batch"),
        (ToySettings { steps: 0, ..base.clone() }, "steps"),
        (ToySettings { sparsities: vec![], ..base.clone() }, "sparsities"),
        (ToySettings { sparsities: vec![0.5, 1.0], ..base.clone() }, "sparsity must be in [0, 1), got 1"),
        (ToySettings { sparsities: vec![-0.1], ..base.clone() }, "sparsity must be in [0, 1), got -0.1"),
        (ToySettings { sparsities: vec![f64::NAN], ..base.clone() }, "sparsity must be in [0, 1), got NaN"),
        (ToySettings { importance_decay: 0.0, ..base.clone() }, "importance_decay"),
        (ToySettings { lr: -1.0, ..base.clone() }, "lr"),
        (ToySettings { weight_decay: -0.1, ..base.clone() }, "weight_decay"),
        (ToySettings { eval_samples: 1, ..base.clone() }, "eval_samples"),
        (ToySettings { entropy_bits: 0.0, ..base.clone() }, "entropy_bits"),
    ];
    for (settings, name) in cases {
        let err = settings.validate().unwrap_err();
        match &err {
            Error::Setting(msg) => assert!(msg.contains(name), "'{msg}' should name '{name}'"),
            other => panic!("expected a setting error for {name}, got {other:?}"),
        }
        assert_eq!(train_one(&settings, 0, &mut no_progress).unwrap_err(), err);
        assert_eq!(train_all(&settings, &mut |_, _, _| true).unwrap_err(), err);
    }
    match train_one(&base, 3, &mut no_progress) {
        Err(Error::Setting(msg)) => assert!(msg.contains("index 3"), "{msg}"),
        other => panic!("{other:?}"),
    }
}

/// Elhage et al.'s sticky fractions ("The Geometry of Superposition": 1, 3/4 tetrahedron,
/// 2/3 triangle, 1/2 antipodal pair, 2/5 pentagon, 3/8 square antiprism), and the feature
/// dimensionality of each polytope, by hand: k unit vectors forming a tight frame in d
/// dimensions (Σⱼ wⱼwⱼᵀ = (k/d)·I) have Σⱼ (wᵢ · wⱼ)² = wᵢᵀ (k/d) wᵢ = k/d, so each has
/// Dᵢ = ‖wᵢ‖⁴ / Σⱼ (wᵢ · wⱼ)² = d/k: 1/1, 3/4, 2/3, 1/2, 2/5, 3/8 for one vector in one
/// dimension, the tetrahedron (4 in 3), the triangle (3 in 2), the antipodal pair (2 in 1), the
/// pentagon (5 in 2) and the square antiprism (8 in 3, built below as a tight frame).
#[test]
fn sticky_fractions_are_the_polytopes_dimensionalities() {
    let values: Vec<f64> = STICKY_FRACTIONS.iter().map(|&(a, b, _)| f64::from(a) / f64::from(b)).collect();
    assert_eq!(values, vec![1.0, 0.75, 2.0 / 3.0, 0.5, 0.4, 0.375]);
    let shapes: Vec<&str> = STICKY_FRACTIONS.iter().map(|f| f.2).collect();
    assert_eq!(shapes[1..], ["tetrahedron", "triangle", "antipodal pair", "pentagon", "square antiprism"]);
    // No feature can count at two fractions: the closest two (2/5, 3/8) are 1/40 apart.
    let gap = values.windows(2).map(|w| w[0] - w[1]).fold(f64::INFINITY, f64::min);
    assert!((gap - 0.025).abs() < 1e-15 && FRACTION_TOLERANCE < 0.5 * gap, "gap {gap}");

    // Each polytope in its own block of dimensions: m = 1 + 3 + 2 + 1 + 2 + 3 = 12 hidden units,
    // n = 1 + 4 + 3 + 2 + 5 + 8 = 23 features. Columns listed as (block offset, vector).
    let pi = std::f64::consts::PI;
    let mut cols: Vec<(usize, Vec<f64>)> = vec![(0, vec![1.0])];
    let s3 = 1.0 / 3f64.sqrt();
    for v in [[1.0, 1.0, 1.0], [1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]] {
        cols.push((1, v.iter().map(|x| x * s3).collect()));
    }
    for k in 0..3 {
        let a = 2.0 * pi * k as f64 / 3.0;
        cols.push((4, vec![a.cos(), a.sin()]));
    }
    cols.push((6, vec![1.0]));
    cols.push((6, vec![-1.0]));
    for k in 0..5 {
        let a = 2.0 * pi * k as f64 / 5.0;
        cols.push((7, vec![a.cos(), a.sin()]));
    }
    // Square antiprism: unit vectors on squares at z = ±h (radius r, r² + h² = 1), the lower
    // one turned by 45°. It is a tight frame when Σ x² = Σ z² over the 8 points: 4r² = 8h²,
    // so h² = 1/3 (the Thomson-problem shape for 8 points is such an antiprism).
    let (h, r) = ((1.0f64 / 3.0).sqrt(), (2.0f64 / 3.0).sqrt());
    for k in 0..8 {
        let a = pi / 4.0 * k as f64;
        let z = if k % 2 == 0 { h } else { -h };
        cols.push((9, vec![r * a.cos(), r * a.sin(), z]));
    }
    let (n, m) = (cols.len(), 12);
    assert_eq!(n, 23);
    let mut wf = vec![0.0; n * m]; // feature-major: column i at wf[i·m ..]
    for (i, (off, v)) in cols.iter().enumerate() {
        wf[i * m + off..i * m + off + v.len()].copy_from_slice(v);
    }
    let g = gram(&wf, n, m);
    let dims = feature_dimensionality(&g, n);
    let want = [[1.0].as_slice(), &[0.75; 4], &[2.0 / 3.0; 3], &[0.5; 2], &[0.4; 5], &[0.375; 8]].concat();
    for (i, (d, w)) in dims.iter().zip(&want).enumerate() {
        assert!((d - w).abs() < 1e-12, "feature {i}: D = {d}, want {w}");
    }
    let norms = vec![1.0; n];
    let counts: Vec<(String, usize)> =
        features_at_fractions(&norms, &dims).into_iter().map(|f| (f.label, f.count)).collect();
    let labels = ["1", "3/4", "2/3", "1/2", "2/5", "3/8"];
    let expected: Vec<(String, usize)> = labels.iter().map(|l| l.to_string()).zip([1, 4, 3, 2, 5, 8]).collect();
    assert_eq!(counts, expected);
    // Features below the stored norm are not counted, wherever their D sits.
    let weak = vec![0.4; n];
    assert!(features_at_fractions(&weak, &dims).iter().all(|f| f.count == 0));
}

/// The presets: `default` is the old default; `elhage-geometry` is the notebook's feature-geometry
/// cell (n_features = 200, n_hidden = 20, importance 1, feature_probability = 20 **
/// -torch.linspace(0, 1, 20), so S = 1 − 20^(−s) on 20 points), trained as its `optimize`
/// (n_batch = 1024, steps = 10 000, lr = 1e-3, AdamW's default weight decay 0.01).
#[test]
fn presets_and_their_json() {
    let g = ToyPreset::ElhageGeometry.settings();
    assert_eq!((g.n, g.m, g.importance_decay), (200, 20, 1.0));
    assert_eq!((g.steps, g.batch, g.lr, g.weight_decay), (10_000, 1024, 1e-3, 0.01));
    assert_eq!(g.sparsities, default_sparsities(20));
    assert!(importances(200, g.importance_decay).iter().all(|&v| v == 1.0), "uniform importance");
    // feature_probability = 20^(−s): 1 at s = 0, 1/20 at s = 1.
    assert!((1.0 - g.sparsities[19] - 0.05).abs() < 1e-15);
    assert_eq!(ToyPreset::Default.settings(), ToySettings::default());
    assert_eq!(ToyPreset::ALL.map(|p| p.name()), ["default", "elhage-geometry"]);
    assert_eq!("elhage-geometry".parse::<ToyPreset>(), Ok(ToyPreset::ElhageGeometry));
    match "elhage".parse::<ToyPreset>() {
        Err(Error::Setting(msg)) => assert!(msg.contains("default, elhage-geometry"), "{msg}"),
        other => panic!("{other:?}"),
    }

    // JSON may name a preset; fields it gives override the preset's.
    let from: ToySettings = serde_json::from_str(r#"{"preset": "elhage-geometry", "steps": 3000}"#).unwrap();
    assert_eq!(from, ToySettings { steps: 3000, ..g.clone() });
    let plain: ToySettings = serde_json::from_str(r#"{"preset": "default", "m": 4}"#).unwrap();
    assert_eq!(plain, ToySettings { m: 4, ..ToySettings::default() });
    assert!(serde_json::from_str::<ToySettings>(r#"{"preset": "nope"}"#).is_err());
    // Written out whole, without the preset's name, and read back the same (sparsities that
    // serde_json's default float parser reads back exactly).
    let short = ToySettings { sparsities: vec![0.0, 0.5, 0.9], ..from };
    let text = serde_json::to_string(&short).unwrap();
    assert!(!text.contains("preset") && text.contains(r#""n":200"#), "{text}");
    assert_eq!(serde_json::from_str::<ToySettings>(&text).unwrap(), short);
}

/// The wasm layer refuses a key that the decoded settings do not write back (a misspelt option
/// would otherwise be ignored), and a ToySettings does not keep its preset's name: decoded as
/// ToySettings, `{"preset": "elhage-geometry"}` was an unknown option, and the page's preset
/// control and `<eigenlens-toy preset=…>` failed. The page decodes ToySettingsInput instead,
/// which writes back every key it reads (a missing one as null) and converts to the same settings.
#[test]
fn settings_input_writes_back_every_key_it_reads() {
    let text = r#"{"preset": "elhage-geometry", "n": 24, "steps": 40, "sparsities": [0.5, 0.9], "seed": 2}"#;
    let input: ToySettingsInput = serde_json::from_str(text).unwrap();
    let read: serde_json::Value = serde_json::from_str(text).unwrap();
    let written = serde_json::to_value(&input).unwrap();
    let unread: Vec<&String> = read.as_object().unwrap().keys().filter(|k| written.get(k.as_str()).is_none()).collect();
    assert!(unread.is_empty(), "keys not written back: {unread:?}");
    assert_eq!(written["preset"], "elhage-geometry");
    assert_eq!(written["m"], serde_json::Value::Null);
    let settings = ToySettings::from(input);
    let want =
        ToySettings { n: 24, steps: 40, sparsities: vec![0.5, 0.9], seed: 2, ..ToyPreset::ElhageGeometry.settings() };
    assert_eq!(settings, want);
    assert_eq!(
        serde_json::from_str::<ToySettings>(text).unwrap(),
        want,
        "the same settings as ToySettings' own decoding"
    );
    // What failed before: ToySettings itself does not write `preset` back.
    assert!(serde_json::to_value(&settings).unwrap().get("preset").is_none());
    // The empty object is the default preset's settings.
    assert_eq!(ToySettings::from(serde_json::from_str::<ToySettingsInput>("{}").unwrap()), ToySettings::default());
}

/// W starts as `nn.init.xavier_normal_` draws the notebook's joint W [L, n, m]: std
/// √(2/(n·m + L·m)), 0.021320 for the geometry preset (√(2/4400)) and 0.1 for the default
/// (√(2/200)). Trained one step at a negligible learning rate, W is still its initial draw,
/// whose standard deviation over 4000 entries is within a few per cent of that.
#[test]
fn initial_weights_are_xavier_normal_over_the_notebooks_tensor() {
    assert!((init_std(200, 20, 20) - (2.0f64 / 4400.0).sqrt()).abs() < 1e-15);
    assert!((init_std(20, 5, 20) - 0.1).abs() < 1e-15);
    let settings = ToySettings {
        sparsities: default_sparsities(20),
        steps: 1,
        lr: 1e-12,
        batch: 8,
        eval_samples: 64,
        ..ToyPreset::ElhageGeometry.settings()
    };
    let run = train_one(&settings, 3, &mut no_progress).unwrap();
    let k = run.w.len() as f64;
    let mean = run.w.iter().sum::<f64>() / k;
    let sd = (run.w.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
    assert_eq!(run.w.len(), 4000);
    assert!((sd / init_std(200, 20, 20) - 1.0).abs() < 0.05, "sd {sd}");
    // Twenty hidden units: α is fitted over their 20 eigenvalues.
    assert_eq!(run.hidden_eigenvalues.len(), 20);
    assert!(run.hidden_alpha.is_some() && run.hidden_alpha_reason.is_none(), "{:?}", run.hidden_alpha_reason);
    assert_eq!(run.dims_per_feature_floor, 0.1);
}

/// No α over fewer than 20 eigenvalues. A spectrum λₙ = n⁻² has OLS slope exactly −2 on
/// log–log axes, so with 20 values α = 2 (to rounding); 19 values, or 25 values of which only
/// 19 are positive, give no α and a reason.
#[test]
fn no_alpha_below_twenty_eigenvalues() {
    assert_eq!(MIN_ALPHA_EIGENVALUES, 20);
    let power = |k: usize| (1..=k).map(|i| (i as f64).powi(-2)).collect::<Vec<f64>>();
    let alpha = alpha_ols(&power(20), 10_000).unwrap();
    assert!((alpha - 2.0).abs() < 1e-12, "{alpha}");
    let err = alpha_ols(&power(19), 10_000).unwrap_err();
    assert!(err.contains("19 eigenvalues") && err.contains("fewer than 20"), "{err}");
    let mut padded = power(19);
    padded.extend([0.0; 6]);
    let err = alpha_ols(&padded, 10_000).unwrap_err();
    assert!(err.contains("only 19 of the 25"), "{err}");
    assert!(alpha_ols(&[], 10).is_err());
}

/// `eigenlens toy ARGS…`: (exit code, stdout, stderr).
fn run_cli(args: &[&str]) -> (i32, String, String) {
    common::run(&[&["toy"], args].concat())
}

#[test]
fn cli_matches_the_library() {
    let args = [
        "--n",
        "8",
        "--m",
        "3",
        "--decay",
        "0.8",
        "--sparsity",
        "0.5,0.9",
        "--steps",
        "200",
        "--batch",
        "64",
        "--seed",
        "7",
        "--eval-samples",
        "512",
        "--entropy-bits",
        "4",
        "--json",
    ];
    let (code, stdout, stderr) = run_cli(&args);
    assert_eq!(code, 0, "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let run0 = &value["runs"][0];
    for key in [
        "sparsity",
        "seed",
        "loss_curve",
        "final_loss",
        "w",
        "b",
        "feature_norms",
        "feature_dimensionality",
        "dims_per_feature",
        "predicted_dims_per_feature",
        "gram",
        "hidden_eigenvalues",
        "hidden_alpha_reason",
        "hidden_participation_ratio",
        "dims_per_feature_floor",
        "features_at_fractions",
        "features_stored",
    ] {
        assert!(!run0[key].is_null(), "missing {key}");
    }
    // m = 3: no α, and the reason instead.
    assert!(run0["hidden_alpha"].is_null() && run0.as_object().unwrap().contains_key("hidden_alpha"));
    let labels: Vec<&str> =
        run0["features_at_fractions"].as_array().unwrap().iter().map(|f| f["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["1", "3/4", "2/3", "1/2", "2/5", "3/8"]);
    assert_eq!(run0["w"].as_array().unwrap().len(), 24);
    assert_eq!(run0["gram"].as_array().unwrap().len(), 64);
    assert_eq!(value["settings"]["entropy_bits"], 4.0);

    let settings = ToySettings {
        n: 8,
        m: 3,
        importance_decay: 0.8,
        sparsities: vec![0.5, 0.9],
        steps: 200,
        batch: 64,
        seed: 7,
        eval_samples: 512,
        entropy_bits: 4.0,
        ..ToySettings::default()
    };
    let lib = train_all(&settings, &mut |_, _, _| true).unwrap();
    // The same bits: the library's report serialises to exactly the CLI's line.
    assert_eq!(stdout.trim_end(), serde_json::to_string(&lib).unwrap());
    let parsed: ToyReport = serde_json::from_str(&stdout).unwrap();
    assert_eq!(parsed.settings, settings);
    assert_eq!(parsed.runs.len(), 2);
    assert!((parsed.runs[1].dims_per_feature - lib.runs[1].dims_per_feature).abs() < 1e-15);

    // --sparsities COUNT uses the default grid; the table names its columns.
    let (code, stdout, stderr) =
        run_cli(&["--n", "6", "--m", "2", "--sparsities", "3", "--steps", "50", "--batch", "32"]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 7, "{stdout}");
    assert!(lines[0].contains("dims/feat") && lines[0].contains("predicted") && lines[0].contains("floor"));
    assert!(lines[0].ends_with("D_i = 1 3/4 2/3 1/2 2/5 3/8"), "{}", lines[0]);
    assert!(lines[3].trim_start().starts_with("0.95000"), "{}", lines[3]);
    assert!(lines[3].contains("0.3333") && lines[3].contains(" none "), "floor m/n = 2/6, no α: {}", lines[3]);
    // Under the table: the prediction is a lower bound with a free H_e and a floor; why no α.
    assert!(lines[4].starts_with("note: predicted") && lines[4].contains("lower bound"), "{}", lines[4]);
    assert!(lines[4].contains("floor = m/n = 0.3333"), "{}", lines[4]);
    assert!(lines[5].contains("mean over samples and features"), "{}", lines[5]);
    assert!(lines[6].contains("m = 2 hidden units give 2 eigenvalues"), "{}", lines[6]);

    // --preset elhage-geometry sets n, m and r; flags override it; the help names both presets.
    let (code, stdout, stderr) =
        run_cli(&["--preset", "elhage-geometry", "--sparsity", "0.9", "--steps", "2", "--batch", "8", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let parsed: ToyReport = serde_json::from_str(&stdout).unwrap();
    let want = ToySettings { sparsities: vec![0.9], steps: 2, batch: 8, ..ToyPreset::ElhageGeometry.settings() };
    assert_eq!(parsed.settings, want);
    assert_eq!(parsed.runs[0].hidden_eigenvalues.len(), 20);
    let (code, stdout, _) =
        run_cli(&["--preset", "elhage-geometry", "--m", "10", "--sparsity", "0.9", "--steps", "1", "--json"]);
    assert_eq!(code, 0);
    let parsed: ToyReport = serde_json::from_str(&stdout).unwrap();
    assert_eq!((parsed.settings.n, parsed.settings.m, parsed.settings.importance_decay), (200, 10, 1.0));
    let (code, stdout, _) = run_cli(&["--help"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("elhage-geometry (n = 200, m = 20, r = 1)"), "{stdout}");
    assert!(stdout.contains("[default: 20; elhage-geometry: 200]"), "{stdout}");
    let (code, _, stderr) = run_cli(&["--preset", "elhage"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("default") && stderr.contains("elhage-geometry"), "{stderr}");

    // Bad settings are usage errors (status 2) that name the setting.
    let (code, _, stderr) = run_cli(&["--m", "0", "--json"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("m (hidden units)"), "{stderr}");
    let (code, _, stderr) = run_cli(&["--sparsity", "0.5,1.2"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("sparsity must be in [0, 1), got 1.2"), "{stderr}");
    let (code, _, stderr) = run_cli(&["--sparsity", "0.5,x"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--sparsity") && stderr.contains("cannot read 'x'"), "{stderr}");
}
