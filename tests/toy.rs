//! The toy model of superposition (METHODS.md, "Toy model of superposition"): what training
//! must find in the regimes whose answer is known (dense features → the m most important ones,
//! orthogonal; very sparse features → superposition), the hand-written gradient against finite
//! differences, reproducibility of a split sweep, bad settings, and the command line.

use eigenlens::toy::{
    default_sparsities, importances, loss_and_grad, predicted_dims_per_feature, train_all, train_one, ToyReport,
    ToyRun, ToySettings, PROGRESS_EVERY,
};
use eigenlens::Error;
use std::process::Command;

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
    assert!(run.hidden_alpha.is_some());
    assert_eq!(run.predicted_dims_per_feature, 1.0);

    // The loss decreases by a clear factor.
    let curve = &run.loss_curve;
    assert_eq!(curve.steps.len(), curve.values.len());
    assert_eq!((curve.steps[0], curve.steps[1], *curve.steps.last().unwrap()), (0, 100, 10_000));
    let first = curve.values[0];
    let last = *curve.values.last().unwrap();
    assert!(last < first / 3.0 && run.final_loss < first / 3.0, "loss {first} → {last} (eval {})", run.final_loss);
    // The loss of the best 5-of-20 code is Σ_{i≥5} Iᵢ·Var(U[0,1]) with b = E[x]: check it is near.
    let floor: f64 = importances(20, 0.7)[5..].iter().sum::<f64>() / 12.0;
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

/// The loss as the spec writes it, without any of the kernel's shortcuts.
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
    total / rows as f64
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

fn run_cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_eigenlens")).arg("toy").args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
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
        "hidden_alpha",
        "hidden_participation_ratio",
    ] {
        assert!(!run0[key].is_null(), "missing {key}");
    }
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
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(lines[0].contains("dims/feat") && lines[0].contains("predicted"));
    assert!(lines[3].trim_start().starts_with("0.95000"), "{}", lines[3]);

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
