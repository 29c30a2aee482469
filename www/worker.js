// The analysis worker: one wasm instance, reading the user's File in chunks with
// FileReaderSync (File.slice is lazy), so the page never freezes and the file is never copied whole.
import init, {
  analyzeFile, analyzeDemo, listArrays, refit, accumulatePart, reportFromParts, trainToy, toySettings,
  cvpcaFiles, analyzeSweep, synthSweep, alignmentFile, bootstrapFile,
} from './pkg/eigenlens.js';

const ready = init();
let wasm;
ready.then((exports) => { wasm = exports; });

/** The size of this worker's wasm memory, in bytes (it only grows). */
const wasmBytes = () => wasm?.memory.buffer.byteLength ?? 0;

/** Posts progress at most every 50 ms. */
function progressReporter(id) {
  let last = 0;
  return (done, total, rows) => {
    const now = performance.now();
    if (now - last > 50 || done >= total) {
      last = now;
      postMessage({ id, type: 'progress', done, total, rows, wasmBytes: wasmBytes() });
    }
    return true;
  };
}

/** readAt(offset, length) over a File, for the core's chunked reads. */
function fileReader(file) {
  const reader = new FileReaderSync();
  return (offset, length) => new Uint8Array(reader.readAsArrayBuffer(file.slice(offset, offset + length)));
}

const handlers = {
  list({ file }) {
    return listArrays(fileReader(file), file.size, file.name);
  },
  analyze({ id, file, key, options }) {
    return analyzeFile(fileReader(file), file.size, file.name, key ?? undefined, options, progressReporter(id));
  },
  // A share of a parallel analysis: the moments of rows [from, to), handed back flat.
  part({ id, file, key, options, from, to }) {
    const flat = accumulatePart(fileReader(file), file.size, file.name, key ?? undefined, !!options?.drop_nonfinite,
      from, to, progressReporter(id));
    return transfer(flat, [flat.buffer]);
  },
  merge({ parts, fit }) {
    return reportFromParts(parts, fit);
  },
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
  toySettings({ settings, count }) {
    return toySettings(settings, count);
  },
  cvpca({ id, fileA, fileB, options }) {
    return cvpcaFiles(fileReader(fileA), fileA.size, fileA.name, fileReader(fileB), fileB.size, fileB.name,
      options, progressReporter(id));
  },
  sweep({ file, key, param, options }) {
    return analyzeSweep(fileReader(file), file.size, file.name, key ?? undefined,
      param ? fileReader(param) : undefined, param?.size ?? 0, param?.name ?? '', options);
  },
  synthSweep({ kind, alpha, rows, cols, seed, options }) {
    return synthSweep(kind, alpha, rows, cols, BigInt(seed), options);
  },
  alignment({ id, file, key, top }) {
    return alignmentFile(fileReader(file), file.size, file.name, key ?? undefined, top, progressReporter(id));
  },
  bootstrap({ id, file, key, options }) {
    return bootstrapFile(fileReader(file), file.size, file.name, key ?? undefined, options,
      (done) => { postMessage({ id, type: 'progress', done, total: options.b }); return true; });
  },
  demo({ alpha, rows, cols, seed, options }) {
    return analyzeDemo(alpha, rows, cols, BigInt(seed), options);
  },
  refit({ eigenvalues, nRows, rank, fit }) {
    return refit(Float64Array.from(eigenvalues), nRows, rank, fit);
  },
};

/** Marks a result whose buffers move to the page instead of being copied. */
const TRANSFER = Symbol('transfer');
const transfer = (value, buffers) => ({ [TRANSFER]: buffers, value });

self.onmessage = async ({ data }) => {
  try {
    await ready;
    let result = handlers[data.type](data);
    const buffers = result?.[TRANSFER] ?? [];
    if (buffers.length) result = result.value;
    postMessage({ id: data.id, type: 'result', result, wasmBytes: wasmBytes() }, buffers);
  } catch (e) {
    postMessage({ id: data.id, type: 'error', message: e?.message ?? String(e) });
  }
};
