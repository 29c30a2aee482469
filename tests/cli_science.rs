//! The command line carries the core's spectrum science (issue 11, CLI side): each flag changes
//! the JSON as the core's own tests (`tests/spectrum_science.rs`) say it should, the readable
//! summary prints the core's α label and verdicts, and `compare` fits every file over one range.
//! Expected numbers are NumPy's, quoted from `tests/spectrum_science.rs` with their code.

mod common;

use common::{json, run};

use eigenlens::analysis::{self, Options, Preprocess};
use eigenlens::read::{self, MemSource};
use eigenlens::synth::gaussian_code;
use serde_json::Value;
use std::path::PathBuf;

fn data(rel: &str) -> String {
    common::data(rel).to_str().unwrap().to_string()
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("eigenlens-cli-science-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn close(got: &Value, want: f64, tol: f64) -> bool {
    got.as_f64().is_some_and(|g| (g - want).abs() <= tol)
}

/// Every report carries the diagnostics and the floor key; f32 storage has no floor (null).
#[test]
fn analyze_json_has_the_diagnostics_and_the_precision_floor_key() {
    let v = json(&["analyze", &data("digits_mlp/plain_h1_test.f32.npy"), "--json"]);
    assert!(v["precision_floor"].is_null(), "{}", v["precision_floor"]);
    let d = &v["fit_diagnostics"];
    for key in ["window_octaves", "local_slope", "alpha_grid", "suggested", "suggested_reason", "curvature"] {
        assert!(d.get(key).is_some(), "missing fit_diagnostics.{key}");
    }
    assert_eq!(d["curvature"]["tested"], true);
    assert_eq!(v["alpha_fit"]["label"], "2.394 (stringer, n = 11…128)");
    assert_eq!(v["preprocessing"]["standardized"], false);
    assert_eq!(v["preprocessing"]["removed_top"], 0);
}

/// `--remove-top 3` on plain_h1: NumPy `lam = np.load(eigenvalues)[3:]`, weighted fit over
/// 11 … ⌊253/2⌋ = 126 → α = 2.191915468777687; rank 251 − 3 = 248 (science-c's test).
#[test]
fn remove_top_refits_the_rest() {
    let v = json(&["analyze", &data("digits_mlp/plain_h1_test.f32.npy"), "--remove-top", "3", "--json"]);
    assert!(close(&v["alpha_fit"]["alpha"], 2.191915468777687, 1e-6), "{}", v["alpha_fit"]);
    assert_eq!((v["alpha_fit"]["rank_lo"].as_u64(), v["alpha_fit"]["rank_hi"].as_u64()), (Some(11), Some(126)));
    assert_eq!(v["numerical_rank"], 248);
    assert_eq!(v["eigenvalues"].as_array().unwrap().len(), 253);
    let want = common::npy_vector("reference/eigenvalues/digits_mlp__plain_h1_test.npy");
    let removed = v["preprocessing"]["removed_eigenvalues"].as_array().unwrap();
    assert_eq!(removed.len(), 3);
    for (got, w) in removed.iter().zip(&want) {
        assert!(close(got, *w, 1e-8 * want[0]), "{got} vs {w}");
    }
    assert!(v["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().starts_with("The top 3 component")));
    // Removing every eigenvalue is refused, naming the file and the setting.
    let (code, _, stderr) = run(&["analyze", &data("digits_mlp/plain_h1_test.f32.npy"), "--remove-top", "256"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("remove_top = 256") && stderr.contains("plain_h1_test"), "{stderr}");
}

/// `--standardize` on X_test_pixels (science-c's test): NumPy `C = np.cov(X, rowvar=False);
/// s = 1/np.sqrt(np.diag(C)) (0 where constant); np.linalg.eigvalsh(C * s[:, None] * s)[::-1]`:
/// λ₁…λ₃ = 7.3884380343515215, 5.998870107252931, 5.014724554115899, Σλ = 60 (64 units, 4
/// constant), α over 11 … 32 (weights 1/n) = 1.5427261268031405.
#[test]
fn standardize_gives_the_correlation_spectrum() {
    let v = json(&["analyze", &data("digits_mlp/X_test_pixels.f32.npy"), "--standardize", "--json"]);
    let got = v["eigenvalues"].as_array().unwrap();
    for (g, w) in got.iter().zip([7.3884380343515215, 5.998870107252931, 5.014724554115899]) {
        assert!(close(g, w, 1e-9 * w), "{g} vs {w}");
    }
    assert!(close(&v["total_variance"], 60.0, 1e-9));
    assert!(close(&v["alpha_fit"]["alpha"], 1.5427261268031405, 1e-6));
    assert_eq!(v["preprocessing"]["standardized"], true);
}

/// A Gaussian code with α = 4 and mean 0.5 (D = 400) stored as bf16 (science-c's case, NumPy with
/// ml_dtypes: floor 8.08e−7 from the stored values, rounding variance 7.95e−7, α over 11 … 200
/// = 1.33 instead of 4.01). 12 000 rows (4.8 M values) so that the CLI reads the file with one
/// thread per core (two shares on two cores) and merges the rounding noise of the shares: the
/// floor must equal one reader's, and be the variance the rounding really added.
#[test]
fn bf16_storage_reports_its_floor_through_the_threaded_reader() {
    let (n, d) = (12_000, 400);
    let mut x = gaussian_code(4.0, n, d, 11);
    for v in &mut x.data {
        *v += 0.5;
    }
    let stored: Vec<half::bf16> = x.data.iter().map(|v| half::bf16::from_f64(*v)).collect();
    let mut bytes = read::npy::header_bytes("<V2", &[n as u64, d as u64]);
    for v in &stored {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    let rounding_var = stored.iter().zip(&x.data).map(|(b, v)| (b.to_f64() - v).powi(2)).sum::<f64>() / (n * d) as f64;
    let path = temp_file("code.bf16.npy", &bytes);
    let path = path.to_str().unwrap();

    let v = json(&["analyze", path, "--lo", "11", "--hi", "200", "--json"]);
    let floor = &v["precision_floor"];
    assert_eq!(floor["dtype"], "bf16");
    let value = floor["value"].as_f64().unwrap();
    assert!((value / rounding_var - 1.0).abs() < 0.05, "floor {value} vs rounding {rounding_var}");
    // One reader, in the library, on the same bytes: the same floor (the shares merge exactly).
    let mut opened = read::open_matrix(MemSource(bytes), "code.bf16.npy", None, None).unwrap();
    let options =
        Options { fit: eigenlens::stats::FitRequest { lo: 11, hi: 200, ..Default::default() }, ..Default::default() };
    let one = analysis::analyze_opened(&mut opened, &options, &Preprocess::default(), &mut |_, _| true).unwrap();
    let want = one.precision_floor.unwrap().value;
    assert!((value - want).abs() <= 1e-12 * want, "{value} vs one reader's {want}");
    assert!(v["alpha_fit"]["alpha"].as_f64().unwrap() < 2.0, "{}", v["alpha_fit"]);
    let warnings = v["warnings"].as_array().unwrap();
    assert!(warnings.iter().any(|w| w.as_str().unwrap().starts_with("Stored as bf16")), "{warnings:?}");

    let (code, summary, _) = run(&["analyze", path, "--lo", "11", "--hi", "200"]);
    assert_eq!(code, 0);
    let line = summary.lines().find(|l| l.starts_with("precision floor")).unwrap_or_default();
    assert!(line.contains(&format!("{value:.3e}")) && line.contains("bf16 rounding"), "{summary}");
}

/// The readable summary prints the core's label and each verdict, as the JSON holds them.
#[test]
fn summary_prints_the_label_the_verdicts_and_the_floor() {
    let path = data("digits_mlp/plain_h1_test.f32.npy");
    let v = json(&["analyze", &path, "--json"]);
    let (code, s, _) = run(&["analyze", &path]);
    assert_eq!(code, 0);
    let label = v["alpha_fit"]["label"].as_str().unwrap();
    assert!(s.contains(&format!("alpha                {label}  118 points, R² = ")), "{s}");
    let curvature = s.lines().find(|l| l.starts_with("curvature")).unwrap();
    assert!(curvature.contains("not flagged over n = 11…128") && curvature.contains("not ruled out"), "{curvature}");
    let g = &v["fit_diagnostics"]["suggested"];
    let suggested = format!("suggested range      n = {}…{}:", g["lo"], g["hi"]);
    assert!(s.contains(&suggested), "{suggested} in {s}");
    assert!(s.contains("precision floor      not measured for f32"), "{s}");
    // An invalid fit prints the core's label, reason included.
    let (_, s, _) = run(&["analyze", &path, "--lo", "0"]);
    assert!(s.contains("alpha                none (n_lo = 0: ranks are 1-based"), "{s}");
    assert!(s.contains("curvature            not tested: "), "{s}");
}

/// Layers compared on one range (science-c's test): plain_h1 (540 × 256) caps n_hi at 128;
/// MiniLM block 5 (3000 × 384) alone would be fitted over 11 … 192. NumPy, weights 1/n over
/// 11 … 128: plain_h1 2.394101734435509, MiniLM 0.7103409684814704 (its own range gives
/// 0.8219566932131632).
#[test]
fn compare_fits_every_file_over_one_common_range() {
    let (h1, minilm) = (data("digits_mlp/plain_h1_test.f32.npy"), data("minilm/blk5_out_tokens.f32.npy"));
    let v = json(&["compare", &h1, &minilm, "--json"]);
    assert_eq!((v["rank_lo"].as_u64(), v["rank_hi"].as_u64()), (Some(11), Some(128)));
    assert_eq!(v["limited_by"], format!("{h1}: ⌊D/2⌋ = 128"));
    assert!(v["reason"].is_null());
    let layers = v["layers"].as_array().unwrap();
    assert_eq!(layers[0]["name"], h1.as_str());
    assert!(close(&layers[0]["alpha_fit"]["alpha"], 2.394101734435509, 1e-6));
    assert!(close(&layers[1]["alpha_fit"]["alpha"], 0.7103409684814704, 1e-6));
    assert_eq!(layers[1]["alpha_fit"]["label"], "0.710 (stringer, n = 11…128)");
    assert!(
        close(&layers[0]["n_over_d"], 540.0 / 256.0, 1e-12) && close(&layers[1]["n_over_d"], 3000.0 / 384.0, 1e-12)
    );
    assert!(v["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("N/D differs")));
    // MiniLM analysed alone is fitted over its own range, 11 … 192: the comparison is not that.
    let alone = json(&["analyze", &minilm, "--json"]);
    assert!(close(&alone["alpha_fit"]["alpha"], 0.8219566932131632, 1e-6), "{}", alone["alpha_fit"]);

    let (code, s, _) = run(&["compare", &h1, &minilm]);
    assert_eq!(code, 0);
    assert!(s.starts_with(&format!("common range  n = 11…128 (n_hi limited by {h1}: ⌊D/2⌋ = 128)\n")), "{s}");
    assert!(
        s.lines().any(|l| l.starts_with(minilm.as_str()) && l.ends_with("  7.8  0.710 (stringer, n = 11…128)")),
        "{s}"
    );

    // The fit flags apply to the common range: ols over 11 … 100 (alpha-req) in both.
    let v = json(&["compare", &h1, &minilm, "--preset", "alpha-req", "--estimator", "ols", "--json"]);
    assert_eq!((v["rank_hi"].as_u64(), v["limited_by"].as_str()), (Some(100), None));
    assert!(v["layers"].as_array().unwrap().iter().all(|l| l["alpha_fit"]["estimator"] == "ols"));
}

/// With `--bootstrap B` every layer gets the interval of its α over the common range: the same
/// interval `analyze --lo 11 --hi 128 --bootstrap B --seed S` gives that file (one rule, one seed).
#[test]
fn compare_bootstraps_each_file_over_the_common_range() {
    let (h1, h2) = (data("digits_mlp/plain_h1_test.f32.npy"), data("digits_mlp/plain_h2_test.f32.npy"));
    let v = json(&["compare", &h1, &h2, "--bootstrap", "20", "--seed", "3", "--json"]);
    let (lo, hi) = (v["rank_lo"].as_u64().unwrap(), v["rank_hi"].as_u64().unwrap());
    for (layer, file) in v["layers"].as_array().unwrap().iter().zip([&h1, &h2]) {
        let alone = json(&[
            "analyze",
            file,
            "--lo",
            &lo.to_string(),
            "--hi",
            &hi.to_string(),
            "--bootstrap",
            "20",
            "--seed",
            "3",
            "--json",
        ]);
        assert_eq!(layer["alpha_interval"], alone["alpha_interval"], "{file}");
        let (a, i) = (layer["alpha_fit"]["alpha"].as_f64().unwrap(), &layer["alpha_interval"]);
        assert!(i["lo"].as_f64().unwrap() < a && a < i["hi"].as_f64().unwrap(), "{a} outside {i}");
        assert_eq!(i["method"], "normal");
    }
    let (code, s, _) = run(&["compare", &h1, &h2, "--bootstrap", "20", "--seed", "3"]);
    assert_eq!(code, 0);
    assert!(s.lines().filter(|l| l.contains("(95 %, blocks of 1)")).count() == 2, "{s}");
    let (code, _, stderr) = run(&["compare", &h1, &h2, "--bootstrap", "20", "--standardize"]);
    assert_eq!(code, 2, "{stderr}");
}

/// No common range: every α is none, the reason names the file that prevents it.
#[test]
fn compare_without_a_common_range_says_which_file_prevents_it() {
    let (h1, pixels) = (data("digits_mlp/plain_h1_test.f32.npy"), data("digits_mlp/X_test_pixels.f32.npy"));
    let v = json(&["compare", &h1, &pixels, "--lo", "40", "--json"]);
    let reason = v["reason"].as_str().unwrap();
    assert!(reason.contains(&format!("{pixels}: ⌊D/2⌋ = 32")) && reason.contains("choose n_lo ≤ 31"), "{reason}");
    assert!(v["layers"].as_array().unwrap().iter().all(|l| l["alpha_fit"]["alpha"].is_null()));
    // One file is not a comparison: bad usage.
    let (code, _, stderr) = run(&["compare", &h1]);
    assert_eq!(code, 2, "{stderr}");
}

/// cvpca prints both fits with the core's label (one formatter for α everywhere).
#[test]
fn cvpca_prints_the_core_labels() {
    let (a, b) =
        (data("digits_mlp/plain_h1_test_noise_rep1.f32.npy"), data("digits_mlp/plain_h1_test_noise_rep2.f32.npy"));
    let v = json(&["cvpca", &a, &b, "--shuffles", "0", "--json"]);
    let (code, s, _) = run(&["cvpca", &a, &b, "--shuffles", "0"]);
    assert_eq!(code, 0);
    for key in ["alpha_fit", "alpha_fit_plain"] {
        let label = v[key]["label"].as_str().unwrap();
        assert!(!label.is_empty() && s.contains(label), "{key} {label} in {s}");
    }
}

/// `--bootstrap` on a 3-D [S, T, H] file resamples whole sequences by default, as read: with
/// `--skip-positions 1` a sequence of tokens.npy ([8, 16, 16], `tests/data/writers`) is 15 rows,
/// so the blocks are 15 rows and a resample draws 120 / 15 = 8 of them; the note says so.
#[test]
fn bootstrap_blocks_are_the_sequences_as_read() {
    let tokens = data("writers/tokens.npy");
    let fit = ["--lo", "2", "--hi", "8", "--bootstrap", "5", "--json"];
    let v = json(&[&["analyze", tokens.as_str()][..], &fit].concat());
    assert_eq!((v["bootstrap"]["block"].as_u64(), v["bootstrap"]["n_blocks"].as_u64()), (Some(16), Some(8)));
    let v = json(&[&["analyze", tokens.as_str(), "--skip-positions", "1"][..], &fit].concat());
    assert_eq!((v["bootstrap"]["block"].as_u64(), v["bootstrap"]["n_blocks"].as_u64()), (Some(15), Some(8)));
    assert_eq!(v["alpha_interval"]["block"], 15);
    let notes = v["bootstrap"]["warnings"].as_array().unwrap();
    assert!(notes[0].as_str().unwrap().starts_with("resampled whole sequences: blocks of 15 rows"), "{notes:?}");
    // --block overrides it, and no note claims sequences then.
    let v = json(&[&["analyze", tokens.as_str(), "--block", "10"][..], &fit].concat());
    assert_eq!(v["bootstrap"]["block"], 10);
    assert!(!v["bootstrap"]["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("sequence")));
}

/// The bootstrap resamples the covariance spectrum as read: with --standardize or --remove-top
/// its interval would be of another α than the one reported, so the pair is refused as usage.
#[test]
fn bootstrap_with_preprocessing_is_refused() {
    let path = data("digits_mlp/plain_h1_test.f32.npy");
    for flag in [&["--standardize"][..], &["--remove-top", "2"]] {
        let (code, stdout, stderr) = run(&[&["analyze", path.as_str(), "--bootstrap", "5"][..], flag].concat());
        assert_eq!(code, 2, "{flag:?}: {stderr}");
        assert!(
            stdout.is_empty()
                && stderr.contains(
                    "--bootstrap with --standardize, --remove-top or --centre-positions: the bootstrap resamples the \
                 covariance spectrum as read"
                ),
            "{stderr}"
        );
    }
}
