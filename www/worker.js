// The analysis worker: one wasm instance. A file is handed to Rust as an OpenedFile, which
// reads it in chunks itself (web-sys: Blob.slice, which is lazy, and FileReaderSync), so the
// page never freezes and the file is never copied whole. Every message is
// { id, type, ...payload }; the answer is { id, type: 'result', result } or
// { id, type: 'error', message }, with { id, type: 'progress', ... } in between.
import init, {
  OpenedFile, analyzeMomentsFiles, reportFromParts, refit, rowShares, rules, verdict, analyzeDemo, synthSweep, trainToy,
  toySettings, compareLayers, rowSharesTopK, TopKSolver, reportHtml, fullBytes,
} from './pkg/eigenlens.js';

// The engine's first message is { type: 'init', module }: the wasm it compiled once for all
// workers (or no module, and this worker fetches the wasm itself).
let arrived;
const ready = new Promise((resolve) => { arrived = resolve; })
  .then((module) => init(module ? { module_or_path: module } : undefined));
let wasm;
ready.then((exports) => { wasm = exports; });

/** The size of this worker's wasm memory, in bytes (it only grows). */
const wasmBytes = () => wasm?.memory.buffer.byteLength ?? 0;

/**
 * Posts progress (bytes done, bytes total, rows read) at most every 50 ms; `flush()` posts the
 * last values, so the page's count ends at the true total even when the last block was throttled.
 */
function progressReporter(id) {
  let last = 0;
  let latest = null;
  const post = () => latest && postMessage({ id, type: 'progress', ...latest, wasmBytes: wasmBytes() });
  const report = (done, total, rows) => {
    latest = { done, total, rows };
    const now = performance.now();
    if (now - last > 50 || done >= total) {
      last = now;
      post();
      latest = null;
    }
    return true;
  };
  report.flush = post;
  return report;
}

/** Runs `analysis(progress)` with a progress reporter for `id`, flushed at the end. */
function reporting(id, analysis) {
  const progress = progressReporter(id);
  const result = analysis(progress);
  progress.flush();
  return result;
}

/**
 * Runs `use(opened)` on the file (array `key`, read as `read` says: header, index column,
 * transpose, skipped positions), then frees the Rust side.
 */
function withFile(file, key, read, use) {
  const opened = new OpenedFile(file, key ?? undefined, read ?? undefined);
  try {
    return use(opened);
  } finally {
    opened.free();
  }
}

/** This worker's top-k solver, when it is the engine's solver worker. */
let solver = null;
/** The pass to run next: {input (Float64Array, moved) or null when done, passes, max_passes}. */
function solverState() {
  const input = solver.passInput() ?? null;
  const state = { input, passes: solver.passes(), max_passes: solver.maxPasses };
  return input ? transfer(state, [input.buffer]) : state;
}

