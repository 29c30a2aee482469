//! The browser binding: a thin wasm-bindgen layer over the core, called from the Web Worker.
//!
//! The worker owns the `File`; the core reads it through a [`JsSource`] that calls back into
//! JavaScript for each chunk (`FileReaderSync` over `File.slice`, which is lazy), so the file
//! is never copied whole into wasm memory.

use crate::analysis::{self, Options, Report};
use crate::error::{Error, Result};
use crate::read::{self, Source};
use crate::stats::{fit_alpha, FitRequest};
use crate::synth;
use js_sys::{Function, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// A [`Source`] backed by a JavaScript `readAt(offset, length) -> Uint8Array` function.
struct JsSource {
    read_at: Function,
    len: u64,
}

impl Source for JsSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let n = (buf.len() as u64).min(self.len.saturating_sub(offset)) as usize;
        if n == 0 {
            return Ok(0);
        }
        let value = self
            .read_at
            .call2(&JsValue::NULL, &JsValue::from_f64(offset as f64), &JsValue::from_f64(n as f64))
            .map_err(|e| Error::Io(format!("{e:?}")))?;
        let bytes: Uint8Array = value.dyn_into().map_err(|_| Error::Io("readAt did not return a Uint8Array".into()))?;
        let got = (bytes.length() as usize).min(n);
        bytes.subarray(0, got as u32).copy_to(&mut buf[..got]);
        Ok(got)
    }
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsError::new(&e.to_string()))
}

/// The core's progress callback over a JS `progress(bytesDone, bytesTotal, rowsDone)`.
fn progress_callback(progress: &Function) -> impl FnMut(read::Progress, u64) -> bool + '_ {
    move |p: read::Progress, rows: u64| {
        let args =
            js_sys::Array::of3(&(p.bytes_done as f64).into(), &(p.bytes_total as f64).into(), &(rows as f64).into());
        progress.apply(&JsValue::NULL, &args).is_ok()
    }
}

fn js_err(e: Error) -> JsError {
    JsError::new(&e.to_string())
}

/// The arrays in a file (name, dtype, shape, rows, cols, bytes), to choose one before analysis.
#[wasm_bindgen(js_name = listArrays)]
pub fn list_arrays(read_at: Function, len: f64, name: &str) -> Result<JsValue, JsError> {
    to_js(&read::list_arrays(JsSource { read_at, len: len as u64 }, name).map_err(js_err)?)
}

/// What the page asks of one file: the analysis options and, optionally, a row range
/// `[from, to)` (0-based).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct FileOptions {
    #[serde(flatten)]
    options: Options,
    rows: Option<[u64; 2]>,
}

/// Reads and analyses the matrix in a file of `len` bytes named `name`.
/// `options` is `{fit: {estimator, lo, hi}, drop_nonfinite, rows: [from, to] | null}`; `key` selects an array in
/// multi-array files; `progress(bytesDone, bytesTotal, rowsDone)` is called after each block.
#[wasm_bindgen(js_name = analyzeFile)]
pub fn analyze_file(
    read_at: Function,
    len: f64,
    name: &str,
    key: Option<String>,
    options: JsValue,
    progress: Function,
) -> Result<JsValue, JsError> {
    let FileOptions { options, rows } = if options.is_undefined() || options.is_null() {
        FileOptions::default()
    } else {
        serde_wasm_bindgen::from_value(options).map_err(|e| JsError::new(&format!("invalid options: {e}")))?
    };
    let source = JsSource { read_at, len: len as u64 };
    let rows = rows.map(|[from, to]| from..to);
    let mut opened = read::open_matrix(source, name, key.as_deref(), rows).map_err(js_err)?;
    let mut on_block = progress_callback(&progress);
    let mut report: Report = analysis::analyze(opened.rows.as_mut(), &options, &mut on_block).map_err(js_err)?;
    report.source = Some(opened.info);
    to_js(&report)
}

