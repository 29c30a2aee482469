//! An opened file: the worker's `File`, read from Rust through web-sys (`Blob.slice`, which is
//! lazy, and `FileReaderSync`, which Web Workers have), one chunk at a time, so the file is
//! never copied whole into wasm memory. One [`OpenedFile`] per file and chosen array, with a
//! method per analysis; each method opens its own reader over the file (readers are cheap:
//! a header), so any of them may be called in any order.

use super::options::{decode, decode_required};
use super::{js_err, progress_callback, to_js};
use crate::analysis::{self, Options, Preprocess, Share};
use crate::error::{Error, Result};
use crate::matrix::{Matrix, DEFAULT_MEMORY_LIMIT};
use crate::read::{self, ArrayInfo, Opened, ReadOptions, Source};
use js_sys::{Function, Uint8Array};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::ops::Range;
use wasm_bindgen::prelude::*;
use web_sys::{Blob, File, FileReaderSync};

/// A [`Source`] over a browser `Blob` (a `File`), read synchronously in the worker.
struct BlobSource {
    blob: Blob,
    reader: FileReaderSync,
    len: u64,
}

/// The message of a JavaScript exception, for [`Error::Io`].
fn js_message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| format!("{e:?}"))
}

impl Source for BlobSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let n = (buf.len() as u64).min(self.len.saturating_sub(offset)) as usize;
        if n == 0 {
            return Ok(0);
        }
        let slice = self
            .blob
            .slice_with_f64_and_f64(offset as f64, (offset + n as u64) as f64)
            .map_err(|e| Error::Io(js_message(&e)))?;
        let buffer = self.reader.read_as_array_buffer(&slice).map_err(|e| Error::Io(js_message(&e)))?;
        let bytes = Uint8Array::new(&buffer);
        let got = (bytes.length() as usize).min(n);
        bytes.subarray(0, got as u32).copy_to(&mut buf[..got]);
        Ok(got)
    }
}

/// What `analyze` takes: the analysis options, the preprocessing (`standardize`, `remove_top`,
/// `centre_positions`)
/// and, optionally, a row range `[from, to)`.
#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct AnalyzeOptions {
    fit: crate::stats::FitRequest,
    drop_nonfinite: bool,
    standardize: bool,
    remove_top: usize,
    centre_positions: bool,
    rows: Option<[u64; 2]>,
}

/// What `part` takes: one worker's row range `[from, to)` of a split analysis.
#[derive(Serialize, Deserialize)]
struct PartOptions {
    rows: [u64; 2],
    #[serde(default)]
    drop_nonfinite: bool,
}

fn range([from, to]: [u64; 2]) -> Range<u64> {
    from..to
}

/// The report of layer `key` of moments files (several are merged first), read as `o` asks:
/// the fit and the preprocessing that moments allow; row settings are refused by the core.
fn analyze_moments(
    files: Vec<Vec<crate::moments_file::LayerMoments>>,
    key: Option<&str>,
    name: &str,
    o: &AnalyzeOptions,
    read: &ReadOptions,
) -> Result<JsValue, JsError> {
    crate::moments_file::check_row_settings(o.rows.is_some(), o.drop_nonfinite, read, o.centre_positions)
        .map_err(js_err)?;
    let pre = Preprocess { standardize: o.standardize, remove_top: o.remove_top, centre_positions: false };
    to_js(&crate::moments_file::report_of_files(files, key, name, &o.fit, &pre).map_err(js_err)?)
}

