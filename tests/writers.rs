//! Files as people write them (issue 12): pandas, NumPy, safetensors and torch.save, written by
//! the real writers in `tests/data/writers/make_fixtures.py`. Each must give NumPy's
//! eigenvalues of the matrix it was meant to hold (`expected.json`: np.linalg.eigvalsh of
//! np.cov(M.T), |Δλ| ≤ 1e-10·λ₁) and that matrix exactly (every value is a multiple of 2⁻⁸, so
//! every writer stores it exactly), stating what it guessed; or fail with a message naming what
//! the file really is and what to do.

mod common;

use eigenlens::analysis::{self, Options};
use eigenlens::matrix::Matrix;
use eigenlens::read::{self, source::FileSource, Header, IndexCol, ReadOptions};

fn path(file: &str) -> std::path::PathBuf {
    common::data(&format!("writers/{file}"))
}

fn expected() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path("expected.json")).unwrap()).unwrap()
}

fn open(
    file: &str,
    key: Option<&str>,
    rows: Option<std::ops::Range<u64>>,
    options: &ReadOptions,
) -> eigenlens::Result<read::Opened<'static>> {
    read::open_matrix_with(FileSource::open(path(file))?, file, key, rows, options)
}

/// Reads `file` whole and checks it is the intended matrix `intended`, value for value, with
/// NumPy's eigenvalues; returns what the reader said about it.
fn check(file: &str, key: Option<&str>, options: &ReadOptions, intended: &str) -> read::ArrayInfo {
    let exp = expected();
    let m = &exp["matrices"][intended];
    let (_, want) = common::npy_values(&format!("writers/{}", m["npy"].as_str().unwrap()));
    let mut opened = open(file, key, None, options).unwrap_or_else(|e| panic!("{file}: {e}"));
    let got = Matrix::read_all(opened.rows.as_mut(), 1 << 24).unwrap();
    assert_eq!(
        (got.rows as u64, got.cols as u64),
        (m["rows"].as_u64().unwrap(), m["cols"].as_u64().unwrap()),
        "{file}"
    );
    let nan_equal = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
    assert!(got.data.iter().zip(&want).all(|(a, b)| nan_equal(*a, *b)), "{file}: not the intended matrix");

    let mut opened = open(file, key, None, options).unwrap();
    let report = analysis::analyze(opened.rows.as_mut(), &Options::default(), &mut |_, _| true).unwrap();
    assert_eigenvalues(file, &report.eigenvalues, m);
    opened.info
}

fn assert_eigenvalues(file: &str, got: &[f64], m: &serde_json::Value) {
    let want: Vec<f64> = m["eigenvalues"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert_eq!(got.len(), want.len(), "{file}");
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() <= 1e-10 * want[0], "{file}: λ {g} against NumPy's {w}");
    }
}

fn error(file: &str, key: Option<&str>, options: &ReadOptions) -> String {
    match open(file, key, None, options) {
        Ok(_) => panic!("{file} opened"),
        Err(e) => e.to_string(),
    }
}

fn has_guess(info: &read::ArrayInfo, part: &str) -> bool {
    info.guesses.iter().any(|g| g.contains(part))
}

#[test]
fn the_fixtures_are_the_ones_the_script_describes() {
    let exp = expected();
    for f in exp["fixtures"].as_array().unwrap() {
        let file = f["file"].as_str().unwrap();
        assert!(path(file).exists(), "{file} listed in expected.json but missing");
    }
    assert!(exp["fixtures"].as_array().unwrap().len() >= 20);
}

#[test]
fn pandas_and_numpy_text_tables_give_the_intended_matrix() {
    let auto = ReadOptions::default();
    let header = "is a header: its cells are the column numbers pandas writes";
    let index = "the first column is a row index";
    for (file, guesses, not) in [
        ("pandas_default.csv", vec![header, index], vec![]),
        ("pandas_index_false.csv", vec![header], vec![index]),
        ("pandas_tab.tsv", vec![header, index], vec![]),
        ("pandas_crlf.csv", vec![header, index], vec![]),
        ("pandas_quote_all.csv", vec![header], vec![index]),
        ("pandas_semicolon_decimal_comma.csv", vec![header, "with ',' as the decimal mark"], vec![index]),
        // The BOM is stripped and never makes a header: all 128 rows are data, nothing guessed.
        ("pandas_bom_no_header.csv", vec![], vec![header, index]),
        ("numpy_savetxt.txt", vec!["start with '#': skipped as comments"], vec![header, index]),
    ] {
        let info = check(file, None, &auto, "x");
        for g in guesses {
            assert!(has_guess(&info, g), "{file}: no guess '{g}' in {:?}", info.guesses);
        }
        for g in not {
            assert!(!has_guess(&info, g), "{file}: guessed '{g}': {:?}", info.guesses);
        }
        assert_eq!((info.dtype.as_str(), info.cols), ("text", 16), "{file}");
    }
    // The guesses say how to override them, in words both the CLI and the page can map.
    let info = check("pandas_default.csv", None, &auto, "x");
    assert_eq!(
        info.guesses,
        [
            "the first row (, 0, 1, 2, …) is a header: its cells are the column numbers pandas writes; set header \
             to no to read it as data",
            "the first column is a row index, not a unit: its header cell is empty (pandas writes its index so); \
             set index column to none to read it as a unit",
        ]
    );
}

