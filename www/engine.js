// The engine: the page's (and every embedded element's) handle on the analysis workers.
// One module instance per page, so several figures share the workers and each loads wasm once.
//
// A pool of one worker per core (navigator.hardwareConcurrency, up to 16), each with its
// own wasm instance and running one task at a time; tasks wait in one queue and go to the
// first idle worker. A job (one `run` call) is one task, or for a large seekable file several:
// the core's plan (`rowShares`, through the worker) splits the rows, each worker reads its
// own range straight from the File and returns its moments, and one worker merges them
// (`Accumulated::merge_all`, the Chan update) into the report. No SharedArrayBuffer, so any
// static host works. Cancelling a job terminates only the workers running its tasks; fresh
// ones start on demand, and other jobs go on.

import { compileWasm, newWorker, unreachable, workerSource } from './assets.js';

// One worker per logical core (issue 15), up to 16. How many of them read one file's rows is the
// core's plan, by a memory budget (src/plan.rs: each reader holds D² · 8 bytes of moments), so a
// wide file uses fewer; the other jobs (toy runs, sweeps) hold little each.
const MAX_WORKERS = 16;

// The memory budget of one worker, and what the full analysis of a D-unit file needs in it. The
// core's plan splits the rows over as many readers as its memory budget allows (src/plan.rs:
// D² · 8 bytes each, plus the merge); the worker that merges holds the D × D moments and, for
// the eigenvalues, about as much again: 2 · D² · 8 bytes (1 GiB at D = 8192, which the page
// runs; 4 GiB at D = 16 384, beyond a wasm32 instance): the plan's `full_bytes`, from the core
// (src/plan.rs merge_bytes, through the worker). Above the
// budget the page does not start the full analysis: it proposes the top k eigenvalues only,
// with the largest k ≤ 256 whose solver fits TOP_K_BUDGET (TopKSolver.memoryBytes).
export const WORKER_BUDGET = 2 ** 30;
export const TOP_K_BUDGET = 768 * 2 ** 20;

/** The peak wasm memory (bytes) any worker has reported, for the large-file tests. */
export const stats = { wasmBytes: 0, workersUsed: 0 };

/** How many workers a parallel job may use. */
export const poolSize = () => Math.max(1, Math.min(navigator.hardwareConcurrency || 2, MAX_WORKERS));

/** Worker slots: { worker (null until needed), task (the one running, or null) }. */
const slots = [];
/** Tasks waiting for an idle worker, in order. */
const queue = [];
/** Jobs not yet settled, for cancel(). */
const jobs = new Set();
let nextId = 0;

const cancelled = () => new Error('cancelled');

let wasmModule = null;
/** The wasm, fetched and compiled once per page and handed to every worker (each instantiates it). */
function compiledWasm() {
  wasmModule ??= compileWasm();
  wasmModule.catch(() => { wasmModule = null; });
  return wasmModule;
}

/**
 * A new analysis worker with the page's compiled wasm: `onFail(error)` hears why it could not
 * start (the wasm or the worker script did not load), in words that name the asset.
 */
function startWorker(onFail) {
  let w;
  try {
    w = newWorker();
  } catch (e) {
    // e.g. a Content-Security-Policy without worker-src blob: for a worker on another origin
    setTimeout(() => onFail(unreachable(workerSource(), e.message)));
    return { postMessage() {}, terminate() {} };
  }
  compiledWasm().then((module) => w.postMessage({ type: 'init', module }), onFail);
  return w;
}

/** Why a worker failed outside a message: its script did not load (blocked, CORS, 404) or it threw. */
const workerError = (e) => (e.message ? new Error(e.message) : unreachable(workerSource(), 'the worker script did not start'));

function spawn(slot) {
  const fail = (error) => {
    const t = slot.task;
    w.terminate();
    if (slot.worker === w) slot.worker = null;
    if (t) {
      release(t);
      t.reject(error);
    }
  };
  const w = startWorker(fail);
  w.onmessage = ({ data }) => {
    const t = slot.task;
    if (!t || t.id !== data.id) return;
    if (data.wasmBytes) stats.wasmBytes = Math.max(stats.wasmBytes, data.wasmBytes);
    if (data.type === 'progress') return t.onProgress?.(data);
    release(t);
    data.type === 'result' ? t.resolve(data.result) : t.reject(new Error(data.message));
  };
  // A worker that fails outside a message (its module did not load): its task fails, the
  // worker is dropped, and the next task gets a fresh one.
  w.onerror = (e) => {
    e.preventDefault?.();
    fail(workerError(e));
  };
  return w;
}

/** An idle slot, preferring a worker that is already running (its wasm is loaded). */
function idleSlot() {
  const n = poolSize();
  for (let i = 0; i < n; i++) slots[i] ??= { worker: null, task: null };
  const slot = slots.slice(0, n).find((s) => !s.task && s.worker) ?? slots.slice(0, n).find((s) => !s.task);
  if (slot) slot.worker ??= spawn(slot);
  return slot;
}