const handlers = {
  // Every array in the file, as the reader describes them (all fields passed through).
  list: ({ file }) => withFile(file, null, null, (f) => f.list()),
  // The core's plan for splitting the array over `readers` workers: { info, shares: [[from, to], …] },
  // with full_bytes, what one worker holds for the full analysis of this width (the core's rule).
  // A moments file has no rows to split: no shares, so one worker analyses it.
  // With `top`, the plan of a top-k pass (rowSharesTopK: any width); with `budget`, the k the
  // page proposes for a file too wide for its D × D moments (TopKSolver.defaultK).
  plan: ({ file, key, read, rows, readers, top, budget }) => withFile(file, key, read, (f) => {
    const info = f.info();
    const moments = f.isMoments;
    const split = top ? rowSharesTopK : rowShares;
    const proposedK = budget && info.cols > 0 ? TopKSolver.defaultK(info.cols, 256, budget) : null;
    const shares = moments ? [] : split(file.name, info, rows ?? null, readers);
    return { info, moments, proposed_k: proposedK, shares, full_bytes: fullBytes(info.cols) };
  }),
  // One reader's share of a top-k pass over rows [from, to) (the rows stay in Rust), flat.
  topkPass({ id, file, key, read, input, from, to }) {
    const flat = withFile(file, key, read, (f) => reporting(id, (p) => f.topKPass(input, from, to, p)));
    return transfer(flat, [flat.buffer]);
  },
  // The top-k solver's state, held by a worker of its own between passes (engine.js).
  topkNew({ d, k, options }) {
    solver?.free();
    solver = new TopKSolver(d, k, options ?? {});
    return solverState();
  },
  topkShare: ({ share }) => solver.addShare(share),
  topkEnd() {
    solver.endPass();
    return solverState();
  },
  topkFinish: () => solver.finish(),
  analyze: ({ id, file, key, read, options }) => withFile(file, key, read, (f) =>
    reporting(id, (p) => f.analyze(options, p))),
  // Moments files over disjoint rows of one layer, merged by the core (several GPUs' shares).
  analyzeMoments: ({ files, key, read, options }) => analyzeMomentsFiles(files, key ?? undefined, read, options),
  // A share of a parallel analysis: the moments of rows [from, to), handed back flat.
  part({ id, file, key, read, options, from, to }) {
    const flat = withFile(file, key, read, (f) =>
      reporting(id, (p) => f.part({ rows: [from, to], drop_nonfinite: options?.drop_nonfinite }, p)));
    return transfer(flat, [flat.buffer]);
  },
  // The shares merged: options { fit, standardize, remove_top, dtype }.
  merge: ({ parts, options }) => reportFromParts(parts, options),
  // One sparsity of the toy model; progress is (step, loss), at most every 50 ms.
  toy({ id, settings, index }) {
    let last = 0;
    return trainToy(settings, index, (step, loss) => {
      const now = performance.now();
      if (now - last > 50 || step >= settings.steps) {
        last = now;
        postMessage({ id, type: 'progress', step, loss, wasmBytes: wasmBytes() });
      }
      return true;
    });
  },
  toySettings: ({ settings, count }) => toySettings(settings, count),
  cvpca: ({ id, fileA, fileB, keyA, keyB, read, options }) => withFile(fileA, keyA, read, (a) =>
    withFile(fileB, keyB, read, (b) => reporting(id, (p) => a.cvpca(b, options, p)))),
  // The repeat (an OpenedFile) is handed to Rust, which frees it.
  sweep: ({ file, key, read, param, repeat, repeatKey, options }) => withFile(file, key, read, (f) =>
    f.sweep(options, param ?? undefined,
      repeat ? new OpenedFile(repeat, repeatKey ?? undefined, read ?? undefined) : undefined)),
  synthSweep: ({ kind, alpha, rows, cols, seed, options }) => synthSweep({ kind, alpha, rows, cols, seed }, options),
  // options: { top, k, seed } (k random rotations for the basis-privilege test; 0: none).
  alignment: ({ id, file, key, read, options }) => withFile(file, key, read, (f) =>
    reporting(id, (p) => f.alignment(options, p))),
  bootstrap: ({ id, file, key, read, options }) => withFile(file, key, read, (f) => f.bootstrap(options,
    (done) => { postMessage({ id, type: 'progress', done, total: options?.b }); return true; })),
  demo: ({ kind, alpha, rows, cols, seed, options }) => analyzeDemo({ kind, alpha, rows, cols, seed }, options),
  // The report refitted whole: α, its diagnostics and warnings (no file read).
  refit: ({ report, fit }) => refit(report, fit),
  rules: () => rules(),
  // Several files' α over one common range: reports [{name, n_rows, n_cols, numerical_rank, eigenvalues}], fit.
  compare: ({ reports, fit }) => compareLayers(reports, fit),
  verdict: ({ alpha, lo, hi, source, d }) => verdict({ alpha, lo, hi, source, d }),
  // The standalone HTML report (Save report): the report (object and JSON text) and the
  // package files in, the HTML text out.
  reportHtml: ({ report, reportJson, bundle, worker, wasm, options }) =>
    reportHtml(report, reportJson, bundle, worker, wasm, options),
};

/** Marks a result whose buffers move to the page instead of being copied. */
const TRANSFER = Symbol('transfer');
const transfer = (value, buffers) => ({ [TRANSFER]: buffers, value });

self.onmessage = async ({ data }) => {
  if (data.type === 'init') return arrived(data.module);
  try {
    await ready;
    const handler = handlers[data.type];
    if (!handler) throw new Error(`unknown message type '${data.type}'`);
    let result = handler(data);
    const buffers = result?.[TRANSFER] ?? [];
    if (buffers.length) result = result.value;
    postMessage({ id: data.id, type: 'result', result, wasmBytes: wasmBytes() }, buffers);
  } catch (e) {
    postMessage({ id: data.id, type: 'error', message: e?.message ?? String(e) });
  }
};
