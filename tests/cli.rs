//! The command line on good and bad input: one JSON object on success; on bad input a
//! non-zero exit and one line on stderr whose exact text is checked here.

mod common;

use eigenlens::read::npy::header_bytes;
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

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("eigenlens-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn npy_f32(descr: &str, shape: &[u64], values: &[f32]) -> Vec<u8> {
    let mut b = header_bytes(descr, shape);
    for v in values {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b
}

/// Runs `analyze` on bytes and returns the one stderr line, with the temp path replaced by FILE.
fn error_of(name: &str, bytes: &[u8]) -> String {
    let path = temp_file(name, bytes);
    let (code, stdout, stderr) = run(&["analyze", path.to_str().unwrap(), "--json"]);
    assert_eq!(code, 1, "{name}: exit code; stdout {stdout}");
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    stderr.trim_end().replace(path.to_str().unwrap(), "FILE")
}

#[test]
fn json_output_has_the_documented_keys_and_reference_numbers() {
    let path = common::data("digits_mlp/plain_h1_test.f32.npy");
    let (code, stdout, _) = run(&["analyze", path.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for key in [
        "n_rows",
        "n_cols",
        "total_variance",
        "numerical_rank",
        "n_constant_columns",
        "participation_ratio",
        "effective_rank",
        "k90",
        "alpha_fit",
        "eigenvalues",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    for key in ["estimator", "rank_lo", "rank_hi", "valid", "alpha", "intercept", "n_points", "r2", "reason"] {
        assert!(v["alpha_fit"].get(key).is_some(), "missing alpha_fit.{key}");
    }
    assert!((v["alpha_fit"]["alpha"].as_f64().unwrap() - 2.394101734435509).abs() < 1e-6);
    assert_eq!(v["eigenvalues"].as_array().unwrap().len(), 256);

    let (_, stdout, _) = run(&["analyze", path.to_str().unwrap(), "--estimator", "ols", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!((v["alpha_fit"]["alpha"].as_f64().unwrap() - 2.4744145277894347).abs() < 1e-6);
    assert_eq!(v["alpha_fit"]["estimator"], "ols");

    let (_, stdout, _) = run(&["analyze", path.to_str().unwrap(), "--lo", "5", "--hi", "50", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!((v["alpha_fit"]["rank_lo"].as_u64(), v["alpha_fit"]["rank_hi"].as_u64()), (Some(5), Some(50)));
}

#[test]
fn readable_summary_without_json() {
    let path = common::data("digits_mlp/plain_h1_test.f32.npy");
    let (code, stdout, _) = run(&["analyze", path.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(stdout.contains("alpha                2.3941  (stringer fit, n = 11…128, 118 points"), "{stdout}");
}

#[test]
fn empty_file() {
    assert_eq!(error_of("empty.npy", b""), "eigenlens: error: FILE: the file is empty (0 bytes)");
}

#[test]
fn bad_magic() {
    assert_eq!(
        error_of("magic.npy", b"PK\x03\x04 this is a zip, not an npy"),
        "eigenlens: error: FILE: not a valid npy file: its first bytes are not the npy magic string"
    );
}

#[test]
fn truncated_data() {
    let mut bytes = npy_f32("<f4", &[100, 4], &[1.0; 400]);
    bytes.truncate(bytes.len() - 1000);
    assert_eq!(
        error_of("truncated.npy", &bytes),
        "eigenlens: error: FILE: truncated data: the header promises 1600 bytes of data but the file holds 600 (37 complete rows)"
    );
}

#[test]
fn header_not_a_dict() {
    let mut bytes = header_bytes("<f4", &[2, 2]);
    let body = b"[1, 2, 3]";
    bytes[10..10 + body.len()].copy_from_slice(body);
    for b in &mut bytes[10 + body.len()..] {
        *b = b' ';
    }
    assert_eq!(error_of("list.npy", &bytes), "eigenlens: error: FILE: bad npy header: the header is not a dict");
}

#[test]
fn unsupported_dtypes() {
    let complex = npy_f32("<c8", &[2, 2], &[0.0; 8]);
    assert_eq!(
        error_of("complex.npy", &complex),
        "eigenlens: error: FILE: unsupported dtype '<c8': eigenlens reads float (f16, bf16, f32, f64), integer and bool arrays"
    );
    let object = header_bytes("|O", &[2, 2]);
    assert_eq!(
        error_of("object.npy", &object),
        "eigenlens: error: FILE: unsupported dtype '|O': eigenlens reads float (f16, bf16, f32, f64), integer and bool arrays"
    );
}

#[test]
fn one_dimensional_array() {
    assert_eq!(
        error_of("vector.npy", &npy_f32("<f4", &[5], &[1.0; 5])),
        "eigenlens: error: FILE: cannot read an array of shape [5] as rows × units: a 1-D array is a single vector; \
         eigenlens needs a 2-D [N, D] matrix or a 3-D [S, T, H] tensor"
    );
}

#[test]
fn fewer_than_two_rows() {
    assert_eq!(
        error_of("one_row.npy", &npy_f32("<f4", &[1, 3], &[1.0, 2.0, 3.0])),
        "eigenlens: error: FILE: too few rows: the matrix has N = 1 row(s); a covariance needs at least 2"
    );
}

#[test]
fn nan_names_its_row_and_column() {
    let mut values = vec![1.0f32; 12];
    values[2 * 4 + 1] = f32::NAN;
    assert_eq!(
        error_of("nan.npy", &npy_f32("<f4", &[3, 4], &values)),
        "eigenlens: error: FILE: non-finite value NaN at row 2, column 1 (0-based); fix the data or choose to drop rows with NaN/Inf"
    );
    let path = temp_file(
        "nan_drop.npy",
        &npy_f32("<f4", &[3, 4], &[1.0, 2.0, 3.0, 4.0, 0.0, f32::INFINITY, 0.0, 0.0, 2.0, 1.0, 0.0, 3.0]),
    );
    let (code, stdout, _) = run(&["analyze", path.to_str().unwrap(), "--drop-nonfinite", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!((v["n_rows"].as_u64(), v["n_dropped_rows"].as_u64()), (Some(2), Some(1)));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["analyze"]).0, 2);
    assert_eq!(run(&["frobnicate"]).0, 2);
    let path = common::data("digits_mlp/plain_h1_test.f32.npy");
    assert_eq!(run(&["analyze", path.to_str().unwrap(), "--estimator", "mle"]).0, 2);
}

#[test]
fn file_key_selects_an_array_and_list_shows_them() {
    let npz = common::data("formats/digits_plain_h1_h2_compressed.npz");
    let spec = format!("{}:h2", npz.to_str().unwrap());
    let (code, stdout, stderr) = run(&["analyze", &spec, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!((v["alpha_fit"]["alpha"].as_f64().unwrap() - 2.159171382482693).abs() < 1e-6);
    assert_eq!(v["source"]["name"], "h2");

    let (code, stdout, _) = run(&["list", npz.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "h1\tf32\t[540, 256]\t540 × 256\nh2\tf32\t[540, 256]\t540 × 256\n");

    let (code, _, stderr) = run(&["analyze", npz.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        stderr.ends_with("the file holds 2 arrays; choose one (FILE:NAME on the command line): h1, h2\n"),
        "{stderr}"
    );
}

#[test]
fn a_header_claiming_huge_d_is_refused_before_allocating() {
    let huge = header_bytes("<f4", &[0, 10, 4_000_000_000]);
    assert_eq!(
        error_of("huge.npy", &huge),
        "eigenlens: error: FILE: D = 4000000000 units is more than eigenlens handles (16384): the D × D covariance alone would need 119209289550.8 GiB"
    );
    let wide = header_bytes("<f4", &[0, 20_000]);
    assert!(error_of("wide.npy", &wide).contains("D = 20000 units is more than eigenlens handles (16384)"));
    let empty_rows = header_bytes("<f4", &[0, 8]);
    assert_eq!(
        error_of("zero_rows.npy", &empty_rows),
        "eigenlens: error: FILE: too few rows: the matrix has N = 0 row(s); a covariance needs at least 2"
    );
}

/// A file large enough to be read by several threads at once gives the one-reader answer:
/// the shares' moments merge exactly (Chan), so only round-off differs.
#[test]
fn a_large_file_read_by_several_threads_gives_the_one_reader_spectrum() {
    let code = eigenlens::synth::gaussian_code(1.5, 24_000, 200, 4);
    let path = temp_file("threads.npy", &code.to_npy_f32());
    let (status, out, err) = run(&["analyze", path.to_str().unwrap(), "--json"]);
    assert_eq!(status, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    // One reader, in the library, on the same f32 values.
    let bytes = std::fs::read(&path).unwrap();
    let mut opened =
        eigenlens::read::open_matrix(eigenlens::read::MemSource(bytes), "threads.npy", None, None).unwrap();
    let want = eigenlens::analysis::analyze(opened.rows.as_mut(), &Default::default(), &mut |_, _| true).unwrap();
    let got: Vec<f64> = json["eigenvalues"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    for (g, w) in got.iter().zip(&want.eigenvalues) {
        assert!((g - w).abs() <= 1e-12 * want.eigenvalues[0], "{g} vs {w}");
    }
    assert_eq!(json["n_rows"], 24_000);
    assert!((json["alpha_fit"]["alpha"].as_f64().unwrap() - want.alpha_fit.alpha.unwrap()).abs() < 1e-9);
}
