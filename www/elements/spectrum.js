// <eigenlens-spectrum src="layer.npy" estimator="stringer" preset="stringer">: the log-log
// eigenspectrum of a layer's activations with its power-law fit and α, computed in the page.
//
// Attributes: src (required unless a page hands over `el.file`), key (the array in an
// .npz/.safetensors), estimator, preset (a named fit range: the core's presets), lo, hi (the fit
// range in ranks; they override the preset), rows ("from:to", 0-based, to exclusive),
// drop-nonfinite (boolean), label (title; default the file name), controls="none" (hide the fit
// controls and exports), bootstrap="B" (show the bootstrap of α with B resamples, in blocks of
// rows: whole sequences of an [S, T, H] tensor by default, or the rows per block typed in),
// theme="light|dark|auto", top="K" (compute only the top K eigenvalues, in passes over the rows,
// never forming the covariance: α is fitted within the top K, and participation ratio,
// effective rank and k₉₀ are shown as bounds; a change re-reads). A file too wide for the D × D
// moments (engine.js WORKER_BUDGET) is not analysed in full: the element says so and offers a
// button that sets top to the proposed K; nothing heavy starts without that click.
// How the file is read where eigenlens would otherwise guess or read as stored (the core's
// ReadOptions): header="auto|yes|no" and index-col="auto|none|N" (text tables), transpose
// (units × samples files), skip-positions="k" (drop the first k positions of each sequence of an
// [S, T, H] tensor). The spectrum of: standardize (z-scored units: the correlation matrix),
// remove-top="k" (drop the data's own top k components), centre-positions (an [S, T, H] tensor:
// subtract each position's mean over sequences; the pooled within-position covariance).
// Changing src/key/rows/drop-nonfinite, a reading attribute (or el.file) re-reads the file; estimator/preset/lo/hi only
// refit, and a fit changed while the file is still being read applies when the read ends (the
// read is never thrown away). A bootstrap running when the fit changes is restarted for the new
// fit; a finished one stays shown, marked as belonging to the fit it was run for.
// A report computed elsewhere (a standalone report file, a notebook) is shown with `el.report =
// report` (the core's report object, as `eigenlens analyze --json` writes it): no file is read,
// the fit controls refit it through the engine's refit job, and what needs the rows (bootstrap,
// embed code, Save report) is off. `el.report = null` goes back to src / el.file.
// Events: eigenlens-render {report, alpha, interval, renderedAt}, eigenlens-error {message}.
// Reads: el.report, el.alpha, el.interval, el.fit, el.dataset.alpha, el.dataset.state.
import { run } from '../engine.js';
import { figureSize } from '../plots/size.js';
import { spectrumPlot } from '../plots/spectrum.js';
import { attachRangeDrag } from '../plots/fitdrag.js';
import { showData } from '../plots/plot.js';
import { toolbar, figureExports, reportExports, copyText, stem, download, packageFiles, reportJson } from '../export.js';
import { EigenlensElement, el, rules, getScriptUrl } from './base.js';

const BOOT_LEVEL = 0.95;
const BOOT_SEED = 0;
const BOOT_MAX = 2000;

/** "100:300" → [100, 300]; ":300" → [0, 300]; "100:" → [100, ∞); null when absent or blank. */
export function parseRows(text) {
  if (!text || !text.trim()) return null;
  const m = /^\s*(\d*)\s*:\s*(\d*)\s*$/.exec(text);
  if (!m || (m[1] === '' && m[2] === '')) throw new Error(`rows="${text}" is not a range like "100:300"`);
  return [m[1] === '' ? 0 : Number(m[1]), m[2] === '' ? Number.MAX_SAFE_INTEGER : Number(m[2])];
}

/** The attributes that say how the file is read and what its spectrum is of (a change re-reads). */
const READING = ['header', 'index-col', 'transpose', 'skip-positions', 'standardize', 'remove-top', 'centre-positions'];

/** A whole rank ≥ 1 from text, or null. */
const rank = (text) => (/^\s*\d+\s*$/.test(text ?? '') && Number(text) >= 1 ? Number(text) : null);

let uid = 0;

export class EigenlensSpectrum extends EigenlensElement {
  static tag = 'eigenlens-spectrum';
  static observedAttributes = [...EigenlensElement.baseAttributes, 'src', 'key', 'rows', 'drop-nonfinite', 'estimator',
    'preset', 'lo', 'hi', 'label', 'controls', 'bootstrap', 'top', ...READING];