#[test]
fn guesses_can_be_overridden() {
    // The index read as a unit when told so: D = 17, and the column 0, 1, …, 127 dominates
    // (its variance, 128·129/12 = 1376, is NumPy's var(arange(128), ddof=1)).
    let options = ReadOptions { index_col: IndexCol::None, ..Default::default() };
    let mut opened = open("pandas_default.csv", None, None, &options).unwrap();
    assert_eq!(opened.info.cols, 17);
    let report = analysis::analyze(opened.rows.as_mut(), &Options::default(), &mut |_, _| true).unwrap();
    assert!((report.eigenvalues[0] - 1376.0).abs() < 5.0, "{}", report.eigenvalues[0]);

    // The integer header read as data when told so: 129 rows, the first of them 0, 1, …, 15.
    let options = ReadOptions { header: Header::No, ..Default::default() };
    let mut opened = open("pandas_index_false.csv", None, None, &options).unwrap();
    let m = Matrix::read_all(opened.rows.as_mut(), 1 << 20).unwrap();
    assert_eq!((m.rows, m.row(0)), (129, &(0..16).map(f64::from).collect::<Vec<_>>()[..]));

    // A header forced on a headerless file drops its first row; a column dropped by number.
    let options = ReadOptions { header: Header::Yes, index_col: IndexCol::Col(15), ..Default::default() };
    let mut opened = open("pandas_bom_no_header.csv", None, None, &options).unwrap();
    let m = Matrix::read_all(opened.rows.as_mut(), 1 << 20).unwrap();
    let (_, x) = common::npy_values("writers/intended/x.npy");
    assert_eq!((m.rows, m.cols), (127, 15));
    assert_eq!(m.row(0), &x[16..31]);
    assert!(opened.info.guesses.is_empty(), "{:?}", opened.info.guesses);

    let options = ReadOptions { index_col: IndexCol::Col(16), ..Default::default() };
    assert_eq!(
        error("pandas_index_false.csv", None, &options),
        "invalid setting: index column 16 (0-based) is past the table's 16 columns"
    );
}

#[test]
fn empty_cells_are_missing_values_named_or_dropped() {
    // pandas writes NaN as an empty cell; the first row holds one and is still data.
    let exp = expected();
    let mut opened = open("pandas_nan_no_header.csv", None, None, &ReadOptions::default()).unwrap();
    assert!(opened.info.guesses.is_empty(), "{:?}", opened.info.guesses);
    let e = analysis::analyze(opened.rows.as_mut(), &Options::default(), &mut |_, _| true).unwrap_err();
    assert_eq!(
        e.to_string(),
        "non-finite value NaN at row 0, column 3 (0-based); fix the data or choose to drop rows with NaN/Inf"
    );
    let mut opened = open("pandas_nan_no_header.csv", None, None, &ReadOptions::default()).unwrap();
    let options = Options { drop_nonfinite: true, ..Default::default() };
    let report = analysis::analyze(opened.rows.as_mut(), &options, &mut |_, _| true).unwrap();
    assert_eq!((report.n_rows, report.n_dropped_rows), (125, 3));
    assert_eigenvalues("pandas_nan_no_header.csv", &report.eigenvalues, &exp["matrices"]["x_nan_dropped"]);
}

