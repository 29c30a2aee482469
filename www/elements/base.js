// What every eigenlens element shares: a shadow root with one stylesheet for all of them, the
// loading / done / error states shown inside the element (never a blank box) with progress and
// a Cancel button for long jobs, the data as a File (fetched from `src`, or handed over by the
// page as `el.file`), coalesced re-renders when attributes change, re-layout on resize, colours
// that follow the HOST page's scheme (not the reader's system setting), the core's rules (fit
// presets, d presets, estimators) and the embed code for the element's current attributes.
// An element is one file that subclasses EigenlensElement (see spectrum.js) and one line in
// ../eigenlens.js.
import { run } from '../engine.js';
import { embedCode } from '../export.js';

let scriptUrl = new URL('./eigenlens.js', document.baseURI).href;

/** Where eigenlens.js was loaded from (the entry calls this with its import.meta.url). */
export function setScriptUrl(url) { scriptUrl = String(url); }
export const getScriptUrl = () => scriptUrl;

/**
 * The script path an embed snippet should use: the path of eigenlens.js on this site, without
 * the origin (a post on the same site serves it there; the tool's own origin, often a local
 * server, is never written into a blog post).
 */
export const scriptPath = () => sitePath(scriptUrl);

/** A URL as a post on this site can write it: its path when it is on this page's origin (so
 *  it works from a post at any depth), else in full. */
export function sitePath(url) {
  const u = new URL(url, document.baseURI);
  return u.origin === location.origin ? `${u.pathname}${u.search}` : u.href;
}

let rulesPromise = null;

/**
 * The core's rules, fetched once per page: `{ fit_presets: [{name, lo, hi, label, source}],
 * d_presets: [{name, d, label}], estimators: [{name, label}] }`. The first of each list is the
 * default.
 */
export function rules() {
  rulesPromise ??= run({ type: 'rules' }).catch((e) => {
    rulesPromise = null;
    throw e;
  });
  return rulesPromise;
}

