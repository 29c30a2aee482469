/* global URL, Blob, TextDecoder, document, File, MutationObserver -- this module runs in the notebook page */
// The front end of eigenlens.widget (anywidget ESM; hand-written, not built). It renders the same
// custom elements as a blog post or the page (<eigenlens-spectrum>, <eigenlens-compare>) from the
// package's own files, which the kernel sends once per page:
//   1. the first widget rendered in a page sends {type: 'eigenlens-assets?'}; the kernel answers
//      {type: 'eigenlens-assets'} with three buffers: the element bundle, its worker and the wasm
//      (python/eigenlens/static/, copied from dist-pkg/ by scripts/build-widget.sh);
//   2. the bundle is imported from a blob: URL and handed its worker (as source text, started from
//      a same-origin blob: URL) and its wasm (bytes) with provideAssets (www/assets.js), before any
//      analysis;
//   3. the promise of that module is kept on globalThis, so every later widget in the page (and a
//      re-rendered one) uses the same elements, the same worker pool and the same compiled wasm,
//      and the kernel sends nothing again.
// Nothing is fetched from the network. The data arrive as binary buffers (bytes traits): a moments
// file or an activations file, given to the element as a File (el.file, or el.layers for compare).
// What the element computed goes back to Python: alpha and fit (Spectrum), alphas and
// common_range (Compare), error; a fit changed in the element's own controls goes back to the
// estimator / lo / hi traits.

const CACHE = Symbol.for('eigenlens.widget.module');

/** A Uint8Array over a buffer as ipywidgets delivers it (DataView, ArrayBuffer or a typed array). */
function bytesOf(v) {
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** The eigenlens bundle, imported once per page with its assets provided; asks `model`'s kernel for them. */
function eigenlens(model) {
  const g = globalThis;
  if (g[CACHE]) return g[CACHE];
  const loading = new Promise((resolve, reject) => {
    const onMessage = (msg, buffers) => {
      if (msg?.type !== 'eigenlens-assets') return;
      model.off('msg:custom', onMessage);
      if (msg.error) {
        reject(new Error(msg.error));
        return;
      }
      const [bundle, worker, wasm] = (buffers ?? []).map(bytesOf);
      if (!bundle || !worker || !wasm) {
        reject(new Error(`the kernel sent ${buffers?.length ?? 0} of the 3 eigenlens files`));
        return;
      }
      const url = URL.createObjectURL(new Blob([bundle], { type: 'text/javascript' }));
      import(/* @vite-ignore */ url).then((m) => {
        m.provideAssets({ wasm: wasm.slice(), worker: { source: new TextDecoder().decode(worker) } });
        resolve(m);
      }, reject);
    };
    model.on('msg:custom', onMessage);
    model.send({ type: 'eigenlens-assets?' });
  });
  g[CACHE] = loading;
  loading.catch(() => {
    if (g[CACHE] === loading) g[CACHE] = null; // the next widget asks again
  });
  return loading;
}

/** Sets (or removes, for null) attribute `name` of `node`. */
function attr(node, name, value) {
  if (value === null || value === undefined || value === '') node.removeAttribute(name);
  else node.setAttribute(name, String(value));
}

const FIT = ['estimator', 'lo', 'hi'];

function render({ model, el }) {
  const compare = model.get('_kind') === 'compare';
  const status = document.createElement('p');
  status.textContent = 'Loading eigenlens (the kernel sends its files once per page)…';
  el.append(status);
  const off = [];
  const listen = (event, handler) => {
    model.on(event, handler);
    off.push(() => model.off(event, handler));
  };
  let disposed = false;
  let observer = null;

  const save = (values) => {
    let changed = false;
    for (const [k, v] of Object.entries(values)) {
      if (JSON.stringify(model.get(k)) !== JSON.stringify(v)) {
        model.set(k, v);
        changed = true;
      }
    }
    if (changed) model.save_changes();
  };

  eigenlens(model).then(() => {
    if (disposed) return;
    const node = document.createElement(compare ? 'eigenlens-compare' : 'eigenlens-spectrum');
    const setData = () => {
      if (compare) {
        const data = model.get('_data') ?? [];
        const names = model.get('_names') ?? [];
        const keys = model.get('layer_keys') ?? [];
        const labels = model.get('labels') ?? [];
        node.layers = data.map((d, i) => ({ file: new File([bytesOf(d)], names[i] ?? `layer${i + 1}`), key: keys[i] ?? null,
          label: labels[i] ?? null }));
      } else {
        node.file = new File([bytesOf(model.get('_data'))], model.get('_name') || 'data');
      }
    };
    for (const name of FIT) {
      attr(node, name, model.get(name));
      listen(`change:${name}`, () => attr(node, name, model.get(name)));
    }
    if (compare) {
      listen('change:labels', setData);
    } else {
      for (const name of ['key', 'label']) {
        attr(node, name, model.get(name));
        listen(`change:${name}`, () => attr(node, name, model.get(name)));
      }
    }
    listen('change:_data', setData);
    setData();

    // A fit chosen in the element's own controls goes back to Python's traits.
    observer = new MutationObserver(() => {
      const value = (name) => {
        const v = node.getAttribute(name);
        if (v === null || v.trim() === '') return null;
        return name === 'estimator' ? v : Number(v);
      };
      save(Object.fromEntries(FIT.map((name) => [name, value(name)])));
    });
    observer.observe(node, { attributes: true, attributeFilter: FIT });

    node.addEventListener('eigenlens-render', (e) => {
      if (compare) {
        const c = e.detail.comparison;
        save({ alphas: e.detail.alphas, common_range: c.reason ? null : [c.rank_lo, c.rank_hi], error: '' });
      } else {
        const f = e.detail.report.alpha_fit;
        save({ alpha: e.detail.alpha, fit: { estimator: f.estimator, lo: f.rank_lo, hi: f.rank_hi, valid: f.valid }, error: '' });
      }
    });
    node.addEventListener('eigenlens-error', (e) => save({ error: e.detail.message }));
    status.replaceWith(node);
  }, (e) => {
    if (disposed) return;
    status.setAttribute('role', 'alert');
    status.textContent = `eigenlens could not start in this page: ${e.message}`;
    save({ error: status.textContent });
  });

  return () => {
    disposed = true;
    observer?.disconnect();
    off.forEach((f) => f());
  };
}

export default { render };
