//! Smoothness along a sweep: roughness against NumPy on the rotation sweeps (in sweep order and
//! shuffled with the reference's recorded permutations), Hölder H against METHODS.md's known
//! answers for the Fourier code, the verdict's wording, and bad settings.

mod common;

use common::{data, reference};
use eigenlens::matrix::Matrix;
use eigenlens::read::{self, source::FileSource};
use eigenlens::smoothness::{
    analyze_sweep, holder_fit, roughness_in_order, smoothness_verdict, InputDim, SweepSettings,
};
use eigenlens::synth::fourier_code;

fn load(rel: &str) -> Matrix {
    let path = data(rel);
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut opened = read::open_matrix(FileSource::open(&path).unwrap(), &name, None, None).unwrap();
    Matrix::read_all(opened.rows.as_mut(), 1 << 26).unwrap()
}

fn close_rel(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs()
}

const SWEEPS: [&str; 3] =
    ["sweep/digit_rotation_images", "sweep/digit_rotation_plain_h1", "sweep/digit_rotation_plain_h2"];

#[test]
fn roughness_of_the_rotation_sweeps_matches_numpy() {
    let r = reference();
    // The reference's shuffled rows: ONE np.random.default_rng(0), permutation(500) drawn once
    // per sweep in the order images, plain_h1, plain_h2 (tests/data/README.md).
    let perms = load("sweep/shuffle_permutations_default_rng0.npy");
    for (k, name) in SWEEPS.iter().enumerate() {
        let want = &r["sweeps"][*name];
        let x = load(&format!("{name}.f32.npy"));
        let t =
            read::read_vector(FileSource::open(data("sweep/digit_rotation_angle_deg.npy")).unwrap(), "t.npy", 1 << 20)
                .unwrap();
        assert_eq!((t[0], t[499]), (0.0, 359.28));
        let report = analyze_sweep(&x, Some(&t), &SweepSettings { periodic: true, ..Default::default() }).unwrap();
        let r_sweep = want["roughness_sweep_order"].as_f64().unwrap();
        assert!(close_rel(report.roughness, r_sweep, 1e-9), "{name}: R {} vs {r_sweep}", report.roughness);
        let wrap = want["wraparound_sq_dist_over_mean_step_sq"].as_f64().unwrap();
        assert!(close_rel(report.wraparound_ratio, wrap, 1e-9), "{name}: wrap {} vs {wrap}", report.wraparound_ratio);
        let order: Vec<usize> = perms.row(k).iter().map(|v| *v as usize).collect();
        let shuffled = roughness_in_order(&x, &order, report.spectrum.total_variance);
        let r_shuffled = want["roughness_shuffled_rows_seed0"].as_f64().unwrap();
        assert!(close_rel(shuffled, r_shuffled, 1e-9), "{name}: shuffled R {shuffled} vs {r_shuffled}");
        // Our own seeded shuffle is another permutation, but just as rough.
        assert!((report.roughness_shuffled - 1.0).abs() < 0.1, "{name}: {}", report.roughness_shuffled);
        assert!(report.roughness < 1e-3);
    }
}

#[test]
fn holder_exponent_of_fourier_codes_matches_the_known_answers() {
    for (alpha, want) in [(4.0, 1.0), (2.5, 0.75), (2.0, 0.5)] {
        let x = fourier_code(alpha, 4096, 1000, Some(1));
        let h = holder_fit(&x, true).h.unwrap();
        eprintln!("Fourier code α = {alpha}: H = {h:.4} (METHODS: {want})");
        assert!((h - want).abs() <= 0.1, "α = {alpha}: H = {h} vs {want}");
    }
}

#[test]
fn the_verdict_is_a_necessary_condition_in_words() {
    let v = smoothness_verdict(Some(3.2), InputDim::Finite(1.0));
    assert_eq!(v.threshold, 3.0);
    assert!((v.margin.unwrap() - 0.2).abs() < 1e-12);
    assert_eq!(v.text, "α = 3.200 > 1 + 2/d = 3.000 (d = 1): the code may be differentiable (a necessary condition, not a sufficient one)");
    let v = smoothness_verdict(Some(1.8), InputDim::Finite(2.0));
    assert_eq!(v.may_be_smooth, Some(false));
    assert_eq!(v.text, "α = 1.800 ≤ 1 + 2/d = 2.000 (d = 2): the code cannot be differentiable over this input");
    let v = smoothness_verdict(Some(1.05), "high".parse().unwrap());
    assert_eq!((v.threshold, v.may_be_smooth), (1.0, Some(true)));
    assert_eq!(
        smoothness_verdict(None, InputDim::Finite(1.0)).text,
        "no valid α, so no verdict (the bound is 1 + 2/d = 3.000 (d = 1))"
    );
    assert_eq!("0".parse::<InputDim>().unwrap_err(), "d must be a positive number or 'high', got '0'");
}

