//! Smoothness along a sweep: roughness against NumPy on the rotation sweeps (in sweep order and
//! shuffled with the reference's recorded permutations, and in the report's own `shuffled_order`),
//! Hölder H against NumPy on Fourier codes and against its Fourier reference, the
//! frequency-shuffled code far below its bound, the verdict's rule and wording, its known answers
//! with and without a repeat, and bad settings.

mod common;

use common::{data, reference};
use eigenlens::matrix::Matrix;
use eigenlens::read::{self, source::FileSource};
use eigenlens::rng::Rng;
use eigenlens::smoothness::{
    analyze_sweep, analyze_sweep_with, block_resample, default_block, fourier_structure, holder_fit, holder_reference,
    lags, normal_quantile, roughness_in_order, smoothness_verdict, AlphaSource, Bound, InputDim, SweepSettings,
};
use eigenlens::synth::{fourier_code, fourier_code_shuffled, gaussian_code};

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
        let settings = SweepSettings { periodic: true, bootstrap: 0, ..Default::default() };
        let report = analyze_sweep(&x, Some(&t), &settings).unwrap();
        let r_sweep = want["roughness_sweep_order"].as_f64().unwrap();
        assert!(close_rel(report.roughness, r_sweep, 1e-9), "{name}: R {} vs {r_sweep}", report.roughness);
        let wrap = want["wraparound_sq_dist_over_mean_step_sq"].as_f64().unwrap();
        assert!(close_rel(report.wraparound_ratio, wrap, 1e-9), "{name}: wrap {} vs {wrap}", report.wraparound_ratio);
        let order: Vec<usize> = perms.row(k).iter().map(|v| *v as usize).collect();
        let shuffled = roughness_in_order(&x, &order, report.spectrum.total_variance);
        let r_shuffled = want["roughness_shuffled_rows_seed0"].as_f64().unwrap();
        assert!(close_rel(shuffled, r_shuffled, 1e-9), "{name}: shuffled R {shuffled} vs {r_shuffled}");
        // Our own seeded shuffle is another permutation, but just as rough, and the report
        // carries that permutation: the rows in that order give exactly its roughness.
        assert!((report.roughness_shuffled - 1.0).abs() < 0.1, "{name}: {}", report.roughness_shuffled);
        let mut seen = report.shuffled_order.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..500).collect::<Vec<_>>(), "{name}: a permutation of the rows");
        let again = roughness_in_order(&x, &report.shuffled_order, report.spectrum.total_variance);
        assert!((again - report.roughness_shuffled).abs() <= 1e-12, "{name}: {again} vs {}", report.roughness_shuffled);
        assert!(report.roughness < 1e-3);
    }
}

/// The lags are the distinct integers round(2^(j/4)) up to max(2, ⌊N/8⌋). NumPy:
///   out = []; j = 0
///   while (h := int(np.floor(2**(j/4) + 0.5))) <= max(2, n//8): out += [h] if h not in out else []; j += 1
#[test]
fn lags_are_log_spaced_distinct_integers() {
    assert_eq!(lags(3), vec![1, 2]);
    assert_eq!(lags(16), vec![1, 2]);
    assert_eq!(lags(500), vec![1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 13, 16, 19, 23, 27, 32, 38, 45, 54]);
    let l = lags(4096);
    assert_eq!(l.len(), 32);
    assert_eq!(
        l[18..],
        [54, 64, 76, 91, 108, 128, 152, 181, 215, 256, 304, 362, 431, 512],
        "NumPy: the last 14 lags for N = 4096"
    );
}

/// Stringer's Fourier code: every pair at lag h is at the same distance, so its structure
/// function has a closed form, with or without wrapping, whatever the mixing.
#[test]
fn the_fourier_structure_function_has_its_closed_form() {
    let (n, d) = (512, 64);
    let x = fourier_code(2.5, n, d, Some(3));
    for periodic in [true, false] {
        let fit = holder_fit(&x, periodic);
        let closed = fourier_structure(2.5, n, d, &fit.lags);
        for (h, (s, c)) in fit.lags.iter().zip(fit.structure.iter().zip(&closed)) {
            assert!((s - c).abs() <= 1e-10 * c, "periodic {periodic}, h = {h}: {s} vs {c}");
        }
    }
}

