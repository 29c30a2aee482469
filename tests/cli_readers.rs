//! The reading flags on the command line (issue 12, CLI side): `--header`, `--index-col`,
//! `--transpose`, `--skip-positions` reach `read::open_matrix_with`, the reader's guesses come
//! out as notes and first in the JSON `warnings` (worded with the flag that overrides them), and
//! `list` marks each array analysable or says why not.
//!
//! The files are `tests/data/writers/`, written by the real writers (`make_fixtures.py`); each
//! must give NumPy's eigenvalues of the matrix it was meant to hold (`expected.json`:
//! `np.linalg.eigvalsh(np.cov(M.T))[::-1]`, |Δλ| ≤ 1e-10·λ₁, as `tests/writers.rs` checks
//! through the library).

mod common;

use eigenlens::analysis::{self, Options};
use eigenlens::read::{self, MemSource, ReadOptions};
use serde_json::Value;
use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_eigenlens")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn json(args: &[&str]) -> Value {
    let (code, stdout, stderr) = run(args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
}

fn writer(file: &str) -> String {
    common::data(&format!("writers/{file}")).to_str().unwrap().to_string()
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(writer("expected.json")).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

/// `analyze FILE flags --json` gives NumPy's eigenvalues of the intended matrix.
fn check(file: &str, flags: &[&str], intended: &str) -> Value {
    let path = writer(file);
    let v = json(&[&["analyze", path.as_str(), "--json"][..], flags].concat());
    let m = &expected()["matrices"][intended];
    assert_eq!((v["n_rows"].as_u64(), v["n_cols"].as_u64()), (m["rows"].as_u64(), m["cols"].as_u64()), "{file}");
    let (got, want) = (floats(&v["eigenvalues"]), floats(&m["eigenvalues"]));
    assert_eq!(got.len(), want.len(), "{file}");
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() <= 1e-10 * want[0], "{file} {flags:?}: λ {g} against NumPy's {w}");
    }
    v
}