// Theme: everything derives from the documented --eigenlens-* properties, with Okabe–Ito
// defaults (colour-blind safe). The dark variants apply when the host page is dark (its
// background behind the element, or its color-scheme), or with theme="dark".
const CSS = `
:host {
  display: block; box-sizing: border-box; max-width: 100%; margin: 1rem 0;
  --_fg: var(--eigenlens-fg, inherit);
  --_bg: var(--eigenlens-bg, transparent);
  --_accent: var(--eigenlens-accent, #0072b2);
  --_fit: var(--eigenlens-fit, #d55e00);
  /* the fit's hue for TEXT: #d55e00 is 3.8:1 on white (marks need 3:1, text 4.5:1) */
  --_fit-text: var(--eigenlens-fit-text, var(--eigenlens-fit, #b34e00));
  --_muted: var(--eigenlens-muted, #6b6b6b);
  --_border: var(--eigenlens-border, color-mix(in srgb, currentColor 22%, transparent));
  --_error: var(--eigenlens-error, #b00020);
  /* the names the figures in ../plots/ draw with */
  --data: var(--_accent); --fit: var(--_fit); --fit-text: var(--_fit-text); --muted: var(--_muted);
  --c3: #009e73; --c4: #c16c9a; --c5: #b47b00; --bad: var(--_error); /* 3:1 for marks on white (style.css) */
  color: var(--_fg); background: var(--_bg); font-family: var(--eigenlens-font, inherit);
}
:host([data-scheme="dark"]) {
  --_accent: var(--eigenlens-accent, #56b4e9); --_fit: var(--eigenlens-fit, #e69f00);
  --_fit-text: var(--eigenlens-fit-text, var(--eigenlens-fit, #e69f00));
  --_muted: var(--eigenlens-muted, #a0a0a0); --_error: var(--eigenlens-error, #ff8a80);
  --c3: #2fc79a; --c4: #e39ac4; --c5: #f0e442;
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
.frame { border: 1px solid var(--_border); border-radius: 8px; padding: 0.6rem 0.75rem; min-width: 0; }
.head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.25rem 0.75rem; margin: 0 0 0.25rem; }
.title { font-weight: 600; overflow-wrap: anywhere; min-width: 0; }
.alpha-line { margin: 0; font-size: 1.1em; }
.alpha { color: var(--_fit-text); font-variant-numeric: tabular-nums; }
.detail, .caption, .status, .note { color: var(--_muted); font-size: 0.85em; overflow-wrap: anywhere; }
.detail { display: block; }
.plot { min-height: 2rem; }
.plot svg { display: block; max-width: 100%; height: auto; color: inherit; background: transparent; }
.caption { margin: 0.25rem 0 0; }
.controls { display: flex; flex-wrap: wrap; gap: 0.4rem 0.9rem; align-items: center; margin: 0.5rem 0 0; font-size: 0.85em; }
.controls input { width: 5.5em; }
.controls input, .controls select, button, textarea { font: inherit; color: inherit; }
.controls input, .controls select, textarea { background: var(--_bg); border: 1px solid var(--_border); border-radius: 4px; padding: 0.15em 0.3em; }
.controls select { max-width: 100%; }
.exports { display: flex; flex-wrap: wrap; gap: 0.35rem; align-items: center; margin: 0.5rem 0 0; font-size: 0.85em; }
button { background: transparent; border: 1px solid var(--_border); border-radius: 4px; padding: 0.2em 0.6em; cursor: pointer; min-height: 2em; }
button:hover { border-color: var(--_accent); }
button:disabled { opacity: 0.6; cursor: progress; }
:focus-visible { outline: 2px solid var(--_accent); outline-offset: 2px; }
.export-status { color: var(--_muted); overflow-wrap: anywhere; }
textarea { display: block; width: 100%; margin: 0.5rem 0 0; font-family: ui-monospace, monospace; font-size: 0.8em; resize: vertical; }
.error { color: var(--_error); margin: 0.25rem 0; overflow-wrap: anywhere; }
.status { display: flex; flex-wrap: wrap; gap: 0.3rem 0.6rem; align-items: center; margin: 0.25rem 0; }
.status progress { flex: 1 1 8rem; max-width: 16rem; }
.readout { font-variant-numeric: tabular-nums; }
.figure-data { margin: 0.25rem 0 0; font-size: 0.85em; }
.figure-data summary { cursor: pointer; width: max-content; max-width: 100%; }
.figure-table-wrap { max-height: 20rem; overflow: auto; max-width: 100%; }
.figure-table { border-collapse: collapse; margin: 0.4rem 0; font-variant-numeric: tabular-nums; }
.figure-table caption { text-align: left; font-weight: 600; padding: 0.2rem 0; }
.figure-table th, .figure-table td { text-align: right; padding: 0.1rem 0.6rem 0.1rem 0; border-bottom: 1px solid var(--_border); }
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

/** `html` with `${}` values escaped: the small templating the elements use (static markup only). */
export function h(strings, ...values) {
  const esc = (v) => String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return strings.reduce((out, s, i) => out + s + (i < values.length ? esc(values[i]) : ''), '');
}

/** An element `tag` with `props` (className, textContent, hidden, …) and `children`. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'attrs') Object.entries(v).forEach(([a, x]) => x !== null && x !== undefined && node.setAttribute(a, x));
    else node[k] = v;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** The last path segment of a URL, decoded: the name the worker and the messages use. */
export const fileName = (url) => decodeURIComponent(new URL(url).pathname.split('/').pop() || 'data');

/** Fetches `url` (the author's own static file) into a File the worker can slice. */
export async function fetchAsFile(url, { signal } = {}) {
  const name = fileName(url);
  let response;
  try {
    response = await fetch(url, { signal });
  } catch (e) {
    if (signal?.aborted) throw new Error('cancelled', { cause: e });
    throw new Error(`could not fetch ${url} (a network error, or the page's Content-Security-Policy blocks it)`, { cause: e });
  }
  if (!response.ok) throw new Error(`could not fetch ${name}: HTTP ${response.status} ${response.statusText || ''}`.trim());
  return new File([await response.blob()], name);
}

