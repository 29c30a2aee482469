//! `torch.save` files (issue 14, part 4): the fixtures of tests/data/pt, written by real
//! `torch.save` (torch 2.15) with `make_fixtures.py`, read value for value equal to the float64
//! `.npy` twins the same script saved (`expected/NAME.npy`, `t.to(torch.float64).numpy()`: f16
//! and bf16 widen to f64 exactly, so equality is exact); α and eigenvalues against
//! `reference.json` (NumPy, numpy_reference.py's definitions); and every refusal by its message.

mod common;

use eigenlens::error::{Error, FormatError, PtError};
use eigenlens::read::{self, source::FileSource, ReadOptions, RowBlocks};

fn pt(file: &str) -> std::path::PathBuf {
    common::data(&format!("pt/{file}"))
}

fn open(file: &str, key: Option<&str>, options: &ReadOptions) -> eigenlens::Result<read::Opened<'static>> {
    read::open_matrix_with(FileSource::open(pt(file))?, file, key, None, options)
}

/// Every value of `file[:key]` read with `options`: (rows, cols, values).
fn values(file: &str, key: Option<&str>, options: &ReadOptions) -> (u64, usize, Vec<f64>) {
    let mut opened = open(file, key, options).unwrap_or_else(|e| panic!("{file}:{key:?}: {e}"));
    let cols = opened.rows.cols();
    let (n, x) = read::read_all_rows(opened.rows.as_mut(), u64::MAX).unwrap();
    assert_eq!(n as u64, opened.info.rows, "{file}:{key:?}");
    (n as u64, cols, x)
}

/// The twin `expected/NAME.npy`: its shape and values (row-major; a 3-D twin is [S·T, H] as read).
fn twin(name: &str) -> (Vec<u64>, Vec<f64>) {
    common::npy_values(&format!("pt/expected/{name}.npy"))
}

fn error(file: &str, key: Option<&str>) -> Error {
    match open(file, key, &ReadOptions::default()) {
        Ok(_) => panic!("{file}:{key:?} opened"),
        Err(e) => e,
    }
}

#[track_caller]
fn assert_reads_as(file: &str, key: Option<&str>, options: &ReadOptions, twin_name: &str) {
    let (rows, cols, x) = values(file, key, options);
    let (shape, want) = twin(twin_name);
    assert_eq!(rows * cols as u64, shape.iter().product::<u64>(), "{file}:{key:?}");
    assert_eq!(cols as u64, *shape.last().unwrap(), "{file}:{key:?}");
    assert_eq!(x, want, "{file}:{key:?} differs from {twin_name}.npy");
}

#[test]
fn tensors_of_every_dtype_read_exactly() {
    let plain = ReadOptions::default();
    for (file, twin_name, dtype) in [("f32.pt", "f32", "f32"), ("f16.pt", "f16", "f16"), ("bf16.pt", "bf16", "bf16")] {
        assert_reads_as(file, None, &plain, twin_name);
        let info = open(file, None, &plain).unwrap().info;
        // A tensor saved alone takes the file's name; no guess is needed for it.
        assert_eq!((info.name.as_str(), info.dtype.as_str(), info.shape.as_slice()), (file, dtype, &[256, 64][..]));
        assert!(info.guesses.is_empty(), "{:?}", info.guesses);
    }
}

#[test]
fn dicts_and_state_dicts_are_chosen_by_key() {
    let plain = ReadOptions::default();
    assert_reads_as("dict.pt", Some("acts.layer1"), &plain, "dict.acts.layer1");
    assert_reads_as("dict.pt", Some("acts.layer2"), &plain, "dict.acts.layer2");
    assert_reads_as("state_dict.pt", Some("0.weight"), &plain, "state_dict.0.weight");
    assert_reads_as("state_dict.pt", Some("2.weight"), &plain, "state_dict.2.weight");
    assert_eq!(open("dict.pt", Some("acts.layer2"), &plain).unwrap().info.dtype, "f64");

    // The listing: nested keys joined with '.', non-tensor leaves ('step', 'note') left out,
    // a 1-D tensor listed as not analysable.
    let list = read::list_arrays(FileSource::open(pt("dict.pt")).unwrap(), "dict.pt").unwrap();
    let names: Vec<(&str, bool)> = list.iter().map(|a| (a.name.as_str(), a.analysable)).collect();
    assert_eq!(names, [("acts.layer1", true), ("acts.layer2", true), ("labels", false)]);
    assert_eq!(list[2].dtype, "i64");
    let list = read::list_arrays(FileSource::open(pt("state_dict.pt")).unwrap(), "state_dict.pt").unwrap();
    let names: Vec<&str> = list.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);

    // Without a key: several analysable tensors must be chosen; one is read, said as a guess.
    assert_eq!(
        error("dict.pt", None).to_string(),
        "the file holds 2 arrays that can be analysed; choose one: acts.layer1, acts.layer2"
    );
    assert_reads_as("linear.pt", None, &plain, "linear.weight");
    let info = open("linear.pt", None, &plain).unwrap().info;
    assert_eq!(
        info.guesses,
        ["read 'weight', the only one of the file's 2 arrays that can be analysed (not: bias [48]); choose another \
          by name"]
    );
    // A wrong key names the ones there are.
    assert_eq!(
        error("dict.pt", Some("acts.layer3")).to_string(),
        "no array named 'acts.layer3' in the file; it holds: acts.layer1, acts.layer2, labels"
    );
}

