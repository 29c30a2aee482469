//! `eigenlens moments`, `eigenlens merge` and `eigenlens analyze` on a moments file: a reference
//! matrix split in three row ranges, each written as a moments file, merged (in two orders) and
//! analysed, gives the report of the whole file: eigenvalues within 1e-10·λ₁ of the raw-rows
//! report and of NumPy (tests/data/reference.json, written by
//! /work/shared/tools/numpy_reference.py: `np.linalg.eigvalsh(np.cov(X, rowvar=False))[::-1]`),
//! the same α and figures. Bad input ends with one line on stderr, checked here.

mod common;

use common::{data, json, npy_vector, reference, run};

fn temp(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("eigenlens-cli-moments-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).to_string_lossy().into_owned()
}

fn ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = run(args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    stdout
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn h1() -> String {
    data("digits_mlp/plain_h1_test.f32.npy").to_string_lossy().into_owned()
}

#[test]
fn three_shares_merged_analyse_as_the_whole_file_and_numpy() {
    let reference = reference();
    let m = &reference["matrices"]["digits_mlp/plain_h1_test"];
    let want = npy_vector(m["eigenvalues_npy"].as_str().unwrap());
    let file = h1();
    let parts: Vec<String> = ["a", "b", "c"].iter().map(|p| temp(&format!("{p}.safetensors"))).collect();
    for (rows, out) in ["0:97", "97:300", "300:"].iter().zip(&parts) {
        let said = ok(&["moments", &file, "--rows", rows, "--out", out, "--layer", "h1"]);
        assert!(said.contains(" rows × 256 units of f32 → "), "{said}");
    }
    let whole = json(&["analyze", &file, "--json"]);
    let tol = 1e-10 * want[0];
    for (order, name) in [([0, 1, 2], "m012.safetensors"), ([2, 0, 1], "m201.safetensors")] {
        let merged = temp(name);
        let mut args = vec!["merge"];
        args.extend(order.iter().map(|&i| parts[i].as_str()));
        args.extend(["--out", &merged]);
        let said = ok(&args);
        assert!(said.contains("h1: 540 rows × 256 units"), "{said}");
        let r = json(&["analyze", &merged, "--json"]);
        let (got, raw) = (floats(&r["eigenvalues"]), floats(&whole["eigenvalues"]));
        assert_eq!(got.len(), 256);
        for i in 0..256 {
            assert!((got[i] - want[i]).abs() <= tol, "{order:?} λ{i}: {} vs NumPy {}", got[i], want[i]);
            assert!((got[i] - raw[i]).abs() <= tol, "{order:?} λ{i}: {} vs the raw rows {}", got[i], raw[i]);
        }
        let (a, b) = (r["alpha_fit"]["alpha"].as_f64().unwrap(), whole["alpha_fit"]["alpha"].as_f64().unwrap());
        assert!((a - b).abs() < 1e-9, "α {a} vs {b}");
        // NumPy's Stringer fit over the default range (reference.json `alpha_fit_stringer`).
        let np_alpha = m["alpha_fit_stringer"]["alpha"].as_f64().unwrap();
        assert!((a - np_alpha).abs() < 1e-6, "α {a} vs NumPy {np_alpha}");
        for key in ["n_rows", "n_cols", "numerical_rank", "n_constant_columns", "k90"] {
            assert_eq!(r[key], whole[key], "{key}");
        }
        // The effective rank takes √λ of every positive eigenvalue, so the round-off eigenvalues of
        // the 5 constant units (≈ 1e-16·λ₁, whose roots are ≈ 1e-8·√λ₁) move it by ~1e-9
        // relative between any two summation orders: its tolerance is 1e-7.
        for (key, rel) in [("participation_ratio", 1e-10), ("total_variance", 1e-10), ("effective_rank", 1e-7)] {
            let (x, y) = (r[key].as_f64().unwrap(), whole[key].as_f64().unwrap());
            assert!((x - y).abs() <= rel * y.abs(), "{key}: {x} vs {y}");
        }
        let first = r["warnings"][0].as_str().unwrap();
        assert!(
            first.starts_with("analysed from a moments file (count, mean and scatter of 540 rows of f32)"),
            "{first}"
        );
    }
    // The shares given to analyze together are merged there, in any order: the same report as
    // the merged file (the same Chan updates in the same order) and as NumPy.
    let merged = json(&["analyze", &parts[0], &parts[1], &parts[2], "--json"]);
    let from_file = json(&["analyze", &temp("m012.safetensors"), "--json"]);
    assert_eq!(merged["eigenvalues"], from_file["eigenvalues"]);
    assert_eq!(merged["alpha_fit"], from_file["alpha_fit"]);
    assert_eq!(merged["warnings"][1], "3 moments files merged (the Chan update): rows of all of them");
    let shuffled = json(&["analyze", &parts[2], &parts[0], &parts[1], "--json"]);
    let (a, b) = (shuffled["alpha_fit"]["alpha"].as_f64().unwrap(), merged["alpha_fit"]["alpha"].as_f64().unwrap());
    assert!((a - b).abs() < 1e-9, "α {a} vs {b}");
    for (i, (x, y)) in floats(&shuffled["eigenvalues"]).iter().zip(want.iter()).enumerate() {
        assert!((x - y).abs() <= tol, "λ{i}: {x} vs NumPy {y}");
    }
    // A file of rows among them, and what needs rows, are refused by name.
    let (code, _, stderr) = run(&["analyze", &parts[0], &file]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("plain_h1_test.f32.npy: not a moments file; several files are analysed together"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["analyze", &parts[0], &parts[1], "--bootstrap", "5"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--bootstrap and --top need the rows"), "{stderr}");
    let (code, _, stderr) = run(&["analyze", &parts[0], &parts[1], "--rows", "0:10"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("a moments file holds no rows"), "{stderr}");
}

#[test]
fn several_layers_are_chosen_by_name_and_bad_input_is_one_line() {
    // Two layers of different widths: pixels (64 units) and h1 (256).
    let pixels = data("digits_mlp/X_test_pixels.f32.npy").to_string_lossy().into_owned();
    let (p, h) = (temp("pixels.safetensors"), temp("h1.safetensors"));
    ok(&["moments", &pixels, "--out", &p, "--layer", "h1"]);
    ok(&["moments", &h1(), "--out", &h]);

    // Same name, different D: refused naming the layer.
    let (code, stdout, stderr) = run(&["merge", &p, &h, "--out", &temp("never.safetensors")]);
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("different layers: [h1] against [plain_h1_test.f32]"), "{stderr}");
    let h_named = temp("h1-named.safetensors");
    ok(&["moments", &h1(), "--out", &h_named, "--layer", "h1"]);
    let (code, _, stderr) = run(&["merge", &p, &h_named, "--out", &temp("never.safetensors")]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr.trim_end(),
        "eigenlens: error: cannot merge layer 'h1': 64 units in one file, 256 in another; the files must come from \
         the same layer of the same model"
    );

    // A raw activations safetensors file is not a moments file: merge says so; analyze reads it as rows.
    let st = data("writers/embeddings_with_mask.safetensors").to_string_lossy().into_owned();
    let (code, _, stderr) = run(&["merge", &st, &h, "--out", &temp("never.safetensors")]);
    assert_eq!(code, 1);
    assert!(stderr.contains("not a moments file: its __metadata__ has format = "), "{stderr}");
    assert!(!json(&["list", &st, "--json"]).as_array().unwrap().is_empty());

    // Flags about rows are bad usage on a moments file (exit 2).
    let (code, _, stderr) = run(&["analyze", &h, "--rows", "0:10"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("a moments file holds no rows"), "{stderr}");
    let (code, _, stderr) = run(&["analyze", &h, "--bootstrap", "10"]);
    assert_eq!(code, 2, "{stderr}");

    // The moments of a moments file are refused: its scatter is not rows.
    let (code, _, stderr) = run(&["moments", &h, "--out", &temp("never.safetensors")]);
    assert_eq!(code, 1);
    assert!(
        stderr.ends_with("this is already a moments file; merge moments files with `eigenlens merge`, or analyse it\n"),
        "{stderr}"
    );

    // A file that is not a moments file at all.
    let (code, _, stderr) = run(&["merge", &h1(), "--out", &temp("never.safetensors")]);
    assert_eq!(code, 1);
    assert!(stderr.starts_with("eigenlens: error: "), "{stderr}");
}

#[test]
fn a_layer_of_a_several_layer_file_is_analysed_as_file_colon_layer() {
    // Written by the core (the CLI writes one layer per file), chosen by name on the CLI.
    use eigenlens::moments_file::{self, LayerMoments};
    use eigenlens::read::{self, source::FileSource};
    let moments = |rel: &str| {
        let path = data(rel);
        let mut opened = read::open_matrix(FileSource::open(&path).unwrap(), "x.npy", None, None).unwrap();
        eigenlens::analysis::accumulate(opened.rows.as_mut(), false, &mut |_, _| true).unwrap().moments
    };
    let layers = [
        LayerMoments {
            layer: "blocks.0".into(),
            moments: moments("digits_mlp/plain_h1_test.f32.npy"),
            source_dtype: "float32".into(),
            cross_scatter: None,
        },
        LayerMoments {
            layer: "blocks.1".into(),
            moments: moments("digits_mlp/plain_h2_test.f32.npy"),
            source_dtype: "float32".into(),
            cross_scatter: None,
        },
    ];
    let path = temp("two.safetensors");
    std::fs::write(&path, moments_file::to_bytes(&layers).unwrap()).unwrap();
    let (code, _, stderr) = run(&["analyze", &path]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("the moments file holds 2 layers; choose one as FILE:LAYER: blocks.0, blocks.1"),
        "{stderr}"
    );
    let r = json(&["analyze", &format!("{path}:blocks.1"), "--json"]);
    let reference = reference();
    let want = npy_vector(reference["matrices"]["digits_mlp/plain_h2_test"]["eigenvalues_npy"].as_str().unwrap());
    let got = floats(&r["eigenvalues"]);
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() <= 1e-10 * want[0], "{g} vs NumPy {w}");
    }
    assert_eq!(r["source"]["name"], "blocks.1");
}

/// A moments file is not rows: every command that needs rows refuses it by name instead of
/// reading the D × D scatter as D rows of activations (which would give a spectrum, silently wrong).
#[test]
fn commands_that_need_rows_refuse_a_moments_file() {
    let m = temp("refuse.safetensors");
    ok(&["moments", &h1(), "--out", &m]);
    for args in [vec!["align", m.as_str()], vec!["sweep", m.as_str()], vec!["cvpca", m.as_str(), m.as_str()]] {
        let (code, _, stderr) = run(&args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(
            stderr.contains("is an eigenlens moments file (a layer's count, mean and scatter, not its rows)"),
            "{stderr}"
        );
    }
    let source = eigenlens::read::source::FileSource::open(std::path::Path::new(&m)).unwrap();
    let err = eigenlens::read::open_matrix(source, "refuse.safetensors", None, None).err().unwrap();
    assert!(matches!(err, eigenlens::Error::Format(eigenlens::error::FormatError::MomentsFile)), "{err:?}");
}