// ---- the host page's colour scheme ----

let probe;
/** [r, g, b, a] (0–255, a 0–1) of any CSS colour the browser computes. */
function rgba(colour) {
  const m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/.exec(colour);
  if (m) {
    const a = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : Number(m[4]);
    return [Number(m[1]), Number(m[2]), Number(m[3]), a];
  }
  probe ??= document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  if (!probe) return [255, 255, 255, 0];
  probe.clearRect(0, 0, 1, 1);
  probe.fillStyle = colour;
  probe.fillRect(0, 0, 1, 1);
  const [r, g, b, a] = probe.getImageData(0, 0, 1, 1).data;
  return [r, g, b, a / 255];
}

/** Relative luminance (WCAG) of an sRGB colour. */
function luminance([r, g, b]) {
  const lin = (c) => { const s = c / 255; return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/**
 * Whether the page behind `node` is dark: the first mostly opaque background from `node` up
 * (through shadow roots); failing that, the canvas, which is dark only when the root's
 * color-scheme (CSS or <meta name="color-scheme">) allows dark and the system prefers it.
 */
export function hostIsDark(node) {
  for (let n = node; n; n = n.parentElement ?? n.getRootNode?.().host) {
    const [r, g, b, a] = rgba(getComputedStyle(n).backgroundColor);
    if (a >= 0.5) return luminance([r, g, b]) < 0.2;
  }
  const root = document.documentElement;
  const meta = document.querySelector('meta[name="color-scheme"]')?.content ?? '';
  const scheme = `${getComputedStyle(root).colorScheme} ${meta}`.toLowerCase();
  if (!/\bdark\b/.test(scheme)) return false;
  if (!/\blight\b/.test(scheme)) return true;
  return matchMedia('(prefers-color-scheme: dark)').matches;
}

/** Connected elements, re-themed when the host page may have changed its scheme. */
const themed = new Set();
let watching = false;
function watchScheme() {
  if (watching) return;
  watching = true;
  const again = () => themed.forEach((e) => e.applyTheme());
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', again);
  // Sites switch dark mode with a class, a data attribute or a style on <html> or <body>.
  const observer = new MutationObserver(again);
  const watch = (n) => n && observer.observe(n, { attributes: true, attributeFilter: ['class', 'style', 'data-theme', 'data-color-scheme'] });
  watch(document.documentElement);
  if (document.body) watch(document.body);
  else addEventListener('DOMContentLoaded', () => watch(document.body), { once: true });
}

export class EigenlensElement extends HTMLElement {
  /** Attributes every element observes (a subclass lists them first in its observedAttributes). */
  static baseAttributes = ['theme'];

  #queued = false;
  #gen = 0;
  #width = 0;
  #resize;
  #file = null;
  #files = []; // shares of one layer's moments, analysed merged (the first is #file)
  #job = null; // the AbortController of the job the status line shows

  constructor() {
    super();
    this.attachShadow({ mode: 'open' });
    styles(this.shadowRoot);
    this.statusText = el('span', { className: 'status-text' });
    this.progressEl = el('progress', { max: 1, value: 0, hidden: true, attrs: { 'aria-label': 'progress' } });
    this.cancelButton = el('button', { type: 'button', className: 'cancel', textContent: 'Cancel', hidden: true });
    this.cancelButton.addEventListener('click', () => this.#job?.abort());
    this.statusEl = el('div', { className: 'status', attrs: { part: 'status', role: 'status', 'aria-live': 'polite' } },
      this.statusText, this.progressEl, this.cancelButton);
    this.errorEl = el('p', { className: 'error', hidden: true, attrs: { part: 'error', role: 'alert' } });
    this.body = el('div', { className: 'body', hidden: true, attrs: { part: 'body' } });
    this.frame = el('div', { className: 'frame', attrs: { part: 'frame' } }, this.statusEl, this.errorEl, this.body);
    this.shadowRoot.append(this.frame);
    this.build(this.body);
  }

  /** Fill `body` once with the element's parts (subclasses). */
  build() {}

  /** Compute and show for the current attributes; `isCurrent()` turns false when superseded. */
  async update() {}

  /** Re-lay out what is shown for a new width, without recomputing (subclasses). */
  relayout() {}

  /** The data as a File, handed over by a page instead of `src` (the page's own drop zone). */
  get file() { return this.#file; }
  set file(file) {
    this.#file = file ?? null;
    this.#files = file ? [file] : [];
    this.schedule();
  }

  /** Several files handed over at once: moments files over disjoint rows of one layer (one per
   *  GPU or machine), analysed merged; the core refuses any other kind of file among several. */
  get files() { return [...this.#files]; }
  set files(list) {
    this.#files = [...(list ?? [])];
    this.#file = this.#files[0] ?? null;
    this.schedule();
  }

  connectedCallback() {
    this.#resize ??= new ResizeObserver(() => {
      const width = this.body.clientWidth;
      if (this.dataset.state === 'done' && Math.abs(width - this.#width) > 8) { this.#width = width; this.relayout(); }
    });
    this.#resize.observe(this);
    themed.add(this);
    watchScheme();
    this.applyTheme();
    this.schedule();
  }

  disconnectedCallback() {
    this.#resize?.disconnect();
    themed.delete(this);
  }

  attributeChangedCallback(name, old, value) {
    if (old === value) return;
    if (name === 'theme') this.applyTheme();
    else this.schedule();
  }

  /** theme="light" | "dark" | "auto" (default): auto follows the host page behind the element. */
  applyTheme() {
    if (!this.isConnected) return;
    const theme = (this.getAttribute('theme') || 'auto').toLowerCase();
    const dark = theme === 'dark' || (theme !== 'light' && hostIsDark(this));
    const scheme = dark ? 'dark' : 'light';
    if (this.dataset.scheme !== scheme) this.dataset.scheme = scheme;
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

  /** Shows `text` in the status line; `progress` (0–1) fills the bar. */
  showStatus(text, progress = null) {
    if (!this.dataset.state || this.dataset.state === 'error') this.dataset.state = 'loading';
    this.statusText.textContent = text;
    this.statusEl.hidden = !text;
    this.progressEl.hidden = progress === null;
    if (progress !== null) this.progressEl.value = progress;
  }

  /**
   * Runs `task(signal)` with the status line showing a Cancel button that aborts it, and the
   * attribute data-busy set while it runs. A job started while another runs aborts the older one
   * (the element shows one thing at a time).
   */
  async cancellable(task) {
    this.#job?.abort();
    const job = new AbortController();
    this.#job = job;
    this.cancelButton.hidden = false;
    this.toggleAttribute('data-busy', true);
    try {
      return await task(job.signal);
    } finally {
      if (this.#job === job) {
        this.#job = null;
        this.cancelButton.hidden = true;
        this.progressEl.hidden = true;
        this.removeAttribute('data-busy');
      }
    }
  }

  /** Aborts the job the status line shows, if any. */
  abortJob() { this.#job?.abort(); }

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

  /** The name of the data: the handed-over file's, or the last segment of `src`. */
  dataName() {
    if (this.#files.length > 1) return `${this.#file.name} + ${this.#files.length - 1} more`;
    return this.#file?.name ?? fileName(this.srcUrl());
  }

  /** The data as a File: the handed-over one, or `src` fetched. */
  async dataFile(signal) {
    return this.#file ?? fetchAsFile(this.srcUrl(), { signal });
  }

  /**
   * The markup that reproduces this element as it is now. The script path and `src` are paths on
   * this site (never its origin); a handed-over file is named alone (it then sits next to the post).
   */
  embedCode(attributes) {
    return embedCode(scriptPath(), this.localName, {
      src: this.#file ? this.#file.name : sitePath(this.srcUrl()),
      ...attributes,
      theme: this.getAttribute('theme'),
    });
  }
}
