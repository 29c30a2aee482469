// The engine: the page's (and every embedded element's) handle on the analysis workers.
// One module instance per page, so several figures share the workers and each loads wasm once.
//
// A pool of up to one worker per core (navigator.hardwareConcurrency, capped), each with its
// own wasm instance. A large seekable file (.npy, .safetensors) is split by rows: each worker
// reads its own row range straight from the File and returns its partial moments, which one
// worker merges (Chan update) into the report. No SharedArrayBuffer, so any static host works.
// Jobs are messages with an id; progress and the result come back under that id.

const MAX_WORKERS = 4;
/** Below this many values per worker, splitting costs more than it saves. */
const MIN_VALUES_PER_WORKER = 1 << 21;
/** Above this many units one worker reads alone: every share holds D² moments (512 MiB at 8192). */
const MAX_SPLIT_UNITS = 4096;

const workers = [];
let nextId = 0;
const pending = new Map();

/** The peak wasm memory (bytes) any worker has reported, for the large-file tests. */
export const stats = { wasmBytes: 0, workersUsed: 0 };

/** How many workers a parallel job may use. */
export const poolSize = () => Math.max(1, Math.min(navigator.hardwareConcurrency || 2, MAX_WORKERS));

function worker(i) {
  if (!workers[i]) {
    const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    w.onmessage = ({ data }) => {
      const job = pending.get(data.id);
      if (!job) return;
      if (data.wasmBytes) stats.wasmBytes = Math.max(stats.wasmBytes, data.wasmBytes);
      if (data.type === 'progress') return job.onProgress?.(data);
      pending.delete(data.id);
      data.type === 'result' ? job.resolve(data.result) : job.reject(new Error(data.message));
    };
    workers[i] = w;
  }
  return workers[i];
}

function post(i, message, onProgress, transfer = []) {
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, onProgress });
    worker(i).postMessage({ ...message, id }, transfer);
  });
}

/**
 * Runs one job (`{type, ...payload}`) and resolves with its result; `onProgress({done, total,
 * rows})` hears about bytes and rows read. `analyze` jobs are split over the pool when worth it.
 */
export function run(message, onProgress) {
  return message.type === 'analyze' ? analyze(message, onProgress) : post(0, message, onProgress);
}

/** Stops every running job at once (the workers are terminated; fresh ones start on demand). */
export function cancel() {
  for (const w of workers.splice(0)) w?.terminate();
  for (const job of pending.values()) job.reject(new Error('cancelled'));
  pending.clear();
}

/** The row ranges to give each worker, or null when one worker should read the whole file. */
async function plan({ file, key, options }) {
  const n = poolSize();
  if (n < 2 || !/\.(npy|safetensors)$/i.test(file.name)) return null;
  let arrays;
  try {
    arrays = await post(0, { type: 'list', file });
  } catch {
    return null; // the single-worker path reports the error in full
  }
  const info = key ? arrays.find((a) => a.name === key) : arrays.length === 1 ? arrays[0] : null;
  if (!info || info.cols > MAX_SPLIT_UNITS) return null;
  const from = Math.min(options?.rows?.[0] ?? 0, info.rows);
  const to = Math.min(options?.rows?.[1] ?? info.rows, info.rows);
  const shares = Math.min(n, Math.floor(((to - from) * info.cols) / MIN_VALUES_PER_WORKER));
  if (shares < 2) return null;
  const cuts = Array.from({ length: shares + 1 }, (_, i) => from + Math.round(((to - from) * i) / shares));
  return { info, ranges: cuts.slice(0, -1).map((a, i) => [a, cuts[i + 1]]) };
}

async function analyze(message, onProgress) {
  const split = await plan(message);
  if (!split) {
    stats.workersUsed = 1;
    return post(0, message, onProgress);
  }
  const { file, key, options } = message;
  stats.workersUsed = split.ranges.length;
  const seen = split.ranges.map(() => ({ done: 0, total: 0, rows: 0 }));
  const parts = await Promise.all(split.ranges.map(([from, to], i) =>
    post(i, { type: 'part', file, key, options, from, to }, (p) => {
      seen[i] = p;
      const sum = (k) => seen.reduce((s, x) => s + x[k], 0);
      onProgress?.({ done: sum('done'), total: sum('total'), rows: sum('rows') });
    })));
  const report = await post(0, { type: 'merge', parts, fit: options?.fit }, null, parts.map((p) => p.buffer));
  return { ...report, source: split.info };
}

/**
 * Trains the toy model at every sparsity of `settings`, the runs shared out over the pool
 * (each run is seeded by its index, so the split does not change any number). `onRun(run)`
 * hears each finished run; `onProgress({index, step, loss})` hears training steps.
 */
export async function trainToy(settings, { onRun, onProgress } = {}) {
  const count = settings.sparsities.length;
  const runs = new Array(count);
  let next = 0;
  const lane = async (w) => {
    while (next < count) {
      const index = next++;
      runs[index] = await post(w, { type: 'toy', settings, index }, (p) => onProgress?.({ index, ...p }));
      onRun?.(runs[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(poolSize(), count) }, (_, w) => lane(w)));
  return { settings, runs };
}
