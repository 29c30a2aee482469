// What every eigenlens element shares: a shadow root with one stylesheet for all of them, the
// loading / done / error states shown inside the element (never a blank box), fetching `src`
// into a File for the worker, coalesced re-renders when attributes change, re-layout on resize,
// and the embed code for the element's current attributes. An element is one file that
// subclasses EigenlensElement (see spectrum.js) and one line in ../eigenlens.js.
import { embedCode } from '../export.js';

let scriptUrl = new URL('./eigenlens.js', document.baseURI).href;

/** Where eigenlens.js was loaded from (the entry calls this with its import.meta.url). */
export function setScriptUrl(url) { scriptUrl = String(url); }
export const getScriptUrl = () => scriptUrl;

// Theme: everything derives from the documented --eigenlens-* properties, with Okabe–Ito
// defaults (colour-blind safe) that switch to their light variants in dark mode.
const CSS = `
:host {
  display: block; box-sizing: border-box; max-width: 100%; margin: 1rem 0;
  --_fg: var(--eigenlens-fg, inherit);
  --_bg: var(--eigenlens-bg, transparent);
  --_accent: var(--eigenlens-accent, #0072b2);
  --_fit: var(--eigenlens-fit, #d55e00);
  --_muted: var(--eigenlens-muted, #6b6b6b);
  --_border: var(--eigenlens-border, color-mix(in srgb, currentColor 22%, transparent));
  --_error: var(--eigenlens-error, #b00020);
  /* the names www/plots.js draws with */
  --data: var(--_accent); --fit: var(--_fit); --muted: var(--_muted);
  color: var(--_fg); background: var(--_bg); font-family: var(--eigenlens-font, inherit);
}
@media (prefers-color-scheme: dark) {
  :host {
    --_accent: var(--eigenlens-accent, #56b4e9); --_fit: var(--eigenlens-fit, #e69f00);
    --_muted: var(--eigenlens-muted, #a0a0a0); --_error: var(--eigenlens-error, #ff8a80);
  }
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
.frame { border: 1px solid var(--_border); border-radius: 8px; padding: 0.6rem 0.75rem; }
.head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.25rem 0.75rem; margin: 0 0 0.25rem; }
.title { font-weight: 600; overflow-wrap: anywhere; }
.alpha-line { margin: 0; font-size: 1.1em; }
.alpha { color: var(--_fit); font-variant-numeric: tabular-nums; }
.detail, .caption, .status { color: var(--_muted); font-size: 0.85em; }
.detail { display: block; }
.plot { min-height: 2rem; }
.plot svg { display: block; max-width: 100%; height: auto; color: inherit; background: transparent; }
.caption { margin: 0.25rem 0 0; }
.controls { display: flex; flex-wrap: wrap; gap: 0.4rem 0.9rem; align-items: center; margin: 0.5rem 0 0; font-size: 0.85em; }
.controls input { width: 5.5em; }
.controls input, .controls select, button, textarea { font: inherit; color: inherit; }
.controls input, .controls select, textarea { background: var(--_bg); border: 1px solid var(--_border); border-radius: 4px; padding: 0.15em 0.3em; }
.exports { display: flex; flex-wrap: wrap; gap: 0.35rem; align-items: center; margin: 0.5rem 0 0; font-size: 0.85em; }
button { background: transparent; border: 1px solid var(--_border); border-radius: 4px; padding: 0.2em 0.6em; cursor: pointer; min-height: 2em; }
button:hover { border-color: var(--_accent); }
:focus-visible { outline: 2px solid var(--_accent); outline-offset: 2px; }
.export-status { color: var(--_muted); }
textarea { display: block; width: 100%; margin: 0.5rem 0 0; font-family: ui-monospace, monospace; font-size: 0.8em; resize: vertical; }
.error { color: var(--_error); margin: 0.25rem 0; overflow-wrap: anywhere; }
.status { margin: 0.25rem 0; }
[hidden] { display: none !important; }
`;

let sheet;
function styles(root) {
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); }
    root.adoptedStyleSheets = [sheet];
  } else {
    const style = document.createElement('style');
    style.textContent = CSS;
    root.append(style);
  }
}

/** `html` with `${}` values escaped: the small templating the elements use. */
export function h(strings, ...values) {
  const esc = (v) => String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return strings.reduce((out, s, i) => out + s + (i < values.length ? esc(values[i]) : ''), '');
}

