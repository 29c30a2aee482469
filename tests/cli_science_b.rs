//! The command line for issue 11, items 4 and 5: `cvpca --shuffles K [--abs]` fits α on the
//! shuffle mean as Stringer does (the same number as `tests/data/stringer/`), and
//! `analyze --bootstrap B [--block L] [--seed S] --json` reports `alpha_interval`, resampling
//! whole sequences of a 3-D tensor by default and saying what the interval does not show.

mod common;

use common::data;
use eigenlens::read::npy::header_bytes;
use eigenlens::rng::Rng;
use eigenlens::synth::gaussian_code;
use std::path::PathBuf;
use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_eigenlens")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn json(args: &[&str]) -> serde_json::Value {
    let (code, stdout, stderr) = run(args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    serde_json::from_str(&stdout).unwrap()
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("eigenlens-cli-b-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn path(rel: &str) -> String {
    data(rel).to_str().unwrap().to_string()
}

#[test]
fn cvpca_fits_the_shuffle_mean_as_stringer_does() {
    let text = std::fs::read_to_string(data("stringer/cvpca_shuffle_reference.json")).unwrap();
    let reference: serde_json::Value = serde_json::from_str(&text).unwrap();
    let p = &reference["pairs"]["digits_mlp/plain_h1_noise"];
    let (a, b) =
        (path("digits_mlp/plain_h1_test_noise_rep1.f32.npy"), path("digits_mlp/plain_h1_test_noise_rep2.f32.npy"));
    let r = json(&["cvpca", &a, &b, "--shuffles", "5", "--seed", "1", "--json"]);
    let fit = &r["alpha_fit"];
    assert_eq!((fit["spectrum"].as_str(), fit["abs"].as_bool()), (Some("shuffle_mean"), Some(false)));
    let want = p["alpha_shuffle_mean_get_powerlaw"].as_f64().unwrap();
    assert!((fit["alpha"].as_f64().unwrap() - want).abs() <= 1e-6, "{} vs Stringer {want}", fit["alpha"]);
    assert_eq!(r["alpha_fit_unshuffled"]["spectrum"], "unshuffled");
    assert_eq!(r["suggested_range"], serde_json::json!([11, 128]));
    assert_eq!(r["noise_spectrum"].as_array().unwrap().len(), 256);
    let abs = json(&["cvpca", &a, &b, "--shuffles", "5", "--abs", "--json"]);
    assert_eq!(abs["alpha_fit"]["abs"], true);
    assert!((abs["alpha_fit"]["alpha"].as_f64().unwrap() - want).abs() <= 1e-6, "all cv_n > 0: |cv_n| is cv_n");
    // Without shuffles: the split as given, and a note saying Stringer averages shuffles.
    let (code, text, _) = run(&["cvpca", &a, &b]);
    assert_eq!(code, 0);
    assert!(text.contains("; the split as given") && text.contains("note: α is fitted on the one split"), "{text}");
    let (_, text, _) = run(&["cvpca", &a, &b, "--shuffles", "2", "--abs"]);
    assert!(text.contains("; |cv_n| of the mean of 2 shuffles"), "{text}");
    assert!(
        text.contains("α of the unshuffled split") && text.contains("cv > 0 over                n = 11…128"),
        "{text}"
    );
}

#[test]
fn analyze_bootstrap_reports_alpha_interval() {
    let file = path("digits_mlp/plain_h1_test.f32.npy");
    let r = json(&["analyze", &file, "--bootstrap", "20", "--seed", "3", "--json"]);
    let i = &r["alpha_interval"];
    assert_eq!((i["method"].as_str(), i["block"].as_u64(), i["level"].as_f64()), (Some("normal"), Some(1), Some(0.95)));
    let alpha = r["alpha_fit"]["alpha"].as_f64().unwrap();
    let (lo, hi) = (i["lo"].as_f64().unwrap(), i["hi"].as_f64().unwrap());
    assert!(lo < alpha && alpha < hi && ((lo + hi) / 2.0 - alpha).abs() < 1e-9, "[{lo}, {hi}] about α̂ = {alpha}");
    let boot = &r["bootstrap"];
    assert_eq!((boot["b"].as_u64(), boot["seed"].as_u64(), boot["n_blocks"].as_u64()), (Some(20), Some(3), Some(540)));
    assert!((boot["alpha"].as_f64().unwrap() - alpha).abs() < 1e-9, "the bootstrap's α̂ is the analysis' α");
    // 540 rows for 256 units: the warning names N/D.
    let warnings = boot["warnings"].as_array().unwrap();
    assert!(
        warnings[0].as_str().unwrap().starts_with("N/D = 2.1 (N = 540 rows, D = 256 units) is below 5"),
        "{warnings:?}"
    );
    // The same seed gives the same interval; the summary prints it with the notes.
    assert_eq!(json(&["analyze", &file, "--bootstrap", "20", "--seed", "3", "--json"])["alpha_interval"], *i);
    let (code, text, _) = run(&["analyze", &file, "--bootstrap", "5"]);
    assert_eq!(code, 0);
    assert!(text.contains("alpha interval       [") && text.contains("B = 5, single rows, seed 1)"), "{text}");
    assert!(text.contains("note: N/D = 2.1"), "{text}");
    // Without --bootstrap the JSON has no interval; --block and --seed need --bootstrap.
    assert!(json(&["analyze", &file, "--json"]).get("alpha_interval").is_none());
    let (code, _, stderr) = run(&["analyze", &file, "--block", "4"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--bootstrap"), "{stderr}");
    let (code, _, stderr) = run(&["analyze", &file, "--bootstrap", "5", "--block", "0"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("block = 0 rows: choose between 1 and N/2 = 270"), "{stderr}");
}

/// An [S, T, H] = [300, 4, 12] tensor: whole sequences of T = 4 rows are resampled unless
/// --block says otherwise.
#[test]
fn analyze_bootstrap_resamples_whole_sequences_of_a_tensor() {
    let (s, t, h) = (300u64, 4u64, 12usize);
    let z = gaussian_code(1.0, s as usize, h, 2);
    let mut rng = Rng::new(3);
    let mut noise = vec![0.0; (s * t) as usize * h];
    rng.fill_normal(&mut noise);
    let mut bytes = header_bytes("<f4", &[s, t, h as u64]);
    for (i, e) in noise.chunks_exact(h).enumerate() {
        for (m, e) in z.row(i / t as usize).iter().zip(e) {
            bytes.extend_from_slice(&((m + 0.01 * e) as f32).to_le_bytes());
        }
    }
    let file = temp_file("tokens.npy", &bytes);
    let file = file.to_str().unwrap();
    let fit = ["--lo", "2", "--hi", "6"];
    let args = |extra: &[&'static str]| -> Vec<&str> {
        let mut v = vec!["analyze", file, "--bootstrap", "10", "--json"];
        v.extend_from_slice(&fit);
        v.extend_from_slice(extra);
        v
    };
    let r = json(&args(&[]));
    assert_eq!((r["alpha_interval"]["block"].as_u64(), r["bootstrap"]["n_blocks"].as_u64()), (Some(4), Some(300)));
    let r = json(&args(&["--block", "1"]));
    assert_eq!((r["alpha_interval"]["block"].as_u64(), r["bootstrap"]["n_blocks"].as_u64()), (Some(1), Some(1200)));
    let warnings = r["bootstrap"]["warnings"].as_array().unwrap();
    assert!(warnings.iter().any(|w| w.as_str().unwrap().starts_with("resampled single rows")), "{warnings:?}");
    // A row range that starts inside a sequence is said to break the blocks' alignment.
    let r = json(&args(&["--rows", "2:"]));
    let warnings = r["bootstrap"]["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w.as_str().unwrap().starts_with("--rows starts at row 2, inside a sequence of T = 4")),
        "{warnings:?}"
    );
}