/// One worker's share of a parallel analysis: the moments of rows `[from, to)` of the file,
/// flat (`[rows dropped, ...Moments::to_flat]`), to be merged by [`report_from_parts`].
#[wasm_bindgen(js_name = accumulatePart)]
pub fn accumulate_part(
    read_at: Function,
    len: f64,
    name: &str,
    key: Option<String>,
    drop_nonfinite: bool,
    from: f64,
    to: f64,
    progress: Function,
) -> Result<Vec<f64>, JsError> {
    let source = JsSource { read_at, len: len as u64 };
    let mut opened = read::open_matrix(source, name, key.as_deref(), Some(from as u64..to as u64)).map_err(js_err)?;
    let mut on_block = progress_callback(&progress);
    let acc = analysis::accumulate(opened.rows.as_mut(), drop_nonfinite, &mut on_block).map_err(js_err)?;
    let mut flat = vec![acc.rows_dropped as f64];
    flat.extend(acc.moments.to_flat());
    Ok(flat)
}

/// Merges the workers' shares (Chan update, in the order given) and computes the report.
#[wasm_bindgen(js_name = reportFromParts)]
pub fn report_from_parts(parts: js_sys::Array, fit: JsValue) -> Result<JsValue, JsError> {
    let fit: FitRequest =
        serde_wasm_bindgen::from_value(fit).map_err(|e| JsError::new(&format!("invalid fit settings: {e}")))?;
    let mut total: Option<analysis::Accumulated> = None;
    for part in parts.iter() {
        let flat = js_sys::Float64Array::new(&part).to_vec();
        let (&dropped, moments) = flat.split_first().ok_or_else(|| JsError::new("an empty part"))?;
        let moments = crate::stats::Moments::from_flat(moments).map_err(js_err)?;
        let part = analysis::Accumulated { moments, rows_dropped: dropped as u64 };
        match &mut total {
            None => total = Some(part),
            Some(acc) => acc.merge(&part).map_err(js_err)?,
        }
    }
    let acc = total.ok_or_else(|| JsError::new("no parts to merge"))?;
    to_js(&analysis::spectrum_report(acc, &fit).map_err(js_err)?)
}

/// Refits α on eigenvalues already computed (another estimator or range; no file read).
#[wasm_bindgen]
pub fn refit(eigenvalues: &[f64], n_rows: f64, numerical_rank: usize, request: JsValue) -> Result<JsValue, JsError> {
    let request: FitRequest =
        serde_wasm_bindgen::from_value(request).map_err(|e| JsError::new(&format!("invalid fit settings: {e}")))?;
    to_js(&fit_alpha(eigenvalues, n_rows as u64, numerical_rank, &request))
}

/// The built-in demo: a Fourier code of known α (METHODS.md, "Synthetic codes"), analysed.
#[wasm_bindgen(js_name = analyzeDemo)]
pub fn analyze_demo(alpha: f64, rows: usize, cols: usize, seed: u64, options: JsValue) -> Result<JsValue, JsError> {
    let options: Options = serde_wasm_bindgen::from_value(options).unwrap_or_default();
    let m = synth::fourier_code(alpha, rows, cols, Some(seed));
    let mut blocks = read::SliceRows::new(&m.data, m.cols);
    let mut report = analysis::analyze(&mut blocks, &options, &mut |_, _| true).map_err(js_err)?;
    report.source = Some(read::ArrayInfo {
        name: format!("demo: Fourier code, α = {alpha}, seed {seed}"),
        dtype: "f64".into(),
        shape: vec![rows as u64, cols as u64],
        fortran_order: false,
        rows: rows as u64,
        cols,
        flattened: None,
        data_bytes: (rows * cols * 8) as u64,
    });
    to_js(&report)
}

/// The demo code as an f32 `.npy` file, so a user can download it and try the CLI on it.
#[wasm_bindgen(js_name = demoNpy)]
pub fn demo_npy(alpha: f64, rows: usize, cols: usize, seed: u64) -> Vec<u8> {
    synth::fourier_code(alpha, rows, cols, Some(seed)).to_npy_f32()
}