#[test]
fn projections_are_seeded_and_their_roughness_tells_smooth_from_shuffled() {
    let x = fourier_code(4.0, 1024, 64, Some(2));
    let settings = SweepSettings { k: 4, seed: 9, periodic: true, ..Default::default() };
    let a = analyze_sweep(&x, None, &settings).unwrap();
    let b = analyze_sweep(&x, None, &settings).unwrap();
    assert_eq!(a.curves, b.curves, "same seed, same directions");
    let c = analyze_sweep(&x, None, &SweepSettings { seed: 10, ..settings.clone() }).unwrap();
    assert_ne!(a.curves[0].values, c.curves[0].values);
    assert_eq!(a.curves.len(), 4);
    assert_eq!(a.t, (0..1024).map(|i| i as f64).collect::<Vec<_>>());
    for curve in &a.curves {
        assert!(curve.roughness < 0.01, "a smooth code's projections are smooth: {}", curve.roughness);
        assert_eq!(curve.values.len(), 1024);
        // Centred: each projection has mean 0.
        assert!(curve.values.iter().sum::<f64>().abs() < 1e-9);
    }
    assert!(a.roughness < 0.01 && (a.roughness_shuffled - 1.0).abs() < 0.1);
    assert_eq!(a.predicted_h, Some(1.0), "α ≈ 4 predicts H = min(1, 1.5)");
}

/// A synthetic code and its projections seeded alike must still get random directions, not the
/// code's own mixing columns (which would show its pure cos/sin features, smooth whatever α).
#[test]
fn projections_of_a_synthetic_code_with_the_same_seed_are_random_directions() {
    let x = fourier_code(2.0, 4096, 200, Some(1));
    let r = analyze_sweep(&x, None, &SweepSettings { k: 5, seed: 1, periodic: true, ..Default::default() }).unwrap();
    for c in &r.curves {
        let h = c.holder_h.unwrap();
        assert!(h < 0.75, "α = 2 makes rough curves (H ≈ 0.5), got H = {h}");
    }
}

#[test]
fn bad_sweeps_are_named() {
    let x = fourier_code(2.0, 64, 8, None);
    let e = |s: SweepSettings, t: Option<&[f64]>| analyze_sweep(&x, t, &s).unwrap_err().to_string();
    assert_eq!(
        e(SweepSettings { k: 0, ..Default::default() }, None),
        "invalid setting: k = 0: draw between 1 and 64 random projections"
    );
    assert_eq!(
        e(SweepSettings::default(), Some(&[1.0, 2.0])),
        "invalid setting: the sweep parameter has 2 values but the matrix has 64 rows"
    );
    let flat = Matrix { rows: 5, cols: 2, data: vec![1.0; 10] };
    assert_eq!(
        analyze_sweep(&flat, None, &SweepSettings::default()).unwrap_err().to_string(),
        "every row is the same (total variance 0): nothing varies along the sweep"
    );
    let tiny = Matrix { rows: 2, cols: 2, data: vec![1.0, 2.0, 3.0, 4.0] };
    assert_eq!(
        analyze_sweep(&tiny, None, &SweepSettings::default()).unwrap_err().to_string(),
        "too few rows: the sweep has N = 2 row(s); roughness and lags need at least 3"
    );
}

#[test]
fn cli_sweep_json_gives_the_reference_roughness() {
    let r = reference();
    let want = r["sweeps"]["sweep/digit_rotation_plain_h1"]["roughness_sweep_order"].as_f64().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_eigenlens"))
        .arg("sweep")
        .arg(data("sweep/digit_rotation_plain_h1.f32.npy"))
        .arg("--param")
        .arg(data("sweep/digit_rotation_angle_deg.npy"))
        .args(["--periodic", "--k", "3", "--seed", "5", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(close_rel(json["roughness"].as_f64().unwrap(), want, 1e-9));
    for key in ["holder_h", "predicted_h", "alpha_fit", "verdict", "roughness_shuffled"] {
        assert!(json.get(key).is_some(), "key {key}");
    }
    let curves = json["curves"].as_array().unwrap();
    assert_eq!(curves.len(), 3);
    assert!(curves
        .iter()
        .all(|c| c["roughness"].as_f64().unwrap() < 0.01 && c["values"].as_array().unwrap().len() == 500));
    assert_eq!(json["t"][1].as_f64().unwrap(), 0.72);
}