function dispatch() {
  while (queue.length) {
    const slot = idleSlot();
    if (!slot) return;
    const t = queue.shift();
    slot.task = t;
    t.slot = slot;
    slot.worker.postMessage({ ...t.message, id: t.id }, t.transfer);
  }
}

/** Frees the task's worker for the next task. */
function release(t) {
  t.job.tasks.delete(t);
  if (t.slot) t.slot.task = null;
  t.slot = null;
  dispatch();
}

/** Queues one message of `job` for a worker; resolves with its result. */
function task(job, message, onProgress, transfer = []) {
  if (job.cancelled) return Promise.reject(cancelled());
  return new Promise((resolve, reject) => {
    const t = { id: ++nextId, job, message, onProgress, transfer, resolve, reject, slot: null };
    job.tasks.add(t);
    queue.push(t);
    dispatch();
  });
}

/** Stops a job: its queued tasks are dropped, the workers running its tasks terminated. */
function stop(job) {
  if (job.cancelled) return;
  job.cancelled = true;
  for (const t of job.tasks) {
    if (t.slot) {
      t.slot.worker?.terminate();
      t.slot.worker = null;
      t.slot.task = null;
      t.slot = null;
    } else {
      queue.splice(queue.indexOf(t), 1);
    }
    t.reject(cancelled());
  }
  job.tasks.clear();
  for (const f of job.stops) f();
  job.reject(cancelled());
  dispatch();
}

/** Runs `body(job)` as one job, cancelled by `signal` (an AbortSignal) or by cancel(). */
function asJob(signal, body) {
  if (signal?.aborted) return Promise.reject(cancelled());
  const job = { tasks: new Set(), cancelled: false, reject: null, stops: [] };
  const onAbort = () => stop(job);
  const done = new Promise((resolve, reject) => {
    job.reject = reject;
    body(job).then(resolve, (e) => {
      reject(e);
      stop(job); // a failed share: the job's other tasks stop too
    });
  });
  jobs.add(job);
  signal?.addEventListener('abort', onAbort, { once: true });
  const forget = () => {
    jobs.delete(job);
    signal?.removeEventListener('abort', onAbort);
  };
  done.then(forget, forget);
  return done;
}

/**
 * Runs one job (`{type, ...payload}`) and resolves with its result; `onProgress({done, total,
 * rows})` hears about bytes and rows read. `analyze` jobs are split over the pool when the
 * core's plan says so. `signal` (an AbortSignal) cancels this job only: it rejects with
 * Error('cancelled') and the workers running it are replaced.
 */
export function run(message, onProgress, { signal } = {}) {
  return asJob(signal, (job) =>
    message.type === 'analyze' ? analyze(job, message, onProgress) : task(job, message, onProgress));
}

/** Stops every job at once (the workers are terminated; fresh ones start on demand). */
export function cancel() {
  for (const job of [...jobs]) stop(job);
  for (const slot of slots) {
    slot.worker?.terminate();
    slot.worker = null;
    slot.task = null;
  }
}

/**
 * The proposal of a top-k analysis for a file too wide for the full one, which needs `bytes` in
 * one worker: an Error with `proposal`.
 */
function proposal(info, k, bytes) {
  const d = info.cols;
  const gib = (b) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  const e = new Error(`D = ${d.toLocaleString('en')} units: the full covariance needs about ${gib(bytes)} ` +
    `(the D × D moments and their eigendecomposition, 2 · D² · 8 bytes) in one worker, above this page's ` +
    `${gib(WORKER_BUDGET)} budget, so the full analysis was not started. The top ${k} eigenvalues can be computed ` +
    'in passes over the rows without forming the covariance (α fitted within the top k; participation ratio, ' +
    'effective rank and k₉₀ then come as bounds).');
  e.proposal = { d, k, bytes, budget: WORKER_BUDGET };
  return e;
}

async function analyze(job, message, onProgress) {
  const { file, files, key, read, options } = message;
  // Several moments files (shares of one layer's rows): the core merges them in one worker.
  if (files?.length > 1) {
    stats.workersUsed = 1;
    return task(job, { type: 'analyzeMoments', files, key, read, options }, onProgress);
  }
  if (options?.top) return topK(job, message, onProgress);
  // Per-position centring needs each position's sums, which the flat shares do not carry: one worker.
  const readers = options?.centre_positions ? 1 : poolSize();
  let plan = null;
  try {
    plan = await task(job, { type: 'plan', file, key, read, rows: options?.rows ?? null, readers, budget: TOP_K_BUDGET });
  } catch (e) {
    if (job.cancelled) throw e; // otherwise the single-worker path reports the error in full
  }
  // Too wide for the D × D moments: nothing heavy starts; the caller offers top k instead.
  if (plan && !plan.moments && plan.full_bytes > WORKER_BUDGET) {
    throw proposal(plan.info, plan.proposed_k, plan.full_bytes);
  }
  if (!plan || plan.shares.length < 2) {
    stats.workersUsed = 1;
    return task(job, message, onProgress);
  }
  stats.workersUsed = plan.shares.length;
  // Each share reports the bytes it has read; the total is the bytes of all the shares' rows.
  const { info, shares } = plan;
  const rows = shares.at(-1)[1] - shares[0][0];
  const total = info.rows > 0 ? Math.round((info.data_bytes * rows) / info.rows) : 0;
  const seen = shares.map(() => ({ done: 0, rows: 0 }));
  const parts = await Promise.all(shares.map(([from, to], i) =>
    task(job, { type: 'part', file, key, read, options, from, to }, (p) => {
      seen[i] = p;
      const sum = (k) => seen.reduce((s, x) => s + x[k], 0);
      onProgress?.({ done: sum('done'), total, rows: sum('rows') });
    })));
  // The shares carry the rounding noise of the stored type: the merge needs its dtype.
  const merge = {
    fit: options?.fit, standardize: options?.standardize, remove_top: options?.remove_top, dtype: info.dtype,
  };
  const report = await task(job, { type: 'merge', parts, options: merge }, null, parts.map((p) => p.buffer));
  return { ...report, source: info };
}

