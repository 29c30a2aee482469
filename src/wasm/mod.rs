//! The browser binding: a thin wasm-bindgen layer over the core, called from the Web Worker.
//!
//! - [`file::OpenedFile`]: a file the user chose (and the array in it), read from Rust through
//!   web-sys in chunks, with a method per analysis (analyze, part, sweep, alignment,
//!   bootstrap, cvpca, list, info).
//! - Free functions for what needs no file: merging workers' shares (`reportFromParts`),
//!   refitting α, the plan (`rowShares`), the rules the page shows (`rules`), the smoothness
//!   verdict (`verdict`), the demo and synthetic codes, the toy model, the kernel benchmark.
//! - [`report`]: the standalone HTML report ("Save report"), the same function as the CLI's.
//! - [`options`]: every settings object is decoded there; a malformed or unknown field is an
//!   error that names it.

mod bench;
mod file;
mod options;
mod report;
mod topk;

use crate::analysis::{self, Options, Preprocess, Share};
use crate::error::{Error, Result};
use crate::read::{self, ArrayInfo};
use crate::smoothness::{HighDim, InputDim};
use crate::stats::{Estimator, FitRequest, RangePreset};
use crate::synth;
use js_sys::Function;
use options::{decode, decode_required};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsError::new(&e.to_string()))
}

/// The core's progress callback over a JS `progress(bytesDone, bytesTotal, rowsDone)` (none:
/// no reports).
fn progress_callback(progress: Option<Function>) -> impl FnMut(read::Progress, u64) -> bool {
    move |p: read::Progress, rows: u64| match &progress {
        Some(f) => {
            let args = js_sys::Array::of3(
                &(p.bytes_done as f64).into(),
                &(p.bytes_total as f64).into(),
                &(rows as f64).into(),
            );
            f.apply(&JsValue::NULL, &args).is_ok()
        }
        None => true,
    }
}

fn js_err(e: Error) -> JsError {
    JsError::new(&e.to_string())
}

/// What `reportFromParts` takes: the fit, the preprocessing and the array's stored type (whose
/// rounding noise the shares carry).
#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct MergeOptions {
    fit: FitRequest,
    standardize: bool,
    remove_top: usize,
    centre_positions: bool,
    /// The array's `dtype` (`ArrayInfo::dtype`); absent: a type that does not round.
    dtype: Option<String>,
}

/// Merges the workers' shares (each `Share::to_flat`, Chan update in the order given) and
/// computes the report (`analysis::report_from`) with `options` (`{fit, standardize,
/// remove_top, dtype}`), the precision floor included when the stored type rounds.
#[wasm_bindgen(js_name = reportFromParts)]
pub fn report_from_parts(parts: js_sys::Array, options: &JsValue) -> Result<JsValue, JsError> {
    let o: MergeOptions = decode(options, "merge options")?;
    let dtype = o.dtype.as_deref().unwrap_or("f64");
    let parts = parts
        .iter()
        .map(|part| Share::from_flat(&js_sys::Float64Array::new(&part).to_vec(), dtype))
        .collect::<Result<Vec<_>>>()
        .map_err(js_err)?;
    let share = Share::merge_all(parts).map_err(js_err)?;
    // The flat shares carry no position sums: the engine reads a per-position-centred tensor
    // with one worker, and an options object asking the merge for it is refused by the core.
    let pre = Preprocess { standardize: o.standardize, remove_top: o.remove_top, centre_positions: o.centre_positions };
    to_js(&analysis::report_from(share.acc, share.rounding.as_ref(), &o.fit, &pre).map_err(js_err)?)
}

/// Refits α on a report already computed (another estimator or range; no file read): the
/// report comes back with its fit, fit diagnostics and warnings redone (`analysis::refit`).
#[wasm_bindgen]
pub fn refit(report: JsValue, fit: &JsValue) -> Result<JsValue, JsError> {
    let fit: FitRequest = decode_required(fit, "fit settings")?;
    // The report is bulk data written by the core: serde-wasm-bindgen, not the options path.
    let mut report: analysis::Report =
        serde_wasm_bindgen::from_value(report).map_err(|e| JsError::new(&format!("invalid report: {e}")))?;
    analysis::refit(&mut report, &fit);
    to_js(&report)
}