  #report = null; // the report on screen, its alpha_fit for #reportFit
  #reportFit = ''; // the fit request (JSON) behind #report.alpha_fit
  #source = ''; // the identity of the data behind #report (or being read)
  #loading = null; // the read under way, a promise
  #data = null; // the File analysed: the bootstrap resamples its rows
  #boot = null; // {fit, label, running: AbortController | null, result, message}
  #bootAgain = false; // a bootstrap was stopped by a fit change: run it again for the new fit
  #filled = false;
  #rules = null; // the core's rules, once loaded (update awaits them before anything is shown)
  #proposal = null; // {d, k, bytes, budget}: the file is too wide for the full analysis; top k offered
  #given = null; // a report handed over (el.report = …): shown and refitted, no file read
  #givenId = 0;

  get report() { return this.#report; }
  /** Shows a report computed elsewhere instead of reading a file (null: back to src / el.file). */
  set report(report) {
    this.#given = report ?? null;
    this.#givenId++;
    this.schedule();
  }
  get alpha() { return this.#report?.alpha_fit.valid ? this.#report.alpha_fit.alpha : null; }
  /** The bootstrap interval on α for the fit shown (the core's alpha_interval: α̂ ± z·se),
   *  {lo, hi, level, method, block}, or null. */
  get interval() {
    const i = this.#boot?.result?.alpha_interval;
    const current = i && this.#boot.fit === this.#reportFit;
    return current ? { lo: i.lo, hi: i.hi, level: i.level, method: i.method, block: i.block } : null;
  }
  /** The file whose rows are on screen, with its key and how it is read: {file, key, read} or null. */
  get data() { return this.#data && { file: this.#data, key: this.getAttribute('key') || null, read: this.readOptions() }; }

  /**
   * How to read the file, from the attributes, as the core's ReadOptions; the core checks the
   * values and names a bad one ("option 'skip_positions': …").
   */
  readOptions() {
    const read = {};
    const header = this.getAttribute('header')?.trim();
    if (header) read.header = header.toLowerCase();
    const index = this.getAttribute('index-col')?.trim();
    if (index) read.index_col = /^\d+$/.test(index) ? Number(index) : index.toLowerCase();
    if (this.hasAttribute('transpose')) read.transpose = true;
    const skip = this.getAttribute('skip-positions')?.trim();
    if (skip) read.skip_positions = /^\d+$/.test(skip) ? Number(skip) : skip;
    return read;
  }

  /** What the spectrum is of: {standardize, remove_top, centre_positions} (the core's Preprocess). */
  preprocess() {
    const top = this.getAttribute('remove-top')?.trim();
    return {
      standardize: this.hasAttribute('standardize'),
      remove_top: !top ? 0 : /^\d+$/.test(top) ? Number(top) : top,
      centre_positions: this.hasAttribute('centre-positions'),
    };
  }

  build(body) {
    const id = `eigenlens-spectrum-${++uid}`;
    const $ = {};
    $.title = el('span', { className: 'title', attrs: { part: 'title' } });
    $.alpha = el('strong', { className: 'alpha', textContent: '–', attrs: { part: 'alpha' } });
    $.detail = el('span', { className: 'detail', attrs: { part: 'detail' } });
    $.plot = el('div', { className: 'plot', attrs: { part: 'plot', role: 'img' } });
    $.caption = el('p', { className: 'caption', attrs: { part: 'caption' } });
    $.topNotes = el('ul', { className: 'note top-notes', hidden: true, attrs: { part: 'top-notes' } });
    $.estimator = el('select', { name: 'estimator', attrs: { 'aria-label': 'fit estimator' } });
    $.preset = el('select', { name: 'preset', attrs: { 'aria-label': 'fit range preset' } });
    $.lo = el('input', { name: 'lo', type: 'number', min: 1, step: 1, inputMode: 'numeric', attrs: { 'aria-label': 'first rank of the fit' } });
    $.hi = el('input', { name: 'hi', type: 'number', min: 2, step: 1, inputMode: 'numeric', attrs: { 'aria-label': 'last rank of the fit' } });
    const sub = (t) => el('sub', { textContent: t });
    // A named group, not a <form>: a named form is a landmark, and every element on a page would
    // repeat the same one (axe: landmark-unique); the controls never submit.
    $.controls = el('div', { className: 'controls', attrs: { part: 'controls', role: 'group', 'aria-label': 'Power-law fit' } },
      el('label', {}, 'estimator ', $.estimator),
      el('label', {}, 'range ', $.preset),
      el('label', {}, 'n', sub('lo'), ' ', $.lo),
      el('label', {}, 'n', sub('hi'), ' ', $.hi));
    $.hint = el('p', { className: 'note', textContent: 'Drag across the spectrum to fit over those ranks.', attrs: { part: 'hint' } });
    $.bootB = el('input', { name: 'b', type: 'number', min: 2, max: BOOT_MAX, step: 1, value: 50, inputMode: 'numeric',
      attrs: { 'aria-label': 'bootstrap resamples B' } });
    $.bootBlock = el('input', { name: 'block', type: 'number', min: 1, step: 1, inputMode: 'numeric', placeholder: 'default',
      attrs: { 'aria-label': 'rows per resampled block (empty: whole sequences of a 3-D tensor, else single rows)' } });
    $.bootGo = el('button', { type: 'button', className: 'boot-go', textContent: 'Bootstrap α' });
    $.bootCancel = el('button', { type: 'button', className: 'boot-cancel', textContent: 'Cancel the bootstrap', hidden: true });
    $.bootResult = el('span', { className: 'boot-result readout', attrs: { part: 'bootstrap-result', role: 'status' } });
    $.bootWarnings = el('ul', { className: 'note boot-warnings', hidden: true, attrs: { part: 'bootstrap-warnings', style: 'flex-basis: 100%; margin: 0; padding-left: 1.2em' } });
    $.bootstrap = el('div', { className: 'controls bootstrap', hidden: true, attrs: { part: 'bootstrap', role: 'group', 'aria-label': 'Uncertainty of α' } },
      el('label', {}, 'resamples B ', $.bootB), el('label', { title: 'rows per resampled block; empty: whole sequences of an [S, T, H] tensor, single rows otherwise' }, 'block ', $.bootBlock),
      $.bootGo, $.bootCancel, $.bootResult, $.bootWarnings);
    $.embed = el('textarea', { className: 'embed-code', id: `${id}-embed`, rows: 3, readOnly: true, hidden: true,
      attrs: { part: 'embed-code', 'aria-label': 'embed code for this figure' } });
    $.toolbar = toolbar([
      ...figureExports(() => $.plot.querySelector('svg'), () => this.#stem(), 'spectrum'),
      ...reportExports(() => this.#report, () => this.#stem()),
      { name: 'embed', label: 'Copy embed code', aria: 'Copy embed code: the HTML that embeds this figure with these settings', action: () => this.#copyEmbed() },
      { name: 'report', label: 'Save report', aria: 'Save report: one HTML file with the numbers, every eigenvalue and this figure, which opens offline', action: () => this.#saveReport() },
    ], { label: 'Export this figure' });
    body.append(
      el('div', { className: 'head' }, $.title, el('p', { className: 'alpha-line', attrs: { part: 'alpha-line' } }, 'α = ', $.alpha)),
      $.detail, $.plot, $.caption, $.topNotes, $.controls, $.hint, $.bootstrap, $.toolbar, $.embed,
    );
    this.parts = $;

    $.estimator.addEventListener('change', () => this.setAttribute('estimator', $.estimator.value));
    $.preset.addEventListener('change', () => {
      if ($.preset.value === 'custom') { $.lo.focus(); return; }
      this.removeAttribute('lo');
      this.removeAttribute('hi');
      this.setAttribute('preset', $.preset.value);
    });
    // A typed rank applies when it is committed (change: Enter, Tab, blur, the arrows) and also
    // after a pause in typing, so a half-typed number never leaves α stale for long.
    for (const name of ['lo', 'hi']) {
      let timer = 0;
      const apply = () => {
        clearTimeout(timer);
        const value = $[name].value.trim();
        if (value === '') this.removeAttribute(name);
        else if (rank(value) !== null) this.setAttribute(name, String(rank(value)));
      };
      $[name].addEventListener('change', apply);
      $[name].addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(apply, 600); });
    }
    $.bootB.addEventListener('input', () => { $.bootB.dataset.touched = '1'; });
    $.bootGo.addEventListener('click', () => this.#bootstrap());
    $.bootCancel.addEventListener('click', () => this.#boot?.running?.abort());
  }

  /** The title shown: the label, else the file's name (with the array of a multi-array file). */
  #title() {
    const label = this.getAttribute('label');
    if (label) return label;
    if (this.#given) return this.#given.source?.name || 'report';
    const key = this.getAttribute('key');
    // An array of a multi-array file is named with its file: "layers.npz › h2".
    return key ? `${this.dataName()} › ${key}` : this.#report?.source?.name || this.dataName();
  }

  /** How the data on screen was read, as [setting, value] pairs for a saved report. */
  #readSettings() {
    const out = [];
    const attr = (name) => this.getAttribute(name)?.trim() || null;
    if (attr('key')) out.push(['array', attr('key')]);
    if (attr('rows')) out.push(['rows', `${attr('rows')} (0-based, end exclusive)`]);
    if (this.hasAttribute('drop-nonfinite')) out.push(['rows with NaN/Inf', 'dropped']);
    for (const name of ['header', 'index-col', 'skip-positions']) if (attr(name)) out.push([name, attr(name)]);
    if (this.hasAttribute('transpose')) out.push(['transpose', 'yes: the file stores units × samples']);
    if (attr('top')) out.push(['top k', attr('top')]);
    return out;
  }

  /**
   * Save report: the standalone HTML report of what is on screen, written by the core (the wasm
   * export reportHtml, the same function as `eigenlens report`) with the package files fetched
   * (packageFiles: static files, the page's own pkg/ first; no data leaves the page).
   */
  async #saveReport() {
    const report = this.#report;
    if (!report) throw new Error('no report on screen yet');
    const fit = this.fitRequest(await rules());
    // pkg/ of the page (the site build serves the package there), else next to this script (the
    // package itself, self-hosted or from a CDN, whose three files sit side by side).
    const bases = [new URL('./pkg/', document.baseURI).href];
    try {
      bases.push(new URL('./', getScriptUrl()).href);
    } catch { /* a bundle imported from a blob: URL (a notebook) has no directory */ }
    const { bundle, worker, wasm } = await packageFiles([...new Set(bases)]);
    const options = { fit, label: this.#title(), settings: this.#readSettings() };
    // A finished bootstrap of the fit on screen goes in as `analyze --bootstrap` puts it: the
    // report's keys, then alpha_interval and the whole bootstrap.
    const boot = this.#boot?.result && this.#boot.fit === this.#reportFit ? this.#boot.result : null;
    const saved = boot ? { ...report, alpha_interval: boot.alpha_interval, bootstrap: boot } : report;
    const html = await run({ type: 'reportHtml', report: saved, reportJson: reportJson(saved), bundle, worker, wasm, options });
    download(new Blob([html], { type: 'text/html' }), `${this.#stem()}.report.html`);
    return `Saved ${this.#stem()}.report.html (${(html.length / 1e6).toFixed(1)} MB): it opens from disk, offline.`;
  }

  /** The stem of export file names: "plain_h1_test.f32.spectrum". */
  #stem() {
    let name = this.#report?.source?.name;
    try { name ??= this.dataName(); } catch { name = 'eigenlens'; }
    return `${stem(name)}.spectrum`;
  }

  /** The fit request from the attributes; defaults are the core's first estimator and preset. */
  fitRequest(r) {
    const estimator = this.getAttribute('estimator') || r.estimators[0].name;
    if (!r.estimators.some((e) => e.name === estimator)) {
      throw new Error(`estimator="${estimator}" is not one of ${r.estimators.map((e) => e.name).join(', ')}`);
    }
    const presetName = this.getAttribute('preset');
    const preset = presetName ? r.fit_presets.find((p) => p.name === presetName) : r.fit_presets[0];
    if (!preset) throw new Error(`preset="${presetName}" is not one of ${r.fit_presets.map((p) => p.name).join(', ')}`);
    const bound = (name) => {
      const v = this.getAttribute(name);
      if (v === null || v.trim() === '') return preset[name];
      if (rank(v) === null) throw new Error(`${name}="${v}" is not a positive whole rank`);
      return rank(v);
    };
    return { estimator, lo: bound('lo'), hi: bound('hi') };
  }

  /** The fit settings shown, once the rules are known: {estimator, lo, hi, preset} (preset: a name or 'custom'). */
  async fit() {
    const r = await rules();
    const fit = this.fitRequest(r);
    const match = r.fit_presets.find((p) => p.lo === fit.lo && p.hi === fit.hi);
    return { ...fit, preset: match?.name ?? 'custom' };
  }

  /** The embed markup for the current settings (relative paths only). */
  async embedMarkup() {
    const fit = await this.fit();
    const reading = Object.fromEntries(READING.map((name) => [name,
      ['transpose', 'standardize', 'centre-positions'].includes(name) ? this.hasAttribute(name) : this.getAttribute(name)]));
    return this.embedCode({
      key: this.getAttribute('key'), rows: this.getAttribute('rows'), 'drop-nonfinite': this.hasAttribute('drop-nonfinite'),
      ...reading, top: this.getAttribute('top'), estimator: fit.estimator, lo: fit.lo, hi: fit.hi, label: this.getAttribute('label'),
    });
  }

  async #copyEmbed() {
    const code = await this.embedMarkup();
    const { embed } = this.parts;
    embed.value = code;
    embed.hidden = false;
    const copied = await copyText(code);
    if (!copied) { embed.focus(); embed.select(); }
    const where = `The script path is where this site serves eigenlens.js; keep ${this.dataName()} next to the post.`;
    return copied ? `Embed code copied. ${where}` : `Select the code below and copy it. ${where}`;
  }

  #fillControls(r) {
    if (this.#filled) return;
    this.#filled = true;
    const { estimator, preset } = this.parts;
    estimator.replaceChildren(...r.estimators.map((e) => el('option', { value: e.name, textContent: e.label })));
    preset.replaceChildren(
      ...r.fit_presets.map((p) => el('option', { value: p.name, textContent: p.label, title: p.source ?? '' })),
      el('option', { value: 'custom', textContent: 'custom' }),
    );
  }

  /** Shows the settings in the controls, never overwriting the one being edited. */
  #syncControls(r, fit) {
    this.#fillControls(r);
    const active = this.shadowRoot.activeElement;
    const match = r.fit_presets.find((p) => p.lo === fit.lo && p.hi === fit.hi);
    const values = { estimator: fit.estimator, preset: match?.name ?? 'custom', lo: fit.lo, hi: fit.hi };
    for (const [name, value] of Object.entries(values)) {
      if (this.parts[name] !== active) this.parts[name].value = String(value);
    }
  }

  /** top="K" as a number, or null when absent or blank; anything else is refused by name. */
  topK() {
    const v = this.getAttribute('top');
    if (v === null || v.trim() === '') return null;
    if (rank(v) === null) throw new Error(`top="${v}" is not a whole number of eigenvalues k ≥ 1`);
    return rank(v);
  }

  /** The error line, with the proposal's button when the file was too wide for the full analysis. */
  showError(message) {
    super.showError(message);
    const p = this.#proposal;
    delete this.dataset.proposal;
    if (!p) return;
    this.dataset.proposal = String(p.k);
    const accept = el('button', { type: 'button', className: 'topk-accept', textContent: `Compute the top ${p.k} eigenvalues only`,
      attrs: { part: 'topk-accept' } });
    accept.addEventListener('click', () => this.setAttribute('top', String(p.k)));
    this.errorEl.append(' ', accept);
  }

  /** What identifies the data to read: the file or URL, key, rows, NaN handling, how it is read. */
  #sourceSpec() {
    if (this.#given) return { id: `report:${this.#givenId}`, given: this.#given, name: this.#given.source?.name || 'report' };
    const rows = parseRows(this.getAttribute('rows'));
    const key = this.getAttribute('key') || undefined;
    const dropNonfinite = this.hasAttribute('drop-nonfinite');
    const [read, pre] = [this.readOptions(), this.preprocess()];
    const file = this.file;
    const files = this.files;
    const where = file ? files.map((f) => `file:${f.name}:${f.size}:${f.lastModified}`).join('|') : `url:${this.srcUrl()}`;
    const top = this.topK();
    const id = JSON.stringify([where, key, rows, dropNonfinite, read, pre, top]);
    return { id, file, files, key, rows, dropNonfinite, read, pre, top, name: this.dataName() };
  }

  /** Reads and analyses the data with `fit`, with progress and Cancel in the status line. */
  #load(source, fit) {
    const id = source.id;
    const name = source.name;
    return this.cancellable(async (signal) => {
      this.showStatus(`Loading ${name}…`);
      const file = await this.dataFile(signal); // a fetch error says what it is as it stands
      const started = performance.now();
      this.showStatus(`Analysing ${name} (${(file.size / 1e6).toFixed(1)} MB) in this browser…`, 0);
      const onProgress = ({ done, total, rows, pass, maxPasses }) => {
        if (this.#source !== id) return;
        const seconds = Math.max((performance.now() - started) / 1000, 1e-3);
        const speed = rows ? ` · ${Math.round(rows / seconds).toLocaleString('en')} rows/s` : '';
        const passes = pass ? ` · top ${source.top}: pass ${pass} of at most ${maxPasses}` : '';
        this.showStatus(`Analysing ${name}: ${(done / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB${speed}${passes}`,
          total ? done / total : 0);
      };
      const options = { fit, drop_nonfinite: source.dropNonfinite, rows: source.rows, ...source.pre };
      if (source.top) options.top = source.top;
      this.#proposal = null;
      let report;
      try {
        const files = source.files.length > 1 ? source.files : undefined; // moments shares, merged
        report = await run({ type: 'analyze', file, files, key: source.key, read: source.read, options }, onProgress,
          { signal });
      } catch (e) {
        if (e.message === 'cancelled') throw e;
        if (e.proposal && this.#source === id) {
          this.#proposal = e.proposal;
          throw new Error(`${name}: ${e.message}`, { cause: e });
        }
        throw new Error(`Could not analyse ${name}: ${e.message}`, { cause: e });
      }
      if (this.#source === id) [this.#report, this.#reportFit, this.#data] = [report, JSON.stringify(fit), file];
    }).catch((e) => {
      if (this.#source === id) this.#source = ''; // the next update reads again
      throw e.message === 'cancelled' ? new Error(`Cancelled reading ${name}.`, { cause: e }) : e;
    });
  }

  async update(isCurrent) {
    const r = await rules();
    this.#rules = r;
    const fit = this.fitRequest(r);
    const fitJson = JSON.stringify(fit);
    const source = this.#sourceSpec();
    this.#syncControls(r, fit);
    if (source.id !== this.#source) {
      this.#source = source.id;
      [this.#report, this.#reportFit, this.#data] = [null, '', null];
      this.#boot?.running?.abort();
      [this.#boot, this.#bootAgain] = [null, false];
      this.#showBootstrap();
      if (source.given) {
        // A report handed over: shown as it is when its fit is the one asked for, else refitted below.
        const a = source.given.alpha_fit;
        const same = a?.estimator === fit.estimator && a?.rank_lo === fit.lo && a?.rank_hi === fit.hi;
        [this.#report, this.#reportFit] = [source.given, same ? fitJson : ''];
        this.#loading = null;
      } else {
        this.#loading = this.#load(source, fit);
      }
    } else if (this.#boot?.running && this.#boot.fit !== fitJson) {
      // A fit setting changed mid-bootstrap: stop it (which frees its worker for the refit at
      // once) and run it again for the new fit once α is refitted.
      const stopped = this.#boot;
      [this.#boot, this.#bootAgain] = [null, true];
      stopped.running.abort();
    }
    if (this.#loading) {
      const loading = this.#loading;
      try {
        await loading;
      } finally {
        if (this.#loading === loading) this.#loading = null;
      }
    }
    if (!isCurrent() || !this.#report) return;
    if (this.#reportFit !== fitJson) {
      const rep = this.#report;
      // The core refits the whole report: α, its fit diagnostics and the warnings that depend on them.
      const refitted = await run({ type: 'refit', report: rep, fit });
      if (!isCurrent() || this.#report !== rep) return; // a newer update refits for its own settings
      [this.#report, this.#reportFit] = [refitted, fitJson];
    }
    this.#render();
    if (this.#bootAgain) {
      this.#bootAgain = false;
      this.#bootstrap({ restarted: true });
    }
  }

  relayout() { this.#drawPlot(); }

  #interactive() { return this.getAttribute('controls') !== 'none'; }

  #drawPlot() {
    const svg = spectrumPlot(this.#report, figureSize(this.availableWidth(), 640), { band: this.interval });
    this.parts.plot.replaceChildren(svg);
    showData(this.parts.plot, svg);
    if (this.#interactive()) {
      attachRangeDrag(svg, (lo, hi) => {
        this.removeAttribute('preset');
        this.setAttribute('lo', String(lo));
        this.setAttribute('hi', String(hi));
      });
    }
  }

  #render() {
    const report = this.#report;
    const fit = report.alpha_fit;
    const p = this.parts;
    const src = report.source;
    const title = this.#title();
    p.title.textContent = title;
    p.alpha.textContent = fit.valid ? fit.alpha.toFixed(4) : 'none';
    p.detail.textContent = fit.valid && Number.isFinite(fit.r2)
      ? `${fit.label} · ${fit.n_points} points · R² = ${fit.r2.toFixed(4)}` : fit.label;
    this.dataset.alpha = fit.valid ? String(fit.alpha) : '';
    this.body.hidden = false; // measure the real width before drawing
    this.#drawPlot();
    const only = report.top_k ? ` (top ${report.top_k.top_k} eigenvalues only)` : '';
    p.plot.setAttribute('aria-label', `Eigenspectrum of ${title}${only} on log-log axes: α = ${fit.label}`);
    const stored = src?.shape?.length ? `${src.dtype} [${src.shape.join(', ')}] · ` : ''; // a CSV has no stored shape
    const t = report.top_k;
    const size = `${stored}${report.n_rows.toLocaleString('en')} × ${report.n_cols.toLocaleString('en')}`;
    if (t) {
      // Only k eigenvalues exist: the summary says how they were computed and shows bounds, not values.
      const b = t.bounds;
      const between = (x, f) => `≥ ${f(x.low)}, ≤ ${f(x.high)}`;
      const f2 = (x) => x.toFixed(2);
      p.caption.textContent = `${size} · only the top ${t.top_k} of ${report.n_cols.toLocaleString('en')} eigenvalues ` +
        `computed (${t.passes} passes over the rows, ${t.converged ? 'converged' : 'NOT converged'}; max residual ` +
        `‖Cv − λv‖ = ${t.max_residual.toExponential(2)}, ${t.max_relative_residual.toExponential(1)} of λ)` +
        ` · participation ratio ${between(b.participation_ratio, f2)} · effective rank ${between(b.effective_rank, f2)}` +
        ` · k₉₀ ${between(b.k90, String)}`;
      p.topNotes.replaceChildren(...(t.notes ?? []).map((n) => el('li', { textContent: n })));
      this.dataset.topK = String(t.top_k);
    } else {
      p.caption.textContent = `${size} · participation ratio ${report.participation_ratio.toFixed(2)} · k₉₀ = ${report.k90}` +
        (report.n_dropped_rows ? ` · ${report.n_dropped_rows} rows with NaN/Inf dropped` : '');
      p.topNotes.replaceChildren();
      delete this.dataset.topK;
    }
    p.topNotes.hidden = !t;
    p.hi.max = t ? String(t.top_k) : '';
    p.hint.textContent = t ? `Drag across the spectrum to fit over those ranks; only the top ${t.top_k} were computed, ` +
      `so the fit ends at rank ${t.top_k} at most.` : 'Drag across the spectrum to fit over those ranks.';
    const interactive = this.#interactive();
    p.controls.hidden = !interactive;
    p.hint.hidden = !interactive;
    p.toolbar.hidden = !interactive;
    // A handed-over report has no file to embed or package files to save with.
    for (const name of ['embed', 'report']) p.toolbar.querySelector(`[data-export="${name}"]`).hidden = !!this.#given;
    this.#showBootstrap();
    if (!p.embed.hidden) this.embedMarkup().then((code) => { p.embed.value = code; });
    this.rendered({ report, alpha: this.alpha, interval: this.interval });
  }

  // ---- the bootstrap of α over blocks of rows ----

  /** The rows per block typed in, or undefined (empty: the core's default). */
  #bootBlock() {
    const v = this.parts.bootBlock.value.trim();
    if (v === '') return undefined;
    const l = Math.max(1, Math.round(Number(v)) || 1);
    this.parts.bootBlock.value = String(l);
    return l;
  }

  /** Resamples blocks of rows B times (the core's bootstrap) for an interval on α, drawn as a band. */
  async #bootstrap({ restarted = false } = {}) {
    const p = this.parts;
    const fit = this.fitRequest(await rules());
    const fitJson = JSON.stringify(fit);
    if (!this.#data || !this.#report) return;
    this.#boot?.running?.abort();
    const b = Math.min(BOOT_MAX, Math.max(2, Math.round(Number(p.bootB.value)) || 50));
    p.bootB.value = String(b);
    const boot = { fit: fitJson, label: this.#report.alpha_fit.label, running: new AbortController(), result: null, message: '' };
    this.#boot = boot;
    const lead = restarted ? 'The fit changed: restarted. ' : '';
    boot.message = `${lead}resampling 0 of ${b}…`;
    this.#showBootstrap();
    try {
      const options = { b, seed: BOOT_SEED, fit, level: BOOT_LEVEL, block: this.#bootBlock() };
      const key = this.getAttribute('key') || undefined;
      boot.result = await run({ type: 'bootstrap', file: this.#data, key, read: this.readOptions(), options },
        ({ done, total }) => {
          if (this.#boot !== boot) return;
          boot.message = `${lead}resampling ${done} of ${total}…`;
          this.#showBootstrap();
        }, { signal: boot.running.signal });
      boot.message = '';
    } catch (e) {
      if (this.#boot !== boot) return; // superseded: a newer bootstrap speaks for itself
      boot.message = e.message === 'cancelled' ? 'Bootstrap cancelled.' : `The bootstrap failed: ${e.message}`;
    }
    if (this.#boot !== boot) return;
    boot.running = null;
    if (this.#report && this.dataset.state === 'done') this.#render();
    else this.#showBootstrap();
  }

  /** The bootstrap row: shown with bootstrap="B"; its readout for the fit on screen. */
  #showBootstrap() {
    const p = this.parts;
    const wanted = this.hasAttribute('bootstrap') && this.#interactive();
    p.bootstrap.hidden = !wanted;
    if (!wanted) return;
    const attrB = Math.round(Number(this.getAttribute('bootstrap')));
    if (!p.bootB.dataset.touched && attrB >= 2) p.bootB.value = String(Math.min(BOOT_MAX, attrB));
    const boot = this.#boot;
    const running = !!boot?.running;
    p.bootCancel.hidden = !running;
    const rows = this.getAttribute('rows');
    const pre = this.preprocess();
    const preprocessed = pre.standardize || pre.remove_top !== 0 || pre.centre_positions;
    const top = this.getAttribute('top');
    p.bootGo.disabled = !this.#data || !!rows || preprocessed || !!top;
    p.bootGo.textContent = running ? 'Restart the bootstrap' : 'Bootstrap α';
    const out = p.bootResult;
    for (const k of ['alpha', 'lo', 'hi', 'block', 'method']) delete out.dataset[k];
    out.title = '';
    p.bootWarnings.hidden = true;
    p.bootWarnings.replaceChildren();
    if (!this.#data) { out.textContent = this.#report ? 'The bootstrap resamples the rows of a file; this view has none.' : ''; return; }
    if (rows) { out.textContent = 'The bootstrap resamples every row of the file: clear the row range to run it.'; return; }
    if (top) { out.textContent = 'The bootstrap refits the full spectrum of every resample: it does not run with top k.'; return; }
    if (preprocessed) {
      const why = this.#rules?.bootstrap_preprocessed ?? '';
      out.textContent = why.charAt(0).toUpperCase() + why.slice(1) + '.'; // the core's words
      return;
    }
    if (!boot) { out.textContent = ''; return; }
    const r = boot.result;
    if (!r) { out.textContent = boot.message; return; }
    // The core's warnings: what the interval does not show (N below 5·D, single rows of
    // dependent data, whole sequences by default, invalid fits), in its words.
    const warnings = r.warnings ?? [];
    p.bootWarnings.replaceChildren(...warnings.map((w) => el('li', { textContent: w })));
    p.bootWarnings.hidden = !warnings.length;
    const i = r.alpha_interval;
    if (!i) {
      out.textContent = `no interval: ${r.n_invalid} of ${r.b} resamples gave no valid α` +
        `${r.alphas?.length === 1 ? ' (one valid resample: a spread needs two)' : ''}`;
      return;
    }
    const f2 = (x) => x.toFixed(2);
    const rowsOf = (n) => `${n} row${n === 1 ? '' : 's'}`;
    let text = `α = ${f2(r.alpha)} [${f2(i.lo)}, ${f2(i.hi)}] (${Math.round(i.level * 100)} %, B = ${r.b}` +
      `${r.n_invalid ? `, ${r.n_invalid} resamples without a valid α` : ''}; ${i.method === 'normal' ? 'α̂ ± z·se' : i.method}` +
      `${Number.isFinite(r.se) ? `, se = ${r.se.toPrecision(2)}` : ''}; ` +
      `${r.n_blocks} blocks of ${rowsOf(i.block)}; seed ${r.seed})`;
    if (boot.fit !== this.#reportFit) {
      text = `For the previous fit, α = ${boot.label}: ${text}. The fit has changed since: bootstrap again for this one.`;
    } else {
      Object.assign(out.dataset, { alpha: r.alpha, lo: i.lo, hi: i.hi, block: i.block, method: i.method });
    }
    out.textContent = text;
    out.title = `${Math.round(i.level * 100)} % interval α̂ ± z·se, se the standard deviation of α over ${r.b} resamples of ` +
      `${r.n_blocks} blocks (${rowsOf(i.block)} each) drawn with replacement. It shows the scatter of α̂ at this N, ` +
      `not the finite-N bias of α̂ itself.`;
  }
}