/// The heavy kernels timed alone on a random `n × d` matrix (the benchmark's wasm column).
#[wasm_bindgen(js_name = benchKernels)]
pub fn bench_kernels(n: usize, d: usize, seed: u64, vectors: bool) -> Result<JsValue, JsError> {
    let clock = || js_sys::Date::now() / 1000.0;
    to_js(&crate::kernels::time_kernels(n, d, seed, vectors, &clock))
}

/// Trains the toy model of superposition at sparsity `settings.sparsities[index]` (seeded by
/// index, so runs split over workers equal the CLI's). `progress(step, loss)`.
#[wasm_bindgen(js_name = trainToy)]
pub fn train_toy(settings: JsValue, index: usize, progress: Function) -> Result<JsValue, JsError> {
    let settings: crate::toy::ToySettings =
        serde_wasm_bindgen::from_value(settings).map_err(|e| JsError::new(&format!("invalid toy settings: {e}")))?;
    let mut on_step =
        |step: usize, loss: f64| progress.call2(&JsValue::NULL, &(step as f64).into(), &loss.into()).is_ok();
    let run = crate::toy::train_one(&settings, index, &mut on_step).map_err(js_err)?;
    // Through JSON text: the run's derived 64-bit seed does not fit a JS number exactly, and
    // the page shows it only as a label.
    let json = serde_json::to_string(&run).map_err(|e| JsError::new(&e.to_string()))?;
    js_sys::JSON::parse(&json).map_err(|_| JsError::new("the toy run could not be passed to JavaScript"))
}

/// Complete toy settings from the page's controls: missing fields take METHODS.md's defaults
/// and the sparsity grid is the default one with `count` values (the CLI's `--sparsities`),
/// computed here so that the page's sparsities are bit-for-bit the CLI's.
#[wasm_bindgen(js_name = toySettings)]
pub fn toy_settings(settings: JsValue, count: usize) -> Result<JsValue, JsError> {
    let mut settings: crate::toy::ToySettings =
        serde_wasm_bindgen::from_value(settings).map_err(|e| JsError::new(&format!("invalid toy settings: {e}")))?;
    settings.sparsities = crate::toy::default_sparsities(count);
    settings.validate().map_err(js_err)?;
    to_js(&settings)
}

/// Parses settings from JS, naming what they are for when they are malformed.
fn settings<T: serde::de::DeserializeOwned + Default>(value: JsValue, what: &str) -> Result<T, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("invalid {what} settings: {e}")))
}

/// A file's matrix held whole in wasm memory (up to the in-memory limit), for the analyses
/// that need every row at once.
fn read_matrix(read_at: Function, len: f64, name: &str, key: Option<String>) -> Result<crate::matrix::Matrix, JsError> {
    let source = JsSource { read_at, len: len as u64 };
    let mut opened = read::open_matrix(source, name, key.as_deref(), None).map_err(js_err)?;
    crate::matrix::Matrix::read_all(opened.rows.as_mut(), crate::matrix::DEFAULT_MEMORY_LIMIT).map_err(js_err)
}

/// Cross-validated PCA of two repeats, each read through its own `readAt`.
#[wasm_bindgen(js_name = cvpcaFiles)]
#[allow(clippy::too_many_arguments)]
pub fn cvpca_files(
    read_a: Function,
    len_a: f64,
    name_a: &str,
    read_b: Function,
    len_b: f64,
    name_b: &str,
    options: JsValue,
    progress: Function,
) -> Result<JsValue, JsError> {
    let options: crate::crossval::CvpcaSettings = settings(options, "cvPCA")?;
    let mut a =
        read::open_matrix(JsSource { read_at: read_a, len: len_a as u64 }, name_a, None, None).map_err(js_err)?;
    let mut b =
        read::open_matrix(JsSource { read_at: read_b, len: len_b as u64 }, name_b, None, None).map_err(js_err)?;
    let mut on_block = progress_callback(&progress);
    let report = crate::crossval::cvpca(a.rows.as_mut(), b.rows.as_mut(), &options, &mut on_block).map_err(js_err)?;
    to_js(&report)
}