/// The core's plan for splitting the array `info` of the file `fileName` over `readers`
/// workers, restricted to `rows` (`[from, to]` or null): `[[from, to], …]`, one range when
/// splitting would not pay (`eigenlens::plan::row_shares`).
#[wasm_bindgen(js_name = rowShares)]
pub fn row_shares(file_name: &str, info: &JsValue, rows: &JsValue, readers: usize) -> Result<JsValue, JsError> {
    let info: ArrayInfo = decode_required(info, "array info")?;
    let rows: Option<[u64; 2]> = decode(rows, "row range")?;
    let shares = crate::plan::row_shares(file_name, &info, rows.map(|[a, b]| a..b), readers);
    to_js(&shares.into_iter().map(|r| [r.start, r.end]).collect::<Vec<_>>())
}

/// Bytes one worker holds for the full analysis of `d` units: the D × D moments and the
/// eigendecomposition's D × D matrix (`eigenlens::plan::merge_bytes`), for the page's check
/// against its per-worker budget.
#[wasm_bindgen(js_name = fullBytes)]
pub fn full_bytes(d: usize) -> f64 {
    crate::plan::merge_bytes(d) as f64
}

/// A named fit range, as the page offers it.
#[derive(Serialize)]
struct FitPreset {
    name: &'static str,
    lo: usize,
    hi: usize,
    label: String,
    /// Where the range comes from (`RangePreset::source`).
    source: String,
}

/// A named input dimension of the smoothness verdict.
#[derive(Serialize)]
struct DPreset {
    name: &'static str,
    d: InputDim,
    label: &'static str,
}

#[derive(Serialize)]
struct EstimatorRule {
    name: String,
    label: &'static str,
}

#[derive(Serialize)]
struct Rules {
    fit_presets: Vec<FitPreset>,
    d_presets: Vec<DPreset>,
    estimators: Vec<EstimatorRule>,
    /// Why the bootstrap is off after preprocessing (`bootstrap::PREPROCESSED`).
    bootstrap_preprocessed: &'static str,
}

/// The fit presets, input-dimension presets and estimators, from the core's enums, so that the
/// page shows the core's ranges and names (the labels' words are the page's).
#[wasm_bindgen]
pub fn rules() -> Result<JsValue, JsError> {
    let fit_presets = RangePreset::ALL
        .iter()
        .map(|&preset| {
            let (lo, hi) = preset.bounds();
            let who = match preset {
                RangePreset::Stringer => "Stringer et al. 2019",
                RangePreset::AlphaReq => "α-ReQ, Agrawal et al. 2022",
            };
            FitPreset {
                name: preset.name(),
                lo,
                hi,
                label: format!("{lo} … {hi} ({who})"),
                source: preset.source().to_string(),
            }
        })
        .collect::<Vec<_>>();
    let d_presets = vec![
        DPreset { name: "1", d: InputDim::Finite(1.0), label: "1: a one-parameter sweep (angle, position)" },
        DPreset { name: "2", d: InputDim::Finite(2.0), label: "2: a two-parameter family" },
        DPreset { name: "high", d: InputDim::High(HighDim::High), label: "high: natural images or text" },
    ];
    let estimators = [Estimator::Stringer, Estimator::Ols]
        .into_iter()
        .map(|e| EstimatorRule {
            name: e.to_string(),
            label: match e {
                Estimator::Stringer => "stringer (weighted 1/n)",
                Estimator::Ols => "ols (least squares)",
            },
        })
        .collect();
    to_js(&Rules { fit_presets, d_presets, estimators, bootstrap_preprocessed: crate::bootstrap::PREPROCESSED })
}

/// What the verdict is asked about: α (null without a valid fit), its interval `[lo, hi]` and
/// where α comes from (`source`), and the input dimension `d` (a number or "high").
#[derive(Serialize, Deserialize)]
struct VerdictRequest {
    alpha: Option<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
    /// "plain" or "cross_validated"; plain when absent.
    #[serde(default)]
    source: crate::smoothness::AlphaSource,
    d: InputDim,
}