/// H of Fourier codes (N = 4096, D = 1000), measured with the log-spaced lags, against NumPy:
///   k = arange(1, 501.); S = [sum(k**-a * 2*(1 - cos(2*pi*k*h/4096))) for h in lags(4096)]
///   H = polyfit(log(lags), log(S), 1)[0] / 2
/// → α = 2: 0.5475677651891487, α = 3: 0.8854689201805132, α = 4: 0.9832282568050357 (the
/// equally spaced lags 1 … 512 gave 0.503, 0.848, 0.966). The report puts H beside the
/// reference H of a Fourier code with the FITTED α: within 0.05 of it.
#[test]
fn holder_h_of_fourier_codes_matches_numpy_and_its_reference() {
    for (alpha, numpy) in [(2.0, 0.5475677651891487), (3.0, 0.8854689201805132), (4.0, 0.9832282568050357)] {
        let x = fourier_code(alpha, 4096, 1000, Some(1));
        let settings = SweepSettings { periodic: true, bootstrap: 0, k: 1, ..Default::default() };
        let r = analyze_sweep(&x, None, &settings).unwrap();
        let h = r.holder_h.unwrap();
        let reference = r.holder_h_reference.unwrap();
        let fitted = r.alpha_fit.alpha.unwrap();
        eprintln!("Fourier α = {alpha}: H = {h:.4}, reference {reference:.4} (fitted α {fitted:.3})");
        assert!((h - numpy).abs() < 1e-9, "α = {alpha}: H = {h} vs NumPy {numpy}");
        assert!((h - reference).abs() <= 0.05, "α = {alpha}: H = {h} vs reference {reference}");
        assert!((reference - holder_reference(fitted, 4096, 1000).unwrap()).abs() < 1e-15);
        assert_eq!(r.holder_h_bound, Some(((fitted - 1.0) / 2.0).min(1.0)));
        assert!(r.holder_text.contains("the estimator's own bias cancels"), "{}", r.holder_text);
        assert!(!r.holder_text.contains("H ≥ 1"));
    }
}

/// The same variances k^(−α) on shuffled frequencies: the same spectrum (α ≈ 4), a rough code.
/// NumPy with a default_rng(0) permutation gave H = 0.199 (α = 4), far below min(1, 1.5) = 1.
#[test]
fn a_frequency_shuffled_code_is_far_below_its_bound() {
    let x = fourier_code_shuffled(4.0, 4096, 1000, 5, Some(1));
    let r =
        analyze_sweep(&x, None, &SweepSettings { periodic: true, bootstrap: 0, k: 1, ..Default::default() }).unwrap();
    let (h, bound, reference) = (r.holder_h.unwrap(), r.holder_h_bound.unwrap(), r.holder_h_reference.unwrap());
    eprintln!(
        "shuffled frequencies: α = {:?}, H = {h:.3}, bound {bound:.3}, reference {reference:.3}",
        r.alpha_fit.alpha
    );
    assert!((r.alpha_fit.alpha.unwrap() - 4.0).abs() < 0.1, "the spectrum is the Fourier code's");
    assert_eq!(bound, 1.0);
    assert!(h < bound - 0.5 && h < reference - 0.5, "H = {h}");
}