#[test]
fn views_read_through_their_offsets_and_strides() {
    let plain = ReadOptions::default();
    // x.t(): Fortran order, read in place; x[:, ::2] and x[10:100, 1::2] (offset 1281): strided.
    for key in ["transposed", "every_other", "offset_slice", "permuted"] {
        assert_reads_as("views.pt", Some(key), &plain, &format!("views.{key}"));
    }
    let info = open("views.pt", Some("transposed"), &plain).unwrap().info;
    assert!(info.fortran_order && info.flattened.is_none(), "{info:?}");
    let info = open("views.pt", Some("every_other"), &plain).unwrap().info;
    assert_eq!(
        info.flattened.as_deref(),
        Some("a non-contiguous view (strides [128, 2] elements) read through its strides")
    );
    // Transposed on reading: the Fortran view reads as its storage; the strided one as NumPy's .T.
    let transpose = ReadOptions { transpose: true, ..Default::default() };
    assert_reads_as("views.pt", Some("transposed"), &transpose, "views.transposed.T");
    let (rows, cols, x) = values("views.pt", Some("every_other"), &transpose);
    let (shape, want) = twin("views.every_other");
    assert_eq!((rows, cols as u64), (shape[1], shape[0]));
    for (i, row) in x.chunks(cols).enumerate() {
        for (j, v) in row.iter().enumerate() {
            assert_eq!(*v, want[j * shape[1] as usize + i]);
        }
    }
    // A row range of a strided view.
    let mut opened = read::open_matrix_with(
        FileSource::open(pt("views.pt")).unwrap(),
        "views.pt",
        Some("every_other"),
        Some(10..20),
        &plain,
    )
    .unwrap();
    let (n, x) = read::read_all_rows(opened.rows.as_mut(), u64::MAX).unwrap();
    assert_eq!((n, &x[..]), (10, &want[10 * 64..20 * 64]));
    // Since any row range reads right, the plan splits a .pt over readers like a .npy.
    assert!(eigenlens::plan::seekable("acts.pt") && eigenlens::plan::seekable("model.pth"));
}

#[test]
fn a_3d_tensor_reads_as_sequences_and_skips_positions() {
    assert_reads_as("seq.pt", None, &ReadOptions::default(), "seq");
    let info = open("seq.pt", None, &ReadOptions::default()).unwrap().info;
    assert_eq!((info.rows, info.cols, info.sequence_len), (128, 32, Some(16)));
    let skip = ReadOptions { skip_positions: 2, ..Default::default() };
    assert_reads_as("seq.pt", None, &skip, "seq.skip2");
    // A permuted 3-D view ([16, 8, 32], strides (32, 512, 1)) with skipped positions.
    let (rows, cols, x) = values("views.pt", Some("permuted"), &skip);
    let (_, want) = twin("views.permuted"); // [16·8, 32]: row s·8 + t
    assert_eq!((rows, cols), (16 * 6, 32));
    for s in 0..16 {
        for t in 2..8 {
            let (got, exp) = ((s * 6 + t - 2) * 32, (s * 8 + t) * 32);
            assert_eq!(x[got..got + 32], want[exp..exp + 32], "s {s} t {t}");
        }
    }
}