/// Smoothness along a sweep: the file's rows in sweep order, and optionally a parameter file
/// (a 1-D `.npy` or one-column text) read through `paramReadAt`.
#[wasm_bindgen(js_name = analyzeSweep)]
#[allow(clippy::too_many_arguments)]
pub fn analyze_sweep(
    read_at: Function,
    len: f64,
    name: &str,
    key: Option<String>,
    param_read_at: Option<Function>,
    param_len: f64,
    param_name: &str,
    options: JsValue,
) -> Result<JsValue, JsError> {
    let options: crate::smoothness::SweepSettings = settings(options, "sweep")?;
    let x = read_matrix(read_at, len, name, key)?;
    let t = match param_read_at {
        Some(f) => Some(
            read::read_vector(
                JsSource { read_at: f, len: param_len as u64 },
                param_name,
                crate::matrix::DEFAULT_MEMORY_LIMIT,
            )
            .map_err(|e| JsError::new(&format!("{param_name}: {e}")))?,
        ),
        None => None,
    };
    to_js(&crate::smoothness::analyze_sweep(&x, t.as_deref(), &options).map_err(js_err)?)
}

/// A synthetic code (METHODS.md, "Synthetic codes") analysed as a sweep: its spectrum, its
/// projection curves and roughness, to set beside the user's data.
#[wasm_bindgen(js_name = synthSweep)]
pub fn synth_sweep(
    kind: &str,
    alpha: f64,
    rows: usize,
    cols: usize,
    seed: u64,
    options: JsValue,
) -> Result<JsValue, JsError> {
    let options: crate::smoothness::SweepSettings = settings(options, "sweep")?;
    if !(alpha > 0.0 && alpha < 20.0) || !(3..=1 << 16).contains(&rows) || !(2..=4096).contains(&cols) {
        return Err(JsError::new("a synthetic code needs 0 < α < 20, 3 ≤ N ≤ 65 536 and 2 ≤ D ≤ 4096"));
    }
    let x = match kind {
        "fourier" => synth::fourier_code(alpha, rows, cols, Some(seed)),
        "gaussian" => synth::gaussian_code(alpha, rows, cols, seed),
        _ => return Err(JsError::new("the synthetic code is 'fourier' or 'gaussian'")),
    };
    to_js(&crate::smoothness::analyze_sweep(&x, None, &options).map_err(js_err)?)
}

/// Units per axis for the top `top` principal axes, and each unit's activity.
#[wasm_bindgen(js_name = alignmentFile)]
pub fn alignment_file(
    read_at: Function,
    len: f64,
    name: &str,
    key: Option<String>,
    top: usize,
    progress: Function,
) -> Result<JsValue, JsError> {
    let mut opened =
        read::open_matrix(JsSource { read_at, len: len as u64 }, name, key.as_deref(), None).map_err(js_err)?;
    let mut on_block = progress_callback(&progress);
    to_js(&crate::alignment::axis_alignment(opened.rows.as_mut(), top, &mut on_block).map_err(js_err)?)
}

/// The bootstrap of α over rows; `progress(resamplesDone)`.
#[wasm_bindgen(js_name = bootstrapFile)]
pub fn bootstrap_file(
    read_at: Function,
    len: f64,
    name: &str,
    key: Option<String>,
    options: JsValue,
    progress: Function,
) -> Result<JsValue, JsError> {
    let options: crate::bootstrap::BootstrapSettings = settings(options, "bootstrap")?;
    let x = read_matrix(read_at, len, name, key)?;
    let mut on_done = |done: usize| progress.call1(&JsValue::NULL, &(done as f64).into()).is_ok();
    to_js(&crate::bootstrap::bootstrap_alpha(&x, &options, &mut on_done).map_err(js_err)?)
}