#[test]
fn units_by_samples_files_are_transposed() {
    let t = ReadOptions { transpose: true, ..Default::default() };
    for file in ["units_by_samples.csv", "neurons_by_time.npy", "neurons_by_time_fortran.npy"] {
        let info = check(file, None, &t, "x");
        assert_eq!((info.rows, info.cols, info.shape.clone()), (128, 16, vec![16, 128]), "{file}");
        assert!(info.flattened.as_deref().unwrap_or("").contains("read transposed"), "{file}: {info:?}");
    }
    // Compressed members: C order [D, N] transposed, and Fortran order read by transposing.
    check("compressed.npz", Some("F"), &t, "x");
    let info = check("compressed.npz", Some("F_fortran"), &t, "x");
    assert_eq!(info.shape, vec![16, 128]);

    // Read as stored, a units × samples file is wide, and the orientation is stated.
    let opened = open("neurons_by_time.npy", None, None, &ReadOptions::default()).unwrap();
    assert_eq!((opened.info.rows, opened.info.cols), (16, 128));
    assert!(has_guess(&opened.info, "if the rows are units (neurons × time, as Suite2p saves), transpose"));

    // A row range applies to the rows as read (samples), in place and in memory alike.
    let (_, x) = common::npy_values("writers/intended/x.npy");
    for file in ["neurons_by_time.npy", "neurons_by_time_fortran.npy", "units_by_samples.csv"] {
        let mut opened = open(file, None, Some(10..50), &t).unwrap();
        let m = Matrix::read_all(opened.rows.as_mut(), 1 << 20).unwrap();
        assert_eq!(m.data, &x[10 * 16..50 * 16], "{file}");
    }
}

#[test]
fn leading_positions_of_every_sequence_are_skipped() {
    let skip = ReadOptions { skip_positions: 1, ..Default::default() };
    for (file, key) in [
        ("tokens.npy", None),
        ("tokens_fortran.npy", None),
        ("checkpoint.safetensors", Some("hidden")),
        ("compressed.npz", Some("tokens")),
    ] {
        let info = check(file, key, &skip, "tokens_skip1");
        assert_eq!(info.sequence_len, Some(15), "{file}");
        assert!(info.flattened.unwrap().contains("without the first 1 position(s)"), "{file}");
        let info = check(file, key, &ReadOptions::default(), "tokens_all");
        assert_eq!(info.sequence_len, Some(16), "{file}");
    }
    // Row ranges across sequence boundaries (15 rows per sequence), as read.
    let (_, want) = common::npy_values("writers/intended/tokens_skip1.npy");
    for (file, key) in [("tokens.npy", None), ("tokens_fortran.npy", None), ("compressed.npz", Some("tokens"))] {
        let mut opened = open(file, key, Some(7..41), &skip).unwrap();
        let m = Matrix::read_all(opened.rows.as_mut(), 1 << 20).unwrap();
        assert_eq!(m.data, &want[7 * 16..41 * 16], "{file}");
    }
}

#[test]
fn options_that_do_not_apply_are_refused_by_name() {
    let e = |file: &str, key, o: ReadOptions| error(file, key, &o);
    assert_eq!(
        e("tokens.npy", None, ReadOptions { transpose: true, ..Default::default() }),
        "invalid setting: transpose applies to a 2-D array (units × samples); this one is 3-D [8, 16, 16]"
    );
    assert_eq!(
        e("neurons_by_time.npy", None, ReadOptions { skip_positions: 1, ..Default::default() }),
        "invalid setting: skip positions applies to a 3-D [S, T, H] tensor; this array is 2-D [16, 128]"
    );
    assert_eq!(
        e("tokens.npy", None, ReadOptions { skip_positions: 16, ..Default::default() }),
        "invalid setting: skip positions = 16 leaves nothing of sequences of T = 16 positions; skip fewer than 16"
    );
    assert_eq!(
        e("pandas_default.csv", None, ReadOptions { skip_positions: 1, ..Default::default() }),
        "invalid setting: skip positions applies to a 3-D [S, T, H] tensor; a text table is 2-D"
    );
    assert_eq!(
        e("tokens.npy", None, ReadOptions { header: Header::Yes, ..Default::default() }),
        "invalid setting: header and index column apply to text tables; 'tokens.npy' is a .npy file"
    );
}