/// Analyses several moments files (shares of one layer's rows, e.g. one per GPU or machine)
/// merged as one: the same report as one pass over all their rows. `key` chooses the layer of
/// multi-layer files; `read` and `options` as for `OpenedFile` and its `analyze` (row settings
/// are refused). A file
/// that is not a moments file is refused by name.
#[wasm_bindgen(js_name = analyzeMomentsFiles)]
pub fn analyze_moments_files(
    files: Vec<File>,
    key: Option<String>,
    read: &JsValue,
    options: &JsValue,
) -> Result<JsValue, JsError> {
    let o: AnalyzeOptions = decode(options, "analysis options")?;
    let read: ReadOptions = decode(read, "read options")?;
    let mut layers = Vec::with_capacity(files.len());
    let mut names = Vec::with_capacity(files.len());
    for file in files {
        let opened = OpenedFile::new(file, None, JsValue::UNDEFINED)?;
        let read = opened.moments().ok_or_else(|| {
            JsError::new(&format!(
                "{}: not a moments file; several files are analysed together only when each is a moments file \
                 (eigenlens moments, eigenlens.Moments): open a file of rows on its own",
                opened.name
            ))
        })?;
        layers.push(read.map_err(|e| JsError::new(&format!("{}: {e}", opened.name)))?);
        names.push(opened.name);
    }
    let name = names.first().cloned().unwrap_or_default();
    analyze_moments(layers, key.as_deref(), &name, &o, &read)
}

/// A file chosen by the user (and, in a multi-array file, the array `key`), to analyse.
#[wasm_bindgen]
pub struct OpenedFile {
    file: File,
    reader: FileReaderSync,
    name: String,
    len: u64,
    key: Option<String>,
    /// How to read it (header, index column, transpose, skipped positions).
    read: ReadOptions,
    /// The array's description, once a method has opened it.
    info: RefCell<Option<ArrayInfo>>,
}

impl OpenedFile {
    fn source(&self) -> BlobSource {
        BlobSource { blob: self.file.clone().into(), reader: self.reader.clone(), len: self.len }
    }

    /// A reader over the chosen array's rows (restricted to `rows`).
    fn open(&self, rows: Option<Range<u64>>) -> Result<Opened<'static>> {
        let opened = read::open_matrix_with(self.source(), &self.name, self.key.as_deref(), rows, &self.read)?;
        self.info.borrow_mut().get_or_insert_with(|| opened.info.clone());
        Ok(opened)
    }

    /// The layers of a moments file (docs/MOMENTS.md), or `None` when the file is not one.
    fn moments(&self) -> Option<Result<Vec<crate::moments_file::LayerMoments>>> {
        let mut source = self.source();
        crate::moments_file::is_moments_file(&mut source).then(|| crate::moments_file::read(&mut source))
    }

    /// The array held whole in wasm memory (up to the in-memory limit), for the analyses that
    /// need every row at once.
    fn read_all(&self) -> Result<Matrix> {
        Matrix::read_all(self.open(None)?.rows.as_mut(), DEFAULT_MEMORY_LIMIT)
    }
}

#[wasm_bindgen]
impl OpenedFile {
    /// Opens `file` (nothing is read yet); `key` chooses an array in a multi-array file and
    /// `read` says how to read it (`ReadOptions`: `{header: "auto"|"yes"|"no", index_col:
    /// "auto"|"none"|n, transpose, skip_positions}`; absent: as stored, guessing for text).
    #[wasm_bindgen(constructor)]
    pub fn new(file: File, key: Option<String>, read: JsValue) -> Result<OpenedFile, JsError> {
        let read: ReadOptions = decode(&read, "read options")?;
        let reader = FileReaderSync::new().map_err(|e| JsError::new(&js_message(&e)))?;
        let (name, len) = (file.name(), file.size() as u64);
        Ok(OpenedFile { file, reader, name, len, key, read, info: RefCell::new(None) })
    }

    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.name.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn key(&self) -> Option<String> {
        self.key.clone()
    }

    /// Whether the file is a moments file (a layer's count, mean and scatter: docs/MOMENTS.md),
    /// which gives the spectrum and α but no rows to split, resample or project.
    #[wasm_bindgen(getter, js_name = isMoments)]
    pub fn is_moments(&self) -> bool {
        crate::moments_file::is_moments_file(&mut self.source())
    }

    /// The chosen array (name, dtype, shape, rows, cols, …), reading its header if no method
    /// has yet; for a moments file, the chosen layer (dtype `moments`).
    pub fn info(&self) -> Result<JsValue, JsError> {
        if self.info.borrow().is_none() {
            match self.moments() {
                Some(layers) => {
                    let layer = crate::moments_file::choose(layers.map_err(js_err)?, self.key.as_deref());
                    *self.info.borrow_mut() = Some(crate::moments_file::describe(&layer.map_err(js_err)?, &self.name));
                }
                None => drop(self.open(None).map_err(js_err)?),
            }
        }
        to_js(&*self.info.borrow())
    }

