// The engine: the page's (and every embedded element's) handle on the analysis workers.
// One module instance per page, so several figures share the workers and load wasm once.
// Jobs are messages with an id; a job's progress and result come back under that id.

let worker;
let nextId = 0;
const pending = new Map();

/** The peak wasm memory (bytes) a worker has reported, for the large-file tests. */
export const stats = { wasmBytes: 0 };

function startWorker() {
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = ({ data }) => {
    const job = pending.get(data.id);
    if (!job) return;
    if (data.wasmBytes) stats.wasmBytes = Math.max(stats.wasmBytes, data.wasmBytes);
    if (data.type === 'progress') return job.onProgress?.(data);
    pending.delete(data.id);
    data.type === 'result' ? job.resolve(data.result) : job.reject(new Error(data.message));
  };
}

/** Runs one job (`{type, ...payload}`) in the worker; `onProgress({done, total, rows})`. */
export function run(message, onProgress) {
  if (!worker) startWorker();
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, onProgress });
    worker.postMessage({ ...message, id });
  });
}

/** Stops every running job at once (the worker is terminated and a fresh one started). */
export function cancel() {
  worker?.terminate();
  for (const job of pending.values()) job.reject(new Error('cancelled'));
  pending.clear();
  startWorker();
}