#[test]
fn multi_array_files_list_every_array_and_pick_the_only_analysable_one() {
    let list = |file: &str| read::list_arrays(FileSource::open(path(file)).unwrap(), file);
    let arrays = list("checkpoint.safetensors").unwrap();
    let summary: Vec<(&str, bool, Vec<u64>)> =
        arrays.iter().map(|a| (a.name.as_str(), a.analysable, a.shape.clone())).collect();
    assert_eq!(
        summary,
        [
            ("bias", false, vec![16]),
            ("embeddings", true, vec![128, 16]),
            ("hidden", true, vec![8, 16, 16]),
            ("step", false, vec![]),
        ]
    );
    assert_eq!(
        arrays[0].why.as_deref(),
        Some("a 1-D array is a single vector; eigenlens needs a 2-D [N, D] matrix or a 3-D [S, T, H] tensor")
    );
    assert_eq!(arrays[3].why.as_deref(), Some("a 0-D array is a single number"));
    assert_eq!(
        error("checkpoint.safetensors", None, &ReadOptions::default()),
        "the file holds 2 arrays that can be analysed; choose one: embeddings, hidden"
    );
    check("checkpoint.safetensors", Some("embeddings"), &ReadOptions::default(), "x");
    assert_eq!(
        error("checkpoint.safetensors", Some("bias"), &ReadOptions::default()),
        "cannot read an array of shape [16] as rows × units: a 1-D array is a single vector; eigenlens needs a \
         2-D [N, D] matrix or a 3-D [S, T, H] tensor"
    );

    // One analysable array beside a 1-D one: opened by itself, and said so.
    let info = check("embeddings_with_mask.safetensors", None, &ReadOptions::default(), "x");
    assert_eq!(
        info.guesses,
        ["read 'embeddings', the only one of the file's 2 arrays that can be analysed (not: attention_mask [128]); \
          choose another by name"]
    );

    // np.savez with a ':' in a key, a 1-D and a string array beside it.
    let arrays = list("colon_key.npz").unwrap();
    let summary: Vec<(&str, bool)> = arrays.iter().map(|a| (a.name.as_str(), a.analysable)).collect();
    assert_eq!(summary, [("layer:0", true), ("sentence_id", false), ("labels", false)]);
    assert_eq!(
        arrays[2].why.as_deref(),
        Some("unsupported dtype '<U3': eigenlens reads float (f16, bf16, f32, f64), integer and bool arrays")
    );
    let info = check("colon_key.npz", None, &ReadOptions::default(), "x");
    assert_eq!(info.name, "layer:0");
    assert!(has_guess(&info, "read 'layer:0', the only one of the file's 3 arrays"), "{:?}", info.guesses);
    check("colon_key.npz", Some("layer:0"), &ReadOptions::default(), "x");
    assert_eq!(
        error("colon_key.npz", Some("labels"), &ReadOptions::default()),
        "unsupported dtype '<U3': eigenlens reads float (f16, bf16, f32, f64), integer and bool arrays"
    );
}

#[test]
fn files_without_arrays_say_what_they_are() {
    let list = |file: &str| read::list_arrays(FileSource::open(path(file)).unwrap(), file).unwrap_err().to_string();
    let empty = "the npz holds no arrays (it is an empty archive, as np.savez writes when given none)";
    assert_eq!(list("empty.npz"), empty);
    assert_eq!(error("empty.npz", None, &ReadOptions::default()), empty);
    // A torch.save file is read since issue 14 part 4 (tests/pt.rs): it lists its tensor.
    let arrays = read::list_arrays(FileSource::open(path("torch_save.pt")).unwrap(), "torch_save.pt").unwrap();
    let listed: Vec<(&str, &str, &[u64])> =
        arrays.iter().map(|a| (a.name.as_str(), a.dtype.as_str(), a.shape.as_slice())).collect();
    assert_eq!(listed, [("embeddings", "f32", &[128u64, 16][..])]);
}

#[test]
fn unknown_file_types_are_named_by_what_they_are() {
    use read::MemSource;
    let e = |name: &str, bytes: &[u8]| {
        read::open_matrix(MemSource(bytes), name, None, None).err().map(|e| e.to_string()).unwrap()
    };
    let reads = "(eigenlens reads .npy, .npz, .safetensors, torch.save .pt and text tables (.csv, .tsv, .txt))";
    assert_eq!(
        e("layer.h5", b"\x89HDF\r\n\x1a\n\0\0\0\0"),
        format!(
            "'layer.h5' is not a file type eigenlens reads: it is an HDF5 file (.h5, .hdf5, .h5ad, MATLAB v7.3 .mat); \
             save the dataset with np.save('x.npy', h5py.File(path)['NAME'][:]) {reads}"
        )
    );
    assert!(e("acts.pkl", b"\x80\x04\x95\x10\0\0").contains("it is a Python pickle"));
    assert!(e("acts.json", b"  {\"x\": [1, 2]}").contains("it is JSON"));
    assert!(e("embed.html", b"<!doctype html>").starts_with("'embed.html' is not a file type eigenlens reads"));
    assert!(e("acts.dat", b"1.0 2.0\n3.0 4.0\n").contains("it is a text file; if it is a table of numbers, name it"));
    assert_eq!(
        e("blob", &[0u8, 1, 2, 3, 0xff, 0xfe, 7]),
        "'blob' is not a file type eigenlens reads; eigenlens reads .npy, .npz, .safetensors, torch.save .pt and \
         text tables (.csv, .tsv, .txt); save the array with np.save"
    );
    // A safetensors file without its extension is recognised by its header.
    let bytes = std::fs::read(path("checkpoint.safetensors")).unwrap();
    let mut opened = read::open_matrix(MemSource(bytes), "model.bin", Some("embeddings"), None).unwrap();
    assert_eq!(Matrix::read_all(opened.rows.as_mut(), 1 << 20).unwrap().rows, 128);
}