#[test]
fn the_verdict_compares_the_interval_with_the_bound_in_the_theorem_s_words() {
    let d1 = InputDim::Finite(1.0);
    let v = smoothness_verdict(Some(3.2), Some([3.1, 3.3]), AlphaSource::CrossValidated, d1);
    assert_eq!((v.verdict, v.threshold), (Bound::AboveBound, 3.0));
    assert!((v.margin.unwrap() - 0.2).abs() < 1e-12);
    assert_eq!(
        v.text,
        "cross-validated α = 3.200 (interval 3.100 … 3.300) lies above 1 + 2/d = 3.000 (d = 1): the spectrum decays \
         fast enough for a smooth (differentiable) embedding of a d-dimensional input at the resolution sampled. The \
         condition is necessary, not sufficient: this does not show that the code is smooth."
    );
    let v = smoothness_verdict(Some(1.8), Some([1.7, 1.9]), AlphaSource::Plain, InputDim::Finite(2.0));
    assert_eq!(v.verdict, Bound::BelowBound);
    assert_eq!(
        v.text,
        "plain α = 1.800 (interval 1.700 … 1.900) lies below 1 + 2/d = 2.000 (d = 2): a code whose spectrum decays \
         this slowly cannot be a smooth (differentiable) embedding of a d-dimensional input at the resolution \
         sampled. This is a statement about the code as sampled, not about whether the network is differentiable. \
         The plain α is biased by noise and by finite N; a repeat of the same inputs gives the cross-validated α, the \
         better estimate."
    );
    // The interval decides, not the point: either end on or across the bound is undecided.
    for interval in [[2.9, 3.1], [3.0, 3.2], [2.8, 3.0]] {
        let v = smoothness_verdict(Some(3.05), Some(interval), AlphaSource::CrossValidated, d1);
        assert_eq!(v.verdict, Bound::Undecided, "{interval:?}");
        assert!(v.text.ends_with("the interval contains 1 + 2/d = 3.000 (d = 1), so undecided."), "{}", v.text);
    }
    let v = smoothness_verdict(Some(5.0), None, AlphaSource::Plain, d1);
    assert_eq!(v.verdict, Bound::Undecided);
    assert!(v.text.contains("no interval of α was computed"), "{}", v.text);
    let v = smoothness_verdict(Some(1.05), Some([1.01, 1.09]), AlphaSource::CrossValidated, "high".parse().unwrap());
    assert_eq!((v.threshold, v.verdict), (1.0, Bound::AboveBound));
    let v = smoothness_verdict(None, Some([1.0, 2.0]), AlphaSource::CrossValidated, d1);
    assert_eq!((v.verdict, v.interval), (Bound::Undecided, None));
    assert_eq!(v.text, "no valid cross-validated α, so no verdict (the bound is 1 + 2/d = 3.000 (d = 1))");
    assert_eq!("0".parse::<InputDim>().unwrap_err(), "d must be a positive number or 'high', got '0'");
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!((json["verdict"].as_str(), json["alpha_source"].as_str()), (Some("undecided"), Some("cross_validated")));
    for verdict in [Bound::AboveBound, Bound::BelowBound] {
        let words = serde_json::to_value(verdict).unwrap();
        assert!(["above_bound", "below_bound"].contains(&words.as_str().unwrap()));
    }
}

fn noisy(x: &Matrix, sigma: f64, seed: u64) -> Matrix {
    let mut z = vec![0.0; x.data.len()];
    Rng::new(seed).fill_normal(&mut z);
    Matrix { rows: x.rows, cols: x.cols, data: x.data.iter().zip(z).map(|(v, e)| v + sigma * e).collect() }
}

/// Known answers of the verdict (N = 512, D = 128, periodic, d = 1, bound 3, B = 30, fit 11 … 64):
/// a Fourier code with α = 4 lies above; a white code (α ≈ 0) below; a Fourier code with
/// α = 3 (on the bound) recorded twice with noise (σ = 0.003) is undecided by its
/// cross-validated α, where the plain α of the same rows, flattened by the noise, reads below.
#[test]
fn the_verdict_s_known_answers() {
    let settings = SweepSettings { periodic: true, bootstrap: 30, k: 1, ..Default::default() };
    let verdict = |x: &Matrix, repeat: Option<&Matrix>| {
        let r = analyze_sweep_with(x, None, repeat, &settings).unwrap();
        let i = r.alpha_interval.clone().unwrap();
        eprintln!(
            "α {:?} [{:?}, {:?}] shift {:?}: {:?}",
            r.verdict.alpha, i.lo, i.hi, i.resample_shift, r.verdict.verdict
        );
        r
    };
    let r = verdict(&fourier_code(4.0, 512, 128, Some(1)), None);
    assert_eq!((r.verdict.verdict, r.verdict.alpha_source), (Bound::AboveBound, AlphaSource::Plain));
    assert!(r.verdict.text.contains("The plain α is biased"), "says which α");
    let i = r.alpha_interval.unwrap();
    assert_eq!((i.b, i.n_invalid, i.level), (30, 0, 0.95));
    let (lo, hi, se) = (i.lo.unwrap(), i.hi.unwrap(), i.se.unwrap());
    let alpha = r.verdict.alpha.unwrap();
    assert!((alpha - (lo + hi) / 2.0).abs() < 1e-12 && (hi - lo - 2.0 * normal_quantile(0.975) * se).abs() < 1e-12);

    let r = verdict(&gaussian_code(0.0, 512, 128, 3), None);
    assert_eq!(r.verdict.verdict, Bound::BelowBound);
    assert!(r.verdict.alpha.unwrap() < 0.5);

    let clean = fourier_code(3.0, 512, 128, Some(1));
    let (a, b) = (noisy(&clean, 0.003, 5), noisy(&clean, 0.003, 6));
    let cv = verdict(&a, Some(&b));
    assert_eq!((cv.verdict.verdict, cv.verdict.alpha_source), (Bound::Undecided, AlphaSource::CrossValidated));
    let i = cv.alpha_interval.unwrap();
    assert_eq!((i.method.as_str(), i.block), ("circular_blocks", 8), "⌈512^(1/3)⌉ = 8 rows per block");
    let cv_alpha = cv.cross_validated.unwrap().alpha_fit.alpha.unwrap();
    assert!((cv_alpha - 3.0).abs() < 0.1, "the cross-validated α is near the truth: {cv_alpha}");
    let plain = verdict(&a, None);
    assert_eq!(plain.verdict.verdict, Bound::BelowBound, "the noise flattens the plain spectrum");
    assert!(plain.alpha_fit.alpha.unwrap() < 2.8);
}