fn warnings(v: &Value) -> Vec<String> {
    v["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap().to_string()).collect()
}

const HEADER: &str = "is a header: its cells are the column numbers pandas writes; pass --header no to read it as data";
const INDEX: &str =
    "is a row index, not a unit: its header cell is empty (pandas writes its index so); pass --index-col \
                     none to read it as a unit";

/// pandas' and NumPy's text tables read without flags: the guesses are the first warnings, in
/// the CLI's words, and the summary prints them as notes.
#[test]
fn text_tables_read_right_and_say_what_was_guessed() {
    for (file, guessed) in [
        ("pandas_default.csv", vec![HEADER, INDEX]),
        ("pandas_index_false.csv", vec![HEADER]),
        ("pandas_tab.tsv", vec![HEADER, INDEX]),
        ("pandas_crlf.csv", vec![HEADER, INDEX]),
        ("pandas_quote_all.csv", vec![HEADER]),
        ("pandas_semicolon_decimal_comma.csv", vec![HEADER, "with ',' as the decimal mark"]),
        ("pandas_bom_no_header.csv", vec![]),
        ("numpy_savetxt.txt", vec!["start with '#': skipped as comments"]),
    ] {
        let v = check(file, &[], "x");
        let w = warnings(&v);
        // The guesses come first among the warnings, in the reader's order.
        for g in &guessed {
            assert!(w[..guessed.len()].iter().any(|x| x.contains(g)), "{file}: '{g}' not among the first: {w:?}");
        }
        assert_eq!(v["source"]["guesses"].as_array().map_or(0, Vec::len), guessed.len(), "{file}");
    }
    let (code, s, _) = run(&["analyze", &writer("pandas_default.csv")]);
    assert_eq!(code, 0);
    assert!(s.contains(&format!("note: the first row (, 0, 1, 2, …) {HEADER}\n")), "{s}");
    assert!(s.contains(&format!("note: the first column {INDEX}\n")), "{s}");
    // pandas writes NaN as an empty cell: the rows holding one are dropped when asked.
    check("pandas_nan_no_header.csv", &["--drop-nonfinite"], "x_nan_dropped");
}

/// Each guess overridden by its flag (the same cases as `tests/writers.rs`).
#[test]
fn the_flags_override_the_guesses() {
    // The index read as a unit: D = 17, and the column 0 … 127 dominates (NumPy
    // var(arange(128), ddof=1) = 128·129/12 = 1376).
    let v = json(&["analyze", &writer("pandas_default.csv"), "--index-col", "none", "--json"]);
    assert_eq!(v["n_cols"], 17);
    let top = floats(&v["eigenvalues"])[0];
    assert!((top - 1376.0).abs() < 5.0, "{top}");
    assert!(!warnings(&v).iter().any(|w| w.contains("row index")), "{:?}", warnings(&v));
    // The integer header read as data: 129 rows.
    let v = json(&["analyze", &writer("pandas_index_false.csv"), "--header", "no", "--json"]);
    assert_eq!((v["n_rows"].as_u64(), v["n_cols"].as_u64()), (Some(129), Some(16)));
    // A header forced on a headerless file, a column dropped by number: 127 × 15, nothing guessed.
    let v = json(&["analyze", &writer("pandas_bom_no_header.csv"), "--header", "yes", "--index-col", "15", "--json"]);
    assert_eq!((v["n_rows"].as_u64(), v["n_cols"].as_u64()), (Some(127), Some(15)));
    assert!(v["source"].get("guesses").is_none(), "{}", v["source"]);
    // Telling the reader what it would have guessed gives the same matrix, without the guesses.
    let v = check("pandas_default.csv", &["--header", "yes", "--index-col", "0"], "x");
    assert!(!warnings(&v).iter().any(|w| w.contains("pandas writes")), "{:?}", warnings(&v));
}

/// Units × samples files read transposed, and 3-D tensors without their first position.
#[test]
fn transpose_and_skip_positions_give_the_intended_matrix() {
    for file in ["units_by_samples.csv", "neurons_by_time.npy", "neurons_by_time_fortran.npy", "compressed.npz:F"] {
        check(file, &["--transpose"], "x");
    }
    for file in ["tokens.npy", "tokens_fortran.npy"] {
        check(file, &["--skip-positions", "1"], "tokens_skip1");
        check(file, &[], "tokens_all");
    }
    // Read as stored, a units × samples file is wide, and the note names the flag.
    let (_, s, _) = run(&["analyze", &writer("units_by_samples.csv")]);
    assert!(s.contains("transpose it (--transpose);"), "{s}");
}

/// Flags that do not apply to the file are refused naming it (exit 1: it depends on the file);
/// a value that does not parse is bad usage (exit 2).
#[test]
fn reading_flags_that_do_not_apply_are_refused() {
    let tokens = writer("tokens.npy");
    let (code, _, stderr) = run(&["analyze", &tokens, "--header", "yes"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        format!(
            "eigenlens: error: {tokens}: invalid setting: header and index column apply to text tables; 'tokens.npy' \
             is a .npy file\n"
        )
    );
    let (code, _, stderr) = run(&["analyze", &writer("pandas_default.csv"), "--skip-positions", "1"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("skip positions applies to a 3-D [S, T, H] tensor"), "{stderr}");
    let (code, _, stderr) = run(&["analyze", &tokens, "--header", "maybe"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("'maybe'") && stderr.contains("yes, no, auto"), "{stderr}");
    let (code, _, stderr) = run(&["analyze", &tokens, "--index-col", "-1"]);
    assert_eq!(code, 2, "{stderr}");
}

/// `list` marks every array; `analyze` opens the only analysable one by itself and says so.
#[test]
fn list_marks_what_can_be_analysed() {
    let (code, s, _) = run(&["list", &writer("checkpoint.safetensors")]);
    assert_eq!(code, 0);
    assert_eq!(
        s,
        "bias\tf32\t[16]\tnot analysable: a 1-D array is a single vector; eigenlens needs a 2-D [N, D] matrix or a \
         3-D [S, T, H] tensor\nembeddings\tf32\t[128, 16]\t128 × 16\nhidden\tf32\t[8, 16, 16]\t128 × 16\n\
         step\ti64\t[]\tnot analysable: a 0-D array is a single number\n"
    );
    let v = json(&["list", &writer("colon_key.npz"), "--json"]);
    let marks: Vec<(&str, bool)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), a["analysable"].as_bool().unwrap()))
        .collect();
    assert_eq!(marks, [("layer:0", true), ("sentence_id", false), ("labels", false)]);
    assert!(v[2]["why"].as_str().unwrap().contains("unsupported dtype '<U3'"), "{}", v[2]);
    assert!(v[0].get("why").is_none());

    let v = check("embeddings_with_mask.safetensors", &[], "x");
    assert_eq!(
        warnings(&v)[0],
        "read 'embeddings', the only one of the file's 2 arrays that can be analysed (not: attention_mask [128]); \
         choose another as FILE:KEY"
    );
    // Two analysable arrays: the user must choose.
    let (code, _, stderr) = run(&["analyze", &writer("checkpoint.safetensors")]);
    assert_eq!(code, 1);
    assert!(stderr.contains("choose one: embeddings, hidden"), "{stderr}");
}

/// Commands that read two files prefix each note with its file, in the JSON warnings too.
#[test]
fn commands_reading_several_files_name_the_file_of_each_note() {
    let (a, b) = (writer("pandas_default.csv"), writer("pandas_index_false.csv"));
    let v = json(&["cvpca", &a, &b, "--shuffles", "0", "--json"]);
    let w = warnings(&v);
    assert!(w.iter().any(|x| x.starts_with(&format!("{a}: the first column {INDEX}"))), "{w:?}");
    assert!(w.iter().any(|x| x.starts_with(&format!("{b}: the first row"))), "{w:?}");
    let v = json(&["compare", &a, &b, "--lo", "2", "--hi", "8", "--json"]);
    let w = warnings(&v);
    assert!(w[0].starts_with(&format!("{a}: the first row")), "{w:?}");
    // Same matrix read from both: the same α.
    let l = v["layers"].as_array().unwrap();
    assert_eq!(l[0]["alpha_fit"]["alpha"], l[1]["alpha_fit"]["alpha"]);
}

/// A stored units × samples .npy large enough for one thread per core, read transposed (the
/// Fortran view the reader makes of it) and a 3-D tensor with its first position skipped: the
/// threads' shares of rows-as-read give the one-reader spectrum (moments merge exactly, Chan).
#[test]
fn reading_flags_hold_when_the_file_is_read_by_several_threads() {
    let dir = std::env::temp_dir().join(format!("eigenlens-cli-readers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let code = eigenlens::synth::gaussian_code(1.5, 70_000, 64, 5);
    // Stored as its transpose, [64, 70 000] in C order.
    let mut t = vec![0f32; code.data.len()];
    for i in 0..code.rows {
        for j in 0..code.cols {
            t[j * code.rows + i] = code.data[i * code.cols + j] as f32;
        }
    }
    // [S = 1100, T = 65, H = 64]: 1100 · 64 · 64 = 4.5 M values after the skip.
    let tokens = eigenlens::synth::gaussian_code(1.2, 1100 * 65, 64, 6);
    let cases = [
        (
            "units_by_time.npy",
            vec![64u64, 70_000],
            t,
            "--transpose",
            ReadOptions { transpose: true, ..Default::default() },
        ),
        (
            "sequences.npy",
            vec![1100, 65, 64],
            tokens.data.iter().map(|v| *v as f32).collect(),
            "--skip-positions",
            ReadOptions { skip_positions: 1, ..Default::default() },
        ),
    ];
    for (name, shape, values, flag, options) in cases {
        let mut bytes = read::npy::header_bytes("<f4", &shape);
        for v in &values {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        let path = dir.join(name);
        std::fs::write(&path, &bytes).unwrap();
        let mut args = vec!["analyze", path.to_str().unwrap(), flag];
        if flag == "--skip-positions" {
            args.push("1");
        }
        args.push("--json");
        let v = json(&args);
        let mut opened = read::open_matrix_with(MemSource(bytes), name, None, None, &options).unwrap();
        assert!(opened.info.rows * 64 >= 2 * eigenlens::plan::MIN_VALUES_PER_SHARE, "{name}: too small to split");
        let want = analysis::analyze(opened.rows.as_mut(), &Options::default(), &mut |_, _| true).unwrap();
        assert_eq!(v["n_rows"].as_u64(), Some(want.n_rows), "{name}");
        for (g, w) in floats(&v["eigenvalues"]).iter().zip(&want.eigenvalues) {
            assert!((g - w).abs() <= 1e-12 * want.eigenvalues[0], "{name}: {g} vs {w}");
        }
        let _ = std::fs::remove_file(&path);
    }
}