    /// Every array in the file, to choose one before analysis (as the reader returns them); the
    /// layers of a moments file.
    pub fn list(&self) -> Result<JsValue, JsError> {
        if let Some(layers) = self.moments() {
            let layers = layers.map_err(js_err)?;
            return to_js(&layers.iter().map(|l| crate::moments_file::describe(l, &self.name)).collect::<Vec<_>>());
        }
        to_js(&read::list_arrays(self.source(), &self.name).map_err(js_err)?)
    }

    /// Reads and analyses the array (`analysis::analyze_opened`: with the precision floor of
    /// f16, bf16 and integer storage). `options`: `{fit: {estimator, lo, hi}, drop_nonfinite,
    /// standardize, remove_top, rows: [from, to] | null}`; `progress(bytesDone, bytesTotal,
    /// rowsDone)` after each block.
    pub fn analyze(&self, options: &JsValue, progress: Option<Function>) -> Result<JsValue, JsError> {
        let o: AnalyzeOptions = decode(options, "analysis options")?;
        if let Some(layers) = self.moments() {
            return analyze_moments(vec![layers.map_err(js_err)?], self.key.as_deref(), &self.name, &o, &self.read);
        }
        let mut opened = self.open(o.rows.map(range)).map_err(js_err)?;
        let options = Options { fit: o.fit, drop_nonfinite: o.drop_nonfinite };
        let pre =
            Preprocess { standardize: o.standardize, remove_top: o.remove_top, centre_positions: o.centre_positions };
        let report =
            analysis::analyze_opened(&mut opened, &options, &pre, &mut progress_callback(progress)).map_err(js_err)?;
        to_js(&report)
    }

    /// One worker's share of a split analysis: the moments of rows `[from, to)` and their
    /// rounding noise, flat (`Share::to_flat`), to be merged by `reportFromParts`. `options`:
    /// `{rows: [from, to], drop_nonfinite}`.
    pub fn part(&self, options: &JsValue, progress: Option<Function>) -> Result<Vec<f64>, JsError> {
        let o: PartOptions = decode_required(options, "part options")?;
        let mut opened = self.open(Some(range(o.rows))).map_err(js_err)?;
        let (acc, rounding) = analysis::accumulate_stored(
            opened.rows.as_mut(),
            &opened.info.dtype,
            o.drop_nonfinite,
            &mut progress_callback(progress),
        )
        .map_err(js_err)?;
        Ok(Share { acc, rounding, positions: None }.to_flat())
    }

    /// One reader's share of a top-k pass (issue 16): rows `[from, to)` of the array streamed
    /// block by block into a `PassShare` for the solver's `input` (`TopKSolver.passInput()`),
    /// returned flat (`PassShare::to_flat`) for `TopKSolver.addShare`. Rows stay in Rust, so no
    /// block crosses into JavaScript. `progress(bytesDone, bytesTotal, rowsDone)` after each block.
    #[wasm_bindgen(js_name = topKPass)]
    pub fn top_k_pass(
        &self,
        input: &[f64],
        from: f64,
        to: f64,
        progress: Option<Function>,
    ) -> Result<Vec<f64>, JsError> {
        use crate::linalg::topk::{PassInput, PassShare};
        let input = PassInput::from_flat(input).map_err(js_err)?;
        let mut share = PassShare::new(&input);
        let mut opened = self.open(Some(from as u64..to as u64)).map_err(js_err)?;
        let mut on_block = progress_callback(progress);
        let mut block = Vec::new();
        loop {
            let n = opened.rows.next_block(&mut block).map_err(js_err)?;
            if n == 0 {
                return Ok(share.to_flat());
            }
            share.add_rows(&input, &block, n).map_err(js_err)?;
            if !on_block(opened.rows.progress(), share.rows()) {
                return Err(js_err(Error::Cancelled));
            }
        }
    }