#[test]
fn bootstrap_blocks_are_contiguous_and_the_normal_quantile_is_right() {
    assert_eq!(
        [default_block(1), default_block(8), default_block(9), default_block(512), default_block(1000)],
        [1, 2, 3, 8, 10]
    );
    let mut rng = Rng::new(1);
    for periodic in [true, false] {
        let order = block_resample(100, 8, periodic, &mut rng);
        assert_eq!(order.len(), 100);
        for block in order.chunks(8) {
            for w in block.windows(2) {
                assert_eq!(w[1], (w[0] + 1) % 100, "consecutive rows inside a block");
            }
            if !periodic {
                assert!(block[0] + block.len() <= 100, "no wrap without periodicity");
            }
        }
    }
    // scipy.stats.norm.ppf
    for (p, z) in [(0.975, 1.959963984540054), (0.5, 0.0), (0.01, -2.3263478740408408), (0.999, 3.090232306167813)] {
        assert!((normal_quantile(p) - z).abs() < 1e-8, "Φ⁻¹({p}) = {} vs {z}", normal_quantile(p));
    }
    assert!(normal_quantile(1.0).is_nan());
}

#[test]
fn projections_are_seeded_and_their_roughness_tells_smooth_from_shuffled() {
    let x = fourier_code(4.0, 1024, 64, Some(2));
    let settings = SweepSettings { k: 4, seed: 9, periodic: true, bootstrap: 0, ..Default::default() };
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
    assert_eq!(a.holder_h_bound, Some(1.0), "α ≈ 4: min(1, 1.5)");
    assert!(a.roughness_text.contains("does not say that the code is smooth"), "{}", a.roughness_text);
}

/// A synthetic code and its projections seeded alike must still get random directions, not the
/// code's own mixing columns (which would show its pure cos/sin features, smooth whatever α).
#[test]
fn projections_of_a_synthetic_code_with_the_same_seed_are_random_directions() {
    let x = fourier_code(2.0, 4096, 200, Some(1));
    let settings = SweepSettings { k: 5, seed: 1, periodic: true, bootstrap: 0, ..Default::default() };
    let r = analyze_sweep(&x, None, &settings).unwrap();
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
    assert_eq!(
        e(SweepSettings { bootstrap: 10_001, ..Default::default() }, None),
        "invalid setting: B = 10001: choose between 0 (no interval) and 10 000 resamples"
    );
    assert_eq!(
        e(SweepSettings { level: 1.0, ..Default::default() }, None),
        "invalid setting: level = 1: choose a coverage between 0 and 1"
    );
    assert_eq!(
        e(SweepSettings { block: Some(0), ..Default::default() }, None),
        "invalid setting: block = 0: choose between 1 and N = 64 rows per bootstrap block"
    );
    let short = fourier_code(2.0, 63, 8, None);
    assert_eq!(
        analyze_sweep_with(&x, None, Some(&short), &SweepSettings::default()).unwrap_err().to_string(),
        "the repeats differ in shape: 64 × 8 against 63 × 8"
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
    for key in [
        "holder_h",
        "holder_h_reference",
        "holder_h_bound",
        "alpha_fit",
        "alpha_interval",
        "verdict",
        "roughness_shuffled",
        "shuffled_order",
    ] {
        assert!(json.get(key).is_some(), "key {key}");
    }
    let curves = json["curves"].as_array().unwrap();
    assert_eq!(curves.len(), 3);
    assert!(curves
        .iter()
        .all(|c| c["roughness"].as_f64().unwrap() < 0.01 && c["values"].as_array().unwrap().len() == 500));
    assert_eq!(json["t"][1].as_f64().unwrap(), 0.72);
    assert!(json.get("predicted_h").is_none(), "the old 'predicted' H is gone");
    assert!(["above_bound", "below_bound", "undecided"].contains(&json["verdict"]["verdict"].as_str().unwrap()));
}