#[test]
fn a_malicious_pickle_is_refused_without_running_it() {
    // The payload would run `touch /tmp/eigenlens-pt-fixture-pwned` (make_fixtures.py).
    let marker = std::path::Path::new("/tmp/eigenlens-pt-fixture-pwned");
    let _ = std::fs::remove_file(marker);
    let e = error("malicious.pt", None);
    assert_eq!(
        e,
        Error::Format(FormatError::Pt(PtError::ForbiddenGlobal { module: "os".into(), name: "system".into() }))
    );
    assert_eq!(
        e.to_string(),
        "refused: the torch.save file's pickle calls os.system, which is not one of the tensor rebuilders eigenlens \
         allows (nothing was run); a file of tensors or a state dict names only torch._utils, torch.*Storage and \
         collections.OrderedDict. Save the tensors alone with torch.save(model.state_dict()) or safetensors, if you \
         trust the file"
    );
    let listed = read::list_arrays(FileSource::open(pt("malicious.pt")).unwrap(), "malicious.pt").unwrap_err();
    assert_eq!(listed, e);
    let (code, stdout, stderr) = common::run(&["analyze", pt("malicious.pt").to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stderr.contains("calls os.system"), "{stderr}");
    assert!(!marker.exists(), "the payload ran");
}

#[test]
fn broken_and_foreign_files_say_what_is_wrong() {
    // Cut in half: the zip's directory (at its end) is gone.
    let bytes = std::fs::read(pt("f32.pt")).unwrap();
    let cut = &bytes[..bytes.len() / 2];
    let e = read::open_matrix(read::MemSource(cut), "f32.pt", None, None).err().unwrap();
    assert_eq!(
        e.to_string(),
        "bad zip header: it starts as a zip but its end (the central directory) is missing: the file is truncated; \
         copy or save it again"
    );
    // A storage entry shorter than its pickle says.
    assert_eq!(
        error("short_storage.pt", None).to_string(),
        "none of the file's 1 arrays can be analysed as rows × units (a 2-D [N, D] matrix or a 3-D [S, T, H] \
         tensor): short_storage.pt [256, 64]: cannot read tensor 'short_storage.pt' of the torch.save file: its \
         storage declares 16384 elements (65536 bytes) but the entry holds 32768 bytes"
    );
    // A deflated storage.
    assert!(
        error("compressed.pt", None).to_string().contains(
            "its storage 'compressed/data/0' is compressed in the zip (torch.save stores storages uncompressed): \
             save it again with torch.save"
        ),
        "{}",
        error("compressed.pt", None)
    );
    // A zip named .pt without data.pkl.
    assert_eq!(
        error("not_torch.pt", None),
        Error::Format(FormatError::Pt(PtError::NoPickle { entries: vec!["notes.txt".into()] }))
    );
    // torch.save's legacy format (a bare pickle): re-save in the zip format.
    let legacy = error("legacy.pt", None).to_string();
    assert!(
        legacy.contains("it is a Python pickle (torch.save's legacy format from before PyTorch 1.6")
            && legacy.contains("save it again with torch.save in PyTorch 1.6 or later (the zip format"),
        "{legacy}"
    );
}

fn reference(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(pt("reference.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["answers"][name].clone()
}

#[test]
fn the_cli_analyses_a_pt_file_as_numpy_does() {
    for (spec, name) in [
        ("f32.pt".to_string(), "f32"),
        ("bf16.pt".to_string(), "bf16"),
        ("dict.pt:acts.layer1".to_string(), "dict.acts.layer1"),
        ("views.pt:every_other".to_string(), "views.every_other"),
        ("seq.pt".to_string(), "seq"),
    ] {
        let path = format!("{}", common::data("pt").join(&spec).display());
        let (code, stdout, stderr) = common::run(&["analyze", &path, "--json"]);
        assert_eq!(code, 0, "{spec}: {stderr}");
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let want = reference(name);
        let alpha = v["alpha_fit"]["alpha"].as_f64().unwrap();
        assert!((alpha - want["alpha"].as_f64().unwrap()).abs() < 1e-6, "{spec}: α {alpha} vs {}", want["alpha"]);
        assert_eq!(v["alpha_fit"]["rank_lo"], want["rank_lo"], "{spec}");
        assert_eq!(v["alpha_fit"]["rank_hi"], want["rank_hi"], "{spec}");
        let tv = v["total_variance"].as_f64().unwrap();
        let want_tv = want["total_variance"].as_f64().unwrap();
        assert!((tv - want_tv).abs() < 1e-10 * want_tv, "{spec}: total variance {tv} vs {want_tv}");
    }
    let (code, stdout, stderr) = common::run(&["list", pt("dict.pt").to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "acts.layer1\tf32\t[256, 64]\t256 × 64\nacts.layer2\tf64\t[128, 32]\t128 × 32\nlabels\ti64\t[256]\tnot \
         analysable: a 1-D array is a single vector; eigenlens needs a 2-D [N, D] matrix or a 3-D [S, T, H] tensor\n"
    );
}