/**
 * A worker of its own for one job, outside the pool (the top-k solver's state between passes):
 * `call(message, transfer)` resolves with its result; the job's cancel terminates it.
 */
function ownWorker(job) {
  const pending = new Map();
  let next = 0;
  const fail = (e) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  const w = startWorker(fail);
  w.onmessage = ({ data }) => {
    const p = pending.get(data.id);
    if (!p) return;
    if (data.wasmBytes) stats.wasmBytes = Math.max(stats.wasmBytes, data.wasmBytes);
    if (data.type === 'progress') return;
    pending.delete(data.id);
    data.type === 'result' ? p.resolve(data.result) : p.reject(new Error(data.message));
  };
  w.onerror = (e) => {
    e.preventDefault?.();
    fail(workerError(e));
  };
  const close = () => {
    w.terminate();
    fail(cancelled());
  };
  job.stops.push(close);
  const call = (message, transfer = []) => {
    if (job.cancelled) return Promise.reject(cancelled());
    return new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      w.postMessage({ ...message, id }, transfer);
    });
  };
  return { call, close };
}

/**
 * The top k eigenvalues (`options.top`; issue 16): the solver's state lives in a worker of its
 * own; each pass's rows are split by the core's plan (`rowSharesTopK`) over the pool, each
 * worker streams its rows into a TopKPassWorker inside Rust and returns its share, and the
 * solver adds the shares and ends the pass. Progress: bytes of this pass, `pass` of at most
 * `maxPasses`.
 */
async function topK(job, message, onProgress) {
  const { file, key, read, options } = message;
  const combined = ['standardize', 'remove_top', 'centre_positions', 'drop_nonfinite'].filter((o) => options[o]);
  if (combined.length) {
    throw new Error(`top k computes the covariance's top k from passes over the rows as read: it does not combine ` +
      `with ${combined.join(', ')}`);
  }
  const plan = await task(job, { type: 'plan', file, key, read, rows: options.rows ?? null, readers: poolSize(), top: true });
  if (plan.moments) {
    throw new Error('top k is for rows too wide to form C; a moments file already holds C: analyse it without top k');
  }
  const { info, shares } = plan;
  stats.workersUsed = shares.length;
  const solver = ownWorker(job);
  try {
    let state = await solver.call({ type: 'topkNew', d: info.cols, k: options.top, options: { fit: options.fit } });
    const rows = shares.at(-1)[1] - shares[0][0];
    const total = info.rows > 0 ? Math.round((info.data_bytes * rows) / info.rows) : 0;
    while (state.input) {
      const { input } = state;
      const pass = state.passes + 1;
      const seen = shares.map(() => ({ done: 0, rows: 0 }));
      const parts = await Promise.all(shares.map(([from, to], i) =>
        task(job, { type: 'topkPass', file, key, read, input, from, to }, (p) => {
          seen[i] = p;
          const sum = (k) => seen.reduce((s, x) => s + x[k], 0);
          onProgress?.({ done: sum('done'), total, rows: sum('rows'), pass, maxPasses: state.max_passes });
        })));
      for (const share of parts) await solver.call({ type: 'topkShare', share }, [share.buffer]);
      state = await solver.call({ type: 'topkEnd' });
    }
    const report = await solver.call({ type: 'topkFinish' });
    return { ...report, source: info };
  } finally {
    solver.close();
  }
}

/**
 * Trains the toy model at every sparsity of `settings`, the runs shared out over the pool
 * (each run is seeded by its index, so the split does not change any number). `onRun(run)`
 * hears each finished run; `onProgress({index, step, loss})` hears training steps; `signal`
 * cancels the training.
 */
export function trainToy(settings, { onRun, onProgress, signal } = {}) {
  return asJob(signal, async (job) => {
    const runs = await Promise.all(settings.sparsities.map((_, index) =>
      task(job, { type: 'toy', settings, index }, (p) => onProgress?.({ index, ...p })).then((r) => {
        onRun?.(r);
        return r;
      })));
    return { settings, runs };
  });
}
