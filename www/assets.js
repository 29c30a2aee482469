// Where the engine gets its two assets: the analysis worker's script and the WebAssembly core.
//
// By default both sit next to this script, found from import.meta.url, so the elements work
// from any path of any host, and from another origin (a CDN serving the npm package) when that
// origin sends CORS headers:
// - a module worker must come from the page's own origin, so a worker script on another origin
//   is started from a same-origin blob: URL whose one line imports it (a CORS request);
// - the wasm is fetched in CORS mode and compiled once for all workers.
// A host that cannot serve files next to the script (a report opened from file://, a notebook
// widget, a bundler that inlines) hands them over with provideAssets() before the first
// analysis. Nothing here runs at import time: the bundle can itself be imported from a blob: URL.
let provided = null;

/**
 * Gives the engine its assets instead of fetching them next to this script. Call it before the
 * first analysis (an element's first job reads them).
 * - `wasm`: the bytes of eigenlens_bg.wasm (ArrayBuffer or a typed array), a compiled
 *   WebAssembly.Module, or a URL;
 * - `worker`: `{ source }`, the text of the worker bundle (started from a blob: URL), or a URL.
 */
export function provideAssets({ wasm, worker } = {}) {
  const bytes = wasm instanceof ArrayBuffer || ArrayBuffer.isView(wasm);
  if (!(bytes || wasm instanceof WebAssembly.Module || typeof wasm === 'string' || wasm instanceof URL)) {
    throw new TypeError('provideAssets: wasm must be the bytes of eigenlens_bg.wasm, a WebAssembly.Module or a URL');
  }
  if (!(typeof worker?.source === 'string' || typeof worker === 'string' || worker instanceof URL)) {
    throw new TypeError('provideAssets: worker must be { source: text of worker.js } or a URL');
  }
  provided = { wasm, worker };
}

/**
 * The built worker script's URL. The bundler writes it where it finds `new Worker(new URL(…,
 * import.meta.url))` (and bundles the worker there), so that expression is kept, with a local
 * `Worker` that only records the URL: it is resolved when asked, not at import time (a bundle
 * imported from a blob: URL has no base for it), and the caller decides how to start it.
 */
function builtWorkerUrl() {
  let url;
  const Worker = class { constructor(u) { url = u; } };
  new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  return url;
}

/** The worker script's URL: provided, or next to this script. */
function workerUrl() {
  if (provided?.worker && typeof provided.worker.source !== 'string') return new URL(provided.worker, document.baseURI);
  return new URL(builtWorkerUrl(), document.baseURI);
}

/** The wasm's URL: provided, or next to this script (the build rewrites the path to its asset). */
function wasmUrl() {
  if (typeof provided?.wasm === 'string' || provided?.wasm instanceof URL) return new URL(provided.wasm, document.baseURI);
  return new URL('./pkg/eigenlens_bg.wasm', import.meta.url);
}

/** A same-origin blob: URL holding `text` as a JavaScript module. */
const moduleBlob = (text) => URL.createObjectURL(new Blob([text], { type: 'text/javascript' }));

let workerBlob = null;

/**
 * A classic worker script that runs the worker module `source` by importing it from a blob: URL
 * it makes itself, and hands it the messages that arrived meanwhile. Measured (report helper,
 * Chromium 156 and Firefox ESR 153): in a page opened from file:// (an opaque origin) Chromium
 * refuses a MODULE worker from a blob: URL, and a blob: URL made by the page cannot be imported
 * inside a worker; a classic blob: worker importing its own blob: URL works in both, on file://
 * and http alike, so provided sources always take this path.
 */
const bootScript = (source) => `const queued = [];
self.onmessage = (e) => queued.push(e);
import(URL.createObjectURL(new Blob([${JSON.stringify(source)}], { type: 'text/javascript' }))).then(() => {
  const handle = self.onmessage;
  for (const e of queued) handle.call(self, e);
}, (e) => setTimeout(() => { throw e; }));
`;

/** A new analysis worker (a module worker), from wherever the assets are. */
export function newWorker() {
  if (typeof provided?.worker?.source === 'string') {
    workerBlob ??= moduleBlob(bootScript(provided.worker.source));
    return new Worker(workerBlob);
  }
  const url = workerUrl();
  if (url.origin === location.origin) return new Worker(url, { type: 'module' });
  // Another origin: a module worker cannot start from it, but a same-origin one can import it.
  workerBlob ??= moduleBlob(`import ${JSON.stringify(url.href)};\n`);
  return new Worker(workerBlob, { type: 'module' });
}

/** Why a script or the wasm from `url` could not be loaded, in words a blogger can act on. */
export function unreachable(url, cause) {
  const u = new URL(url, document.baseURI);
  const where = u.origin === location.origin ? '' :
    ` It is on another origin (${u.origin}), which must send CORS headers (Access-Control-Allow-Origin), ` +
    'as CDNs serving npm packages do; or copy the package next to the page.';
  return new Error(`the analysis code could not be loaded from ${u.href} (${cause}).${where} ` +
    "A Content-Security-Policy must also allow it (script-src, connect-src and worker-src for its origin, worker-src blob:, and 'wasm-unsafe-eval').");
}

/** The wasm, compiled (the engine does this once per page and hands the module to every worker). */
export async function compileWasm() {
  const wasm = provided?.wasm;
  if (wasm instanceof WebAssembly.Module) return wasm;
  if (wasm instanceof ArrayBuffer || ArrayBuffer.isView(wasm)) return WebAssembly.compile(wasm);
  const url = wasmUrl();
  let response;
  try {
    response = await fetch(url, { mode: 'cors', credentials: 'same-origin' });
  } catch (e) {
    throw unreachable(url, `a network error: ${e.message}`);
  }
  if (!response.ok) throw unreachable(url, `HTTP ${response.status}`);
  try {
    return await WebAssembly.compileStreaming(response.clone());
  } catch {
    return WebAssembly.compile(await response.arrayBuffer()); // a host that does not serve application/wasm
  }
}

/** The worker script's URL as shown in errors (the provided source has none). */
export const workerSource = () => (typeof provided?.worker?.source === 'string' ? 'the provided worker source' : workerUrl().href);