/** The last path segment of a URL, decoded: the name the worker and the messages use. */
export const fileName = (url) => decodeURIComponent(new URL(url).pathname.split('/').pop() || 'data');

/** Fetches `url` (the author's own static file) into a File the worker can slice. */
export async function fetchAsFile(url) {
  const name = fileName(url);
  let response;
  try {
    response = await fetch(url);
  } catch {
    throw new Error(`could not fetch ${url} (a network error, or the page's Content-Security-Policy blocks it)`);
  }
  if (!response.ok) throw new Error(`could not fetch ${name}: HTTP ${response.status} ${response.statusText || ''}`.trim());
  return new File([await response.blob()], name);
}

export class EigenlensElement extends HTMLElement {
  #queued = false;
  #gen = 0;
  #width = 0;
  #resize;

  constructor() {
    super();
    this.attachShadow({ mode: 'open' });
    styles(this.shadowRoot);
    const frame = document.createElement('div');
    frame.className = 'frame';
    frame.part = 'frame';
    frame.innerHTML = `<p class="status" part="status" role="status" aria-live="polite"></p>
      <p class="error" part="error" role="alert" hidden></p>
      <div class="body" part="body" hidden></div>`;
    this.shadowRoot.append(frame);
    this.statusEl = this.shadowRoot.querySelector('.status');
    this.errorEl = this.shadowRoot.querySelector('.error');
    this.body = this.shadowRoot.querySelector('.body');
    this.build(this.body);
  }

  /** Fill `body` once with the element's parts (subclasses). */
  build() {}

  /** Compute and show for the current attributes; `isCurrent()` turns false when superseded. */
  async update() {}

  /** Re-lay out what is shown for a new width, without recomputing (subclasses). */
  relayout() {}

  connectedCallback() {
    this.#resize ??= new ResizeObserver(() => {
      const width = this.body.clientWidth;
      if (this.dataset.state === 'done' && Math.abs(width - this.#width) > 8) { this.#width = width; this.relayout(); }
    });
    this.#resize.observe(this);
    this.schedule();
  }

  disconnectedCallback() { this.#resize?.disconnect(); }

  attributeChangedCallback(name, old, value) {
    if (old !== value) this.schedule();
  }

  /** Coalesces a burst of attribute changes into one update. */
  schedule() {
    if (this.#queued) return;
    this.#queued = true;
    queueMicrotask(async () => {
      this.#queued = false;
      if (!this.isConnected) return;
      const gen = ++this.#gen;
      const isCurrent = () => gen === this.#gen;
      try {
        await this.update(isCurrent);
      } catch (e) {
        if (isCurrent()) this.showError(e.message ?? String(e));
      }
    });
  }

  /** The width the figure can use, in px. */
  availableWidth() {
    this.#width = this.body.clientWidth || this.clientWidth;
    return this.#width;
  }

  showStatus(text) {
    if (!this.dataset.state || this.dataset.state === 'error') this.dataset.state = 'loading';
    this.statusEl.textContent = text;
    this.statusEl.hidden = !text;
  }

  showError(message) {
    this.dataset.state = 'error';
    this.statusEl.hidden = true;
    this.errorEl.textContent = message;
    this.errorEl.hidden = false;
    this.body.hidden = true;
    this.dispatchEvent(new CustomEvent('eigenlens-error', { detail: { message }, bubbles: true, composed: true }));
  }

  /** Marks the element rendered and tells the page (`eigenlens-render`, detail from the subclass). */
  rendered(detail) {
    this.errorEl.hidden = true;
    this.statusEl.hidden = true;
    this.body.hidden = false;
    this.dataset.state = 'done';
    this.renderedAt ??= performance.now();
    this.dispatchEvent(new CustomEvent('eigenlens-render', { detail: { ...detail, renderedAt: this.renderedAt }, bubbles: true, composed: true }));
  }

  /** The absolute URL of `src`, resolved against the page. */
  srcUrl() {
    const src = this.getAttribute('src');
    if (!src) throw new Error(`<${this.localName}> needs a src attribute: the URL of an activations file (.npy, .npz, .safetensors, .csv)`);
    return new URL(src, document.baseURI).href;
  }

  /** The markup that reproduces this element as it is now. */
  embedCode(attributes) {
    return embedCode(scriptUrl, this.localName, attributes);
  }
}
