//! Helpers shared by the integration tests: the reference data and loading matrices.
#![allow(dead_code)]

use eigenlens::analysis::{self, Options, Preprocess, Report};
use eigenlens::read::{self, source::FileSource, MemSource};
use std::path::{Path, PathBuf};

pub fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

pub fn reference() -> serde_json::Value {
    let text = std::fs::read_to_string(data("reference.json")).expect("tests/data/reference.json");
    serde_json::from_str(&text).expect("reference.json parses")
}

/// Reads a .npy from tests/data with our own reader: (shape, values as f64, C order).
pub fn npy_values(rel: &str) -> (Vec<u64>, Vec<f64>) {
    let bytes = std::fs::read(data(rel)).expect("test npy");
    let mut src = MemSource(bytes);
    let array = read::npy::open(&mut src).expect("npy header");
    let n = array.shape.iter().product::<u64>() as usize;
    let mut out = vec![0.0; n];
    let start = array.offset as usize;
    array.dtype.decode(&src.0[start..start + n * array.dtype.size()], &mut out);
    (array.shape, out)
}

/// A reference vector (eigenvalues, means, cvPCA spectra).
pub fn npy_vector(rel: &str) -> Vec<f64> {
    npy_values(rel).1
}

/// The real layer most tests write into other containers: plain_h1 (540 × 256), as (N, D, X).
pub fn layer() -> (usize, usize, Vec<f64>) {
    let (shape, x) = npy_values("digits_mlp/plain_h1_test.f32.npy");
    (shape[0] as usize, shape[1] as usize, x)
}

/// Analyses a file of tests/data as the CLI and the page do: through its opened form, so that
/// the stored type reaches the report (precision floor).
pub fn analyze_file(rel: &str, options: &Options) -> eigenlens::Result<Report> {
    analyze_file_with(rel, options, &Preprocess::default())
}

pub fn analyze_file_with(rel: &str, options: &Options, pre: &Preprocess) -> eigenlens::Result<Report> {
    let path = data(rel);
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut opened = read::open_matrix(FileSource::open(&path)?, &name, None, None)?;
    analysis::analyze_opened(&mut opened, options, pre, &mut |_, _| true)
}

pub fn analyze_bytes(name: &str, bytes: Vec<u8>) -> eigenlens::Result<Report> {
    let mut opened = read::open_matrix(MemSource(bytes), name, None, None)?;
    analysis::analyze(opened.rows.as_mut(), &Options::default(), &mut |_, _| true)
}

/// Runs the `eigenlens` binary with `args`: (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_eigenlens")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// Runs a command that must succeed and returns its JSON.
pub fn json(args: &[&str]) -> serde_json::Value {
    let (code, stdout, stderr) = run(args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
}

/// A safetensors file written by hand: `meta` as `__metadata__`, then `tensors` (name, dtype,
/// shape, little-endian bytes) laid out in order. Tests of lying headers use [`raw_safetensors`].
pub fn safetensors_bytes(meta: &[(&str, &str)], tensors: &[(&str, &str, Vec<u64>, Vec<u8>)]) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    let meta: serde_json::Map<String, serde_json::Value> =
        meta.iter().map(|(k, v)| (k.to_string(), serde_json::Value::from(*v))).collect();
    header.insert("__metadata__".into(), meta.into());
    let mut data = Vec::new();
    for (name, dtype, shape, bytes) in tensors {
        let begin = data.len();
        data.extend_from_slice(bytes);
        header.insert(
            name.to_string(),
            serde_json::json!({"dtype": dtype, "shape": shape, "data_offsets": [begin, data.len()]}),
        );
    }
    raw_safetensors(&serde_json::Value::Object(header).to_string(), &data)
}

/// A safetensors file of exactly this header text and these data bytes (the length prefix is
/// the header's).
pub fn raw_safetensors(header: &str, data: &[u8]) -> Vec<u8> {
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}
