//! The command line on good and bad input: one JSON object on success; on bad input a
//! non-zero exit and one line on stderr whose exact text is checked here.

mod common;

use common::run;

use eigenlens::read::npy::header_bytes;
use std::path::PathBuf;
use std::process::Command;

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
    assert!(stdout.contains("alpha                2.394 (stringer, n = 11…128)  118 points, R² = 0.9961"), "{stdout}");
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
    assert!(stderr.ends_with("the file holds 2 arrays that can be analysed; choose one: h1, h2\n"), "{stderr}");
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

/// A `.npy` of f64 values (C order).
fn npy_f64(shape: &[u64], values: &[f64]) -> Vec<u8> {
    let mut b = header_bytes("<f8", shape);
    for v in values {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b
}

/// CRC-32 (the zip polynomial), so the archives below are valid zips (`np.load` reads them).
fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 { (c >> 1) ^ 0xEDB8_8320 } else { c >> 1 };
        }
    }
    !c
}

/// A zip of stored (uncompressed) members, as `np.savez` writes: local headers and data, the
/// central directory, the end record. No members gives what `np.savez(f)` writes.
fn stored_zip(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let (mut out, mut central) = (Vec::new(), Vec::new());
    for (name, data) in members {
        let offset = out.len() as u32;
        let (crc, size, len) = (crc32(data), data.len() as u32, name.len() as u16);
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        for v in [20u16, 0, 0, 0, 0x21] {
            out.extend_from_slice(&v.to_le_bytes()); // version, flags, method, time, date
        }
        for v in [crc, size, size] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        for v in [20u16, 20, 0, 0, 0, 0x21] {
            central.extend_from_slice(&v.to_le_bytes()); // made by, needed, flags, method, time, date
        }
        for v in [crc, size, size] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [len, 0, 0, 0, 0] {
            central.extend_from_slice(&v.to_le_bytes()); // name, extra, comment, disk, internal attrs
        }
        central.extend_from_slice(&0u32.to_le_bytes()); // external attrs
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let (cd_offset, cd_size, n) = (out.len() as u32, central.len() as u32, members.len() as u16);
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    for v in [0u16, 0, n, n] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn eigenvalues(stdout: &str) -> Vec<f64> {
    let v: serde_json::Value = serde_json::from_str(stdout).unwrap();
    v["eigenvalues"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

/// `np.savez(f, **{'a:b': X, 'a': Y})`: the key holds ':', so `FILE:a:b` must split at the
/// first ':' after which FILE exists, not the last. X = [[2,0],[0,1],[-2,0],[0,-1]] has mean 0
/// and covariance XᵀX/3 = diag(8/3, 2/3) (by hand); Y = [[1,0],[0,3],[-1,0],[0,-3]] has
/// diag(2/3, 6), so the two answers cannot be mistaken for each other.
#[test]
fn a_key_holding_a_colon_is_chosen_whole() {
    let x = npy_f64(&[4, 2], &[2.0, 0.0, 0.0, 1.0, -2.0, 0.0, 0.0, -1.0]);
    let y = npy_f64(&[4, 2], &[1.0, 0.0, 0.0, 3.0, -1.0, 0.0, 0.0, -3.0]);
    let zip = stored_zip(&[("a:b.npy", x), ("a.npy", y)]);
    // The file's own name holds ':' too: the split must pass over "…/odd:name" (not a file).
    let path = temp_file("odd:name.npz", &zip);
    let path = path.to_str().unwrap();

    let (code, stdout, stderr) = run(&["analyze", &format!("{path}:a:b"), "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["source"]["name"], "a:b");
    let got = eigenvalues(&stdout);
    assert!((got[0] - 8.0 / 3.0).abs() < 1e-12 && (got[1] - 2.0 / 3.0).abs() < 1e-12, "{got:?}");

    let (code, stdout, stderr) = run(&["analyze", &format!("{path}:a"), "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let got = eigenvalues(&stdout);
    assert!((got[0] - 6.0).abs() < 1e-12 && (got[1] - 2.0 / 3.0).abs() < 1e-12, "{got:?}");

    let (code, stdout, _) = run(&["list", path]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "a:b\tf64\t[4, 2]\t4 × 2\na\tf64\t[4, 2]\t4 × 2\n");

    // A key that is not there names the file and the keys that are.
    let (code, _, stderr) = run(&["analyze", &format!("{path}:a:c")]);
    assert_eq!(code, 1);
    assert!(stderr.contains(&format!("{path}: ")) && stderr.contains("a:c"), "{stderr}");
}

/// `eigenlens list` on a file with nothing to list exits 1 with one line, instead of printing
/// nothing and exiting 0 (issue 12, item 7).
#[test]
fn list_refuses_a_file_without_arrays() {
    // What np.savez(f) writes with no arrays: the end record alone.
    let empty = temp_file("empty.npz", &stored_zip(&[]));
    // A torch.save file: a zip of a pickle and raw storages, no .npy member.
    let torch = temp_file(
        "model.pt",
        &stored_zip(&[
            ("model/data.pkl", b"\x80\x02}q\x00.".to_vec()),
            ("model/data/0", vec![0u8; 16]),
            ("model/version", b"3\n".to_vec()),
        ]),
    );
    for path in [empty, torch] {
        let (code, stdout, stderr) = run(&["list", path.to_str().unwrap()]);
        assert_eq!(code, 1, "{}: {stdout}", path.display());
        assert!(stdout.is_empty(), "{stdout}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with(&format!("eigenlens: error: {}: ", path.display())), "{stderr}");
    }
}

#[test]
fn an_unknown_flag_exits_2_and_names_it() {
    let path = common::data("digits_mlp/plain_h1_test.f32.npy");
    let (code, stdout, stderr) = run(&["analyze", path.to_str().unwrap(), "--estimater", "ols"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("'--estimater'"), "{stderr}");
    assert!(stderr.contains("--estimator"), "suggests the flag meant: {stderr}");
    // Every command refuses what it does not declare (toy would otherwise train for a minute).
    for args in [
        &["analyze", "x.npy", "--bogus"][..],
        &["list", "x.npz", "--bogus"],
        &["compare", "a.npy", "b.npy", "--bogus"],
        &["align", "x.npy", "--bogus"],
        &["cvpca", "a.npy", "b.npy", "--bogus"],
        &["sweep", "x.npy", "--bogus"],
        &["toy", "--bogus"],
        &["synth", "fourier", "--alpha", "2", "--rows", "8", "--cols", "4", "--out", "x.npy", "--bogus"],
    ] {
        let (code, _, stderr) = run(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains("'--bogus'"), "{args:?}: {stderr}");
    }
    // A value that does not parse is bad usage too, and says what it takes.
    let (code, _, stderr) = run(&["analyze", path.to_str().unwrap(), "--rows", "10"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("A:B"), "{stderr}");
    let (code, _, stderr) = run(&["toy", "--steps", "0"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("steps"), "{stderr}");
}

const COMMANDS: [&str; 8] = ["analyze", "list", "compare", "cvpca", "sweep", "align", "toy", "synth"];

#[test]
fn help_lists_every_command() {
    for args in [&["--help"][..], &["help"]] {
        let (code, stdout, _) = run(args);
        assert_eq!(code, 0);
        for command in COMMANDS {
            assert!(stdout.lines().any(|l| l.trim_start().starts_with(command)), "{command} missing: {stdout}");
        }
    }
    // No command is bad usage, and shows the commands on stderr.
    let (code, stdout, stderr) = run(&[]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty() && stderr.contains("analyze"), "{stderr}");
}

/// The flags each command is documented to take (README, issue 13's list); the help text is
/// generated from the declarations, so this is where a dropped or renamed flag shows.
#[test]
fn each_command_help_names_its_flags() {
    let fit = ["--estimator", "--preset", "--lo", "--hi"];
    let pre = ["--standardize", "--remove-top", "--centre-positions"];
    let read = ["--header", "--index-col", "--transpose", "--skip-positions"];
    let expected: [(&str, Vec<&str>); 8] = [
        (
            "analyze",
            [&fit[..], &pre, &read, &["--rows", "--drop-nonfinite", "--json", "--bootstrap", "--block", "--seed"]]
                .concat(),
        ),
        ("list", vec!["--json"]),
        (
            "compare",
            [&fit[..], &pre, &read, &["--rows", "--drop-nonfinite", "--json", "--bootstrap", "--block", "--seed"]]
                .concat(),
        ),
        ("cvpca", [&fit[..], &read, &["--shuffles", "--seed", "--rows", "--json"]].concat()),
        (
            "sweep",
            [
                &fit[..],
                &read,
                &["--param", "--periodic", "--k", "--seed", "--shuffle-seed", "--d", "--json"],
                &["--repeat", "--bootstrap", "--bootstrap-seed", "--level", "--block", "--cv-shuffles"],
            ]
            .concat(),
        ),
        ("align", [&read[..], &["--k", "--seed", "--top", "--rows", "--json"]].concat()),
        (
            "toy",
            vec![
                "--n",
                "--m",
                "--decay",
                "--sparsities",
                "--sparsity",
                "--steps",
                "--batch",
                "--lr",
                "--weight-decay",
                "--eval-samples",
                "--seed",
                "--entropy-bits",
                "--json",
            ],
        ),
        ("synth", vec!["--alpha", "--rows", "--cols", "--seed", "--out"]),
    ];
    for (command, flags) in &expected {
        let (code, help, _) = run(&[command, "--help"]);
        assert_eq!(code, 0);
        for flag in flags {
            assert!(help.contains(&format!("{flag} ")), "{command} --help lacks {flag}:\n{help}");
        }
    }
    // The README's command-line examples use only flags their command declares.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut checked = 0;
    for line in readme.lines().filter(|l| l.contains("eigenlens ")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(at) = words.iter().position(|w| w.ends_with("eigenlens") && !w.starts_with('`')) else { continue };
        let Some(&command) = words.get(at + 1).filter(|c| COMMANDS.contains(c)) else { continue };
        let (_, help, _) = run(&[command, "--help"]);
        for flag in words[at + 2..].iter().take_while(|w| **w != "#").filter(|w| w.starts_with("--")) {
            assert!(help.contains(&format!("{flag} ")), "README uses {command} {flag}, which it does not declare");
            checked += 1;
        }
    }
    assert!(checked >= 10, "the README's examples were not found ({checked} flags)");
}

/// `eigenlens analyze big.npy --json | head`: stdout closed before the output is written ends
/// with status 141 and nothing on stderr, not a panic (issue 12, item 8).
#[cfg(unix)]
#[test]
fn a_closed_stdout_ends_quietly() {
    use std::process::Stdio;
    let path = common::data("digits_mlp/plain_h1_test.f32.npy");
    let path = path.to_str().unwrap();
    for args in [&["analyze", path, "--json"][..], &["analyze", path], &["list", path]] {
        // A pipe whose reader has already exited: every write to it fails with EPIPE.
        let mut reader = Command::new("true").stdin(Stdio::piped()).spawn().unwrap();
        let write_end = reader.stdin.take().unwrap();
        reader.wait().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_eigenlens"))
            .args(args)
            .stdout(Stdio::from(write_end))
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
        assert_eq!(out.status.code(), Some(141), "{args:?}");
    }
}

/// synth builds the code in memory: a size that would abort on allocation is bad usage, and a
/// small code round-trips through analyze. The Fourier code's spectrum is k^(−α) for each
/// (cos, sin) pair, a staircase of equal pairs, so a fit over n = 2…50 gives α ≈ 1.94 (measured
/// 1.9431), not exactly the 2 it was built with.
#[test]
fn synth_refuses_what_it_cannot_hold_and_writes_what_it_can() {
    let out = std::env::temp_dir().join(format!("eigenlens-cli-synth-{}.npy", std::process::id()));
    let out_s = out.to_str().unwrap();
    let (code, _, stderr) =
        run(&["synth", "gaussian", "--alpha", "2", "--rows", "100000000", "--cols", "100000", "--out", out_s]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("more than synth builds in memory") && !stderr.contains("panicked"), "{stderr}");
    let (code, _, stderr) = run(&["synth", "gaussian", "--alpha", "NaN", "--rows", "8", "--cols", "4", "--out", out_s]);
    assert_eq!(code, 2, "{stderr}");

    let (code, _, stderr) =
        run(&["synth", "fourier", "--alpha", "2", "--rows", "2000", "--cols", "200", "--out", out_s]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = run(&["analyze", out_s, "--lo", "2", "--hi", "50", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!((v["n_rows"].as_u64(), v["n_cols"].as_u64()), (Some(2000), Some(200)));
    let alpha = v["alpha_fit"]["alpha"].as_f64().unwrap();
    assert!((alpha - 2.0).abs() < 0.1, "alpha {alpha}");
    let _ = std::fs::remove_file(&out);
}