/// The core's smoothness verdict (`smoothness::smoothness_verdict`) for `{alpha, lo, hi,
/// source, d}`.
#[wasm_bindgen]
pub fn verdict(request: &JsValue) -> Result<JsValue, JsError> {
    let r: VerdictRequest = decode_required(request, "verdict request")?;
    if let InputDim::Finite(d) = r.d {
        if !(d > 0.0 && d.is_finite()) {
            return Err(JsError::new(&format!("invalid verdict request: option 'd': {d} is not a positive number")));
        }
    }
    let interval = match (r.lo, r.hi) {
        (Some(lo), Some(hi)) => Some([lo, hi]),
        _ => None,
    };
    to_js(&crate::smoothness::smoothness_verdict(r.alpha, interval, r.source, r.d))
}

/// A synthetic code (METHODS.md, "Synthetic codes"): `kind` "fourier" or "gaussian", α, N, D
/// and the seed.
#[derive(Serialize, Deserialize)]
#[serde(default)]
struct SynthCode {
    kind: String,
    alpha: f64,
    rows: usize,
    cols: usize,
    seed: u64,
}

impl Default for SynthCode {
    fn default() -> Self {
        SynthCode { kind: "fourier".into(), alpha: 1.5, rows: 2000, cols: 256, seed: 1 }
    }
}

impl SynthCode {
    fn title(&self) -> &str {
        match self.kind.as_str() {
            "fourier" => "Fourier",
            "gaussian" => "Gaussian",
            other => other,
        }
    }

    fn generate(&self) -> Result<crate::matrix::Matrix, JsError> {
        let SynthCode { alpha, rows, cols, seed, .. } = *self;
        let out_of_range = if alpha.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) || alpha >= 20.0 {
            Some(format!("'alpha': {alpha} is outside 0 < α < 20"))
        } else if !(3..=1 << 16).contains(&rows) {
            Some(format!("'rows': N = {rows} is outside 3 ≤ N ≤ 65 536"))
        } else if !(2..=4096).contains(&cols) {
            Some(format!("'cols': D = {cols} is outside 2 ≤ D ≤ 4096"))
        } else {
            None
        };
        if let Some(why) = out_of_range {
            return Err(JsError::new(&format!("invalid synthetic code: option {why}")));
        }
        match self.kind.as_str() {
            "fourier" => Ok(synth::fourier_code(alpha, rows, cols, Some(seed))),
            "gaussian" => Ok(synth::gaussian_code(alpha, rows, cols, seed)),
            other => Err(JsError::new(&format!(
                "invalid synthetic code: option 'kind': '{other}' is not 'fourier' or 'gaussian'"
            ))),
        }
    }
}

/// The built-in demo: a synthetic code `{kind, alpha, rows, cols, seed}` analysed with
/// `options` (`{fit, drop_nonfinite}`).
#[wasm_bindgen(js_name = analyzeDemo)]
pub fn analyze_demo(code: &JsValue, options: &JsValue) -> Result<JsValue, JsError> {
    let code: SynthCode = decode(code, "demo code")?;
    let options: Options = decode(options, "analysis options")?;
    let m = code.generate()?;
    let mut blocks = read::SliceRows::new(&m.data, m.cols);
    let mut report = analysis::analyze(&mut blocks, &options, &mut |_, _| true).map_err(js_err)?;
    report.source = Some(ArrayInfo {
        name: format!("demo: {} code, α = {}, seed {}", code.title(), code.alpha, code.seed),
        dtype: "f64".into(),
        shape: vec![m.rows as u64, m.cols as u64],
        fortran_order: false,
        rows: m.rows as u64,
        cols: m.cols,
        flattened: None,
        data_bytes: (m.rows * m.cols * 8) as u64,
        ..ArrayInfo::default()
    });
    to_js(&report)
}