    /// Smoothness along a sweep: the rows in sweep order, optionally the sweep parameter from
    /// `param` (a 1-D `.npy` or one-column text) and a `repeat` of the sweep (the same inputs
    /// recorded again: the verdict then uses the cross-validated α). `options`: `SweepSettings`.
    pub fn sweep(
        &self,
        options: &JsValue,
        param: Option<File>,
        repeat: Option<OpenedFile>,
    ) -> Result<JsValue, JsError> {
        let settings: crate::smoothness::SweepSettings = decode(options, "sweep options")?;
        let x = self.read_all().map_err(js_err)?;
        let repeat = match repeat {
            Some(r) => Some(r.read_all().map_err(|e| JsError::new(&format!("{} (the repeat): {e}", r.name)))?),
            None => None,
        };
        let t = match param {
            Some(file) => {
                let p = OpenedFile::new(file, None, JsValue::UNDEFINED)?;
                let t = read::read_vector(p.source(), &p.name, DEFAULT_MEMORY_LIMIT)
                    .map_err(|e| JsError::new(&format!("{}: {e}", p.name)))?;
                Some(t)
            }
            None => None,
        };
        let report = crate::smoothness::analyze_sweep_with(&x, t.as_deref(), repeat.as_ref(), &settings);
        to_js(&report.map_err(js_err)?)
    }

    /// The top `top` principal axes (units per axis where the eigenvalue is separated, each
    /// unit's activity) and, with `k > 0`, whether the unit basis is privileged against `k`
    /// seeded random rotations (rows held in memory). `options`: `AlignSettings` (`{top, k,
    /// seed}`); with `k = 0` the rows are streamed.
    pub fn alignment(&self, options: &JsValue, progress: Option<Function>) -> Result<JsValue, JsError> {
        let settings: crate::alignment::AlignSettings = decode(options, "alignment options")?;
        let report = if settings.k > 0 {
            crate::alignment::align_matrix(&self.read_all().map_err(js_err)?, &settings)
        } else {
            let mut opened = self.open(None).map_err(js_err)?;
            crate::alignment::axis_alignment(opened.rows.as_mut(), settings.top, &mut progress_callback(progress))
        };
        to_js(&report.map_err(js_err)?)
    }

    /// The bootstrap of α over rows, in blocks: `options.block` rows, or whole sequences of a
    /// 3-D tensor by default (`bootstrap::sequence_block`). `options`: `BootstrapSettings`;
    /// `progress(resamplesDone)`.
    pub fn bootstrap(&self, options: &JsValue, progress: Option<Function>) -> Result<JsValue, JsError> {
        let mut settings: crate::bootstrap::BootstrapSettings = decode(options, "bootstrap options")?;
        let x = self.read_all().map_err(js_err)?;
        let sequences = match settings.block {
            None => self.info.borrow().as_ref().and_then(crate::bootstrap::sequence_block),
            Some(_) => None,
        };
        settings.block = settings.block.or(sequences);
        let mut on_done = |done: usize| match &progress {
            Some(f) => f.call1(&JsValue::NULL, &(done as f64).into()).is_ok(),
            None => true,
        };
        let mut report = crate::bootstrap::bootstrap_alpha(&x, &settings, &mut on_done).map_err(js_err)?;
        if let Some(t) = sequences {
            report.warnings.insert(0, crate::bootstrap::whole_sequences_note(t));
        }
        to_js(&report)
    }

    /// Cross-validated PCA of this file (repeat 1) against `other` (repeat 2), same rows in the
    /// same order. `options`: `CvpcaSettings`.
    pub fn cvpca(&self, other: &OpenedFile, options: &JsValue, progress: Option<Function>) -> Result<JsValue, JsError> {
        let settings: crate::crossval::CvpcaSettings = decode(options, "cvPCA options")?;
        let mut a = self.open(None).map_err(js_err)?;
        let mut b = other.open(None).map_err(js_err)?;
        let report =
            crate::crossval::cvpca(a.rows.as_mut(), b.rows.as_mut(), &settings, &mut progress_callback(progress))
                .map_err(js_err)?;
        to_js(&report)
    }
}
