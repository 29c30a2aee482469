//! The top-k solver for the page (issue 16): the solver's state lives in a [`TopKSolver`]
//! between passes; the rows of each pass are added either here ([`TopKSolver::pass_block`],
//! one reader) or by workers, each with a [`TopKPassWorker`] built from
//! [`TopKSolver::pass_input`] over its row share (`rowShares`), whose flat share the solver
//! merges ([`TopKSolver::add_share`]). Shares add up, so the split changes speed, not a number
//! (up to the order of additions). See `crate::linalg::topk` for the maths.
//!
//! Driving it: `s = new TopKSolver(d, k, options)`; while `s.passInput()` is not undefined:
//! feed every row (to `s.passBlock` or to workers and `s.addShare`), then `s.endPass()`;
//! finally `s.finish()` is the report (`top_k`, bounds, residuals).

use super::{js_err, options::decode, to_js};
use crate::analysis;
use crate::linalg::topk::{PassInput, PassShare, Settings, TopK};
use crate::stats::FitRequest;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// `new TopKSolver(d, k, {fit, oversample, tol, max_passes, seed})`.
#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct TopKOptions {
    fit: FitRequest,
    oversample: Option<usize>,
    tol: Option<f64>,
    max_passes: Option<usize>,
    seed: Option<u64>,
}

/// The solver between passes, and the share of the pass under way.
#[wasm_bindgen]
pub struct TopKSolver {
    solver: TopK,
    fit: FitRequest,
    input: Option<PassInput>,
    share: Option<PassShare>,
    max_passes: usize,
}

#[wasm_bindgen]
impl TopKSolver {
    /// A solver for the top `k` of rows of `d` units; k < 1, k > D and k > 2048 are refused.
    #[wasm_bindgen(constructor)]
    pub fn new(d: usize, k: usize, options: &JsValue) -> Result<TopKSolver, JsError> {
        let o: TopKOptions = decode(options, "top-k options")?;
        let base = Settings::default();
        let settings = Settings {
            oversample: o.oversample.unwrap_or(base.oversample),
            tol: o.tol.unwrap_or(base.tol),
            max_passes: o.max_passes.unwrap_or(base.max_passes),
            seed: o.seed.unwrap_or(base.seed),
            ..base
        };
        let solver = TopK::new(d, k, settings).map_err(js_err)?;
        let input = solver.next_pass();
        let share = input.as_ref().map(PassShare::new);
        Ok(TopKSolver { solver, fit: o.fit, input, share, max_passes: settings.max_passes })
    }

    /// Bytes the solver will hold at most (before the first pass), for the page's budget.
    #[wasm_bindgen(js_name = memoryBytes)]
    pub fn memory_bytes(d: usize, k: usize) -> f64 {
        Settings::default().memory_bytes(d, k) as f64
    }

    /// The largest k ≤ `most` whose solver fits `budget` bytes (`memoryBytes(d, k) ≤ budget`), at
    /// least 1: the page's proposed k for a file too wide for the D × D moments.
    #[wasm_bindgen(js_name = defaultK)]
    pub fn default_k(d: usize, most: usize, budget: f64) -> usize {
        let s = Settings::default();
        let most = most.clamp(1, d.clamp(1, crate::linalg::topk::MAX_K));
        (1..=most).rev().find(|&k| (s.memory_bytes(d, k) as f64) <= budget).unwrap_or(1)
    }

    /// What a worker needs for the pass under way (`PassInput::to_flat`), or undefined when
    /// the solver is done.
    #[wasm_bindgen(js_name = passInput)]
    pub fn pass_input(&self) -> Option<Vec<f64>> {
        self.input.as_ref().map(PassInput::to_flat)
    }

    /// 0 for the first pass (moments), 1 for a product pass, undefined when done.
    #[wasm_bindgen(js_name = passKind)]
    pub fn pass_kind(&self) -> Option<u8> {
        self.input.as_ref().map(|i| match i.kind() {
            crate::linalg::topk::PassKind::Moments => 0,
            crate::linalg::topk::PassKind::Product => 1,
        })
    }