/// A synthetic code `{kind, alpha, rows, cols, seed}` analysed as a sweep: its spectrum, its
/// projection curves and roughness, to set beside the user's data.
#[wasm_bindgen(js_name = synthSweep)]
pub fn synth_sweep(code: &JsValue, options: &JsValue) -> Result<JsValue, JsError> {
    let code: SynthCode = decode(code, "synthetic code")?;
    let settings: crate::smoothness::SweepSettings = decode(options, "sweep options")?;
    to_js(&crate::smoothness::analyze_sweep(&code.generate()?, None, &settings).map_err(js_err)?)
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
pub fn train_toy(settings: &JsValue, index: usize, progress: Option<Function>) -> Result<JsValue, JsError> {
    let settings: crate::toy::ToySettings = decode::<crate::toy::ToySettingsInput>(settings, "toy settings")?.into();
    let mut on_step = |step: usize, loss: f64| match &progress {
        Some(f) => f.call2(&JsValue::NULL, &(step as f64).into(), &loss.into()).is_ok(),
        None => true,
    };
    let run = crate::toy::train_one(&settings, index, &mut on_step).map_err(js_err)?;
    // Through JSON text: the run's derived 64-bit seed does not fit a JS number exactly, and
    // the page shows it only as a label.
    let json = serde_json::to_string(&run).map_err(|e| JsError::new(&e.to_string()))?;
    js_sys::JSON::parse(&json).map_err(|_| JsError::new("the toy run could not be passed to JavaScript"))
}

/// Complete toy settings from the page's controls: missing fields take the values of the preset
/// `settings.preset` names (`default`, METHODS.md's defaults, when it names none)
/// and the sparsity grid is the default one with `count` values (the CLI's `--sparsities`),
/// computed here so that the page's sparsities are bit-for-bit the CLI's.
#[wasm_bindgen(js_name = toySettings)]
pub fn toy_settings(settings: &JsValue, count: &JsValue) -> Result<JsValue, JsError> {
    // Through ToySettingsInput, which writes `preset` back: decoding ToySettings itself would
    // call the preset an unknown option (a ToySettings does not keep its preset's name).
    let mut settings: crate::toy::ToySettings =
        decode::<crate::toy::ToySettingsInput>(settings, "toy settings")?.into();
    let count: usize = decode_required(count, "sparsity count")?;
    settings.sparsities = crate::toy::default_sparsities(count);
    settings.validate().map_err(js_err)?;
    to_js(&settings)
}

/// One file of a layer comparison, as the page holds it: its analysis report's spectrum (any
/// other keys of the report are ignored) under the name the page shows.
#[derive(Deserialize)]
struct LayerInput {
    name: String,
    n_rows: u64,
    n_cols: usize,
    numerical_rank: usize,
    /// Descending eigenvalues (the report's `eigenvalues`).
    eigenvalues: Vec<f64>,
}

/// α of several files over one common range of ranks (`stats::compare::compare`, as `eigenlens
/// compare` fits it): `reports` is an array of `{name, n_rows, n_cols, numerical_rank,
/// eigenvalues}` (an analysis report with a `name` added will do), `fit` the requested
/// `{estimator, lo, hi}`. Returns the `Comparison`: the common range, what limited it, each
/// file's N/D and fit on it, and the warnings.
#[wasm_bindgen(js_name = compareLayers)]
pub fn compare_layers(reports: JsValue, fit: &JsValue) -> Result<JsValue, JsError> {
    let fit: FitRequest = decode_required(fit, "fit settings")?;
    // Bulk data written by the core: serde-wasm-bindgen, not the options path.
    let layers: Vec<LayerInput> =
        serde_wasm_bindgen::from_value(reports).map_err(|e| JsError::new(&format!("invalid layer reports: {e}")))?;
    let spectra: Vec<_> = layers
        .iter()
        .map(|l| crate::stats::compare::LayerSpectrum {
            name: &l.name,
            n_rows: l.n_rows,
            n_cols: l.n_cols,
            numerical_rank: l.numerical_rank,
            eigenvalues: &l.eigenvalues,
        })
        .collect();
    to_js(&crate::stats::compare::compare(&spectra, &fit))
}