    /// Adds `n` rows (row-major) to this pass.
    #[wasm_bindgen(js_name = passBlock)]
    pub fn pass_block(&mut self, rows: &[f64], n: usize) -> Result<(), JsError> {
        match (&self.input, self.share.as_mut()) {
            (Some(input), Some(share)) => share.add_rows(input, rows, n).map_err(js_err),
            _ => Err(JsError::new("top k: the solver is done; no pass takes rows")),
        }
    }

    /// Adds a worker's share of this pass (`TopKPassWorker.share()`).
    #[wasm_bindgen(js_name = addShare)]
    pub fn add_share(&mut self, flat: &[f64]) -> Result<(), JsError> {
        let part = PassShare::from_flat(flat).map_err(js_err)?;
        match self.share.as_mut() {
            Some(share) => share.merge(&part).map_err(js_err),
            None => Err(JsError::new("top k: the solver is done; no pass takes shares")),
        }
    }

    /// Ends the pass; true when the solver is done (then `finish`).
    #[wasm_bindgen(js_name = endPass)]
    pub fn end_pass(&mut self) -> Result<bool, JsError> {
        let Some(share) = self.share.take() else { return Ok(true) };
        let done = self.solver.finish_pass(share).map_err(js_err)?;
        self.input = if done { None } else { self.solver.next_pass() };
        self.share = self.input.as_ref().map(PassShare::new);
        Ok(self.input.is_none())
    }

    /// The most passes the solver makes, the first (moments) included, for "pass i of at most n".
    #[wasm_bindgen(getter, js_name = maxPasses)]
    pub fn max_passes(&self) -> usize {
        self.max_passes + 1
    }

    /// Passes finished so far.
    pub fn passes(&self) -> usize {
        self.solver.passes()
    }

    /// The report (`analysis::top_k_report`) once done.
    pub fn finish(&self) -> Result<JsValue, JsError> {
        let sol = self
            .solver
            .solution()
            .ok_or_else(|| JsError::new("top k: passes remain; finish after endPass() returns true"))?;
        to_js(&analysis::top_k_report(sol, self.solver.dim(), &self.fit))
    }
}

/// The core's plan for one top-k pass over the array `info` of `fileName`, restricted to
/// `rows` (`[from, to]` or null): `[[from, to], …]` (`eigenlens::plan::row_shares_top_k`, which
/// splits files of any width, unlike `rowShares`).
#[wasm_bindgen(js_name = rowSharesTopK)]
pub fn row_shares_top_k(file_name: &str, info: &JsValue, rows: &JsValue, readers: usize) -> Result<JsValue, JsError> {
    let info: crate::read::ArrayInfo = super::options::decode_required(info, "array info")?;
    let rows: Option<[u64; 2]> = decode(rows, "row range")?;
    let shares = crate::plan::row_shares_top_k(file_name, &info, rows.map(|[a, b]| a..b), readers);
    to_js(&shares.into_iter().map(|r| [r.start, r.end]).collect::<Vec<_>>())
}

/// One worker's share of one pass: built from the solver's `passInput()`, fed its rows, and
/// handed back as `share()` (a Float64Array) for `TopKSolver.addShare`.
#[wasm_bindgen]
pub struct TopKPassWorker {
    input: PassInput,
    share: PassShare,
}

#[wasm_bindgen]
impl TopKPassWorker {
    #[wasm_bindgen(constructor)]
    pub fn new(input: &[f64]) -> Result<TopKPassWorker, JsError> {
        let input = PassInput::from_flat(input).map_err(js_err)?;
        let share = PassShare::new(&input);
        Ok(TopKPassWorker { input, share })
    }

    /// Adds `n` rows (row-major).
    #[wasm_bindgen(js_name = addRows)]
    pub fn add_rows(&mut self, rows: &[f64], n: usize) -> Result<(), JsError> {
        self.share.add_rows(&self.input, rows, n).map_err(js_err)
    }

    /// The share (`PassShare::to_flat`).
    pub fn share(&self) -> Vec<f64> {
        self.share.to_flat()
    }
}
