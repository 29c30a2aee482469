// <eigenlens-spectrum src="layer.npy" estimator="stringer" lo="11" hi="500">: the log-log
// eigenspectrum of a layer's activations with its power-law fit and α, computed in the page.
//
// Attributes: src (required), key (the array in an .npz/.safetensors), estimator (stringer|ols),
// lo, hi (fit range in ranks), rows ("from:to", 0-based, to exclusive), drop-nonfinite (boolean),
// label (title; default the file name), controls="none" (hide the fit controls and exports).
// Changing src/key/rows/drop-nonfinite re-reads the file; estimator/lo/hi only refit.
// Events: eigenlens-render {report, alpha, renderedAt}, eigenlens-error {message}.
// Reads: el.report, el.alpha, el.dataset.alpha, el.dataset.state (loading|done|error).
import { run } from '../engine.js';
import { spectrumPlot, figureSize } from '../plots.js';
import { toolbar, figureExports, reportExports, copyText, stem } from '../export.js';
import { EigenlensElement, fetchAsFile, fileName, h } from './base.js';

export const DEFAULT_FIT = { estimator: 'stringer', lo: 11, hi: 500 };

/** "100:300" → [100, 300]; ":300" → [0, 300]; "100:" → [100, ∞); null when absent. */
function parseRows(text) {
  if (!text) return null;
  const m = /^\s*(\d*)\s*:\s*(\d*)\s*$/.exec(text);
  if (!m) throw new Error(`rows="${text}" is not a range like "100:300"`);
  return [m[1] === '' ? 0 : Number(m[1]), m[2] === '' ? Number.MAX_SAFE_INTEGER : Number(m[2])];
}

let uid = 0;

export class EigenlensSpectrum extends EigenlensElement {
  static tag = 'eigenlens-spectrum';
  static observedAttributes = ['src', 'key', 'rows', 'drop-nonfinite', 'estimator', 'lo', 'hi', 'label', 'controls'];

  #report = null;
  #sourceKey = '';
  #fitKey = '';

  get report() { return this.#report; }
  get alpha() { return this.#report?.alpha_fit.valid ? this.#report.alpha_fit.alpha : null; }

  build(body) {
    const id = `eigenlens-${++uid}`;
    body.innerHTML = h`<div class="head"><span class="title" part="title"></span>
        <p class="alpha-line" part="alpha-line">α = <strong class="alpha" part="alpha">–</strong></p></div>
      <span class="detail" part="detail"></span>
      <div class="plot" part="plot" role="img"></div>
      <p class="caption" part="caption"></p>
      <form class="controls" part="controls" aria-label="Power-law fit">
        <label>estimator <select name="estimator" aria-label="fit estimator">
          <option value="stringer">stringer (weights 1/n)</option><option value="ols">ols</option></select></label>
        <label>n<sub>lo</sub> <input name="lo" type="number" min="1" step="1" inputmode="numeric" aria-label="first rank of the fit"></label>
        <label>n<sub>hi</sub> <input name="hi" type="number" min="2" step="1" inputmode="numeric" aria-label="last rank of the fit"></label>
      </form>
      <div class="toolbar-slot"></div>
      <textarea class="embed-code" part="embed-code" id="${id}-embed" rows="3" readonly hidden aria-label="embed code for this figure"></textarea>`;
    const $ = (sel) => body.querySelector(sel);
    this.parts = {
      title: $('.title'), alpha: $('.alpha'), detail: $('.detail'), plot: $('.plot'), caption: $('.caption'),
      controls: $('.controls'), embed: $('.embed-code'),
    };
    const form = this.parts.controls;
    form.addEventListener('submit', (e) => e.preventDefault());
    form.addEventListener('change', (e) => {
      const { name, value } = e.target;
      if (value === '' && name !== 'estimator') this.removeAttribute(name);
      else this.setAttribute(name, value);
    });
    const bar = toolbar([
      ...figureExports(() => this.parts.plot.querySelector('svg'), () => this.#stem(), 'spectrum'),
      ...reportExports(() => this.#report, () => this.#stem()),
      { name: 'embed', label: 'Copy embed code', aria: 'Copy the HTML that embeds this figure with these settings', action: () => this.#copyEmbed() },
    ], { label: 'Export this figure' });
    $('.toolbar-slot').replaceWith(bar);
    this.parts.toolbar = bar;
  }

  /** The stem of export file names: "plain_h1_test.f32.spectrum". */
  #stem() {
    return `${stem(this.#report?.source?.name ?? fileName(this.srcUrl()))}.spectrum`;
  }

  /** The fit request from the attributes (defaults 'stringer', 11, 500). */
  fitRequest() {
    const num = (name) => {
      const v = this.getAttribute(name);
      if (v === null || v.trim() === '') return DEFAULT_FIT[name];
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${name}="${v}" is not a positive whole rank`);
      return n;
    };
    return { estimator: this.getAttribute('estimator') || DEFAULT_FIT.estimator, lo: num('lo'), hi: num('hi') };
  }

  /** The embed markup for the current settings. */
  embedMarkup() {
    const fit = this.fitRequest();
    return this.embedCode({
      src: this.srcUrl(), key: this.getAttribute('key'), rows: this.getAttribute('rows'),
      'drop-nonfinite': this.hasAttribute('drop-nonfinite'),
      estimator: fit.estimator, lo: fit.lo, hi: fit.hi, label: this.getAttribute('label'),
    });
  }

  async #copyEmbed() {
    const code = this.embedMarkup();
    const { embed } = this.parts;
    embed.value = code;
    embed.hidden = false;
    const copied = await copyText(code);
    if (!copied) { embed.focus(); embed.select(); }
    return copied ? 'Embed code copied.' : 'Select the code below and copy it.';
  }

  async update(isCurrent) {
    const url = this.srcUrl();
    const key = this.getAttribute('key') || undefined;
    const rows = parseRows(this.getAttribute('rows'));
    const dropNonfinite = this.hasAttribute('drop-nonfinite');
    const fit = this.fitRequest();
    const sourceKey = JSON.stringify([url, key, rows, dropNonfinite]);
    const fitKey = JSON.stringify(fit);
    const name = fileName(url);

    if (!this.#report || sourceKey !== this.#sourceKey) {
      this.showStatus(`Loading ${name}…`);
      const file = await fetchAsFile(url);
      if (!isCurrent()) return;
      this.showStatus(`Analysing ${name} (${(file.size / 1e6).toFixed(1)} MB) in this browser…`);
      let report;
      try {
        report = await run({ type: 'analyze', file, key, options: { fit, drop_nonfinite: dropNonfinite, rows } },
          ({ done, total }) => isCurrent() && this.showStatus(`Analysing ${name}: ${Math.round((100 * done) / Math.max(total, 1))} %`));
      } catch (e) {
        throw new Error(`Could not analyse ${name}: ${e.message}`);
      }
      if (!isCurrent()) return;
      [this.#report, this.#sourceKey, this.#fitKey] = [report, sourceKey, fitKey];
    } else if (fitKey !== this.#fitKey) {
      const r = this.#report;
      const alphaFit = await run({ type: 'refit', eigenvalues: r.eigenvalues, nRows: r.n_rows, rank: r.numerical_rank, fit });
      if (!isCurrent()) return;
      [this.#report, this.#fitKey] = [{ ...r, alpha_fit: alphaFit }, fitKey];
    }
    this.#render();
  }

  relayout() { this.#drawPlot(); }

  #drawPlot() {
    const report = this.#report;
    const svg = spectrumPlot(report, figureSize(this.availableWidth(), 640));
    this.parts.plot.replaceChildren(svg);
  }

  #render() {
    const report = this.#report;
    const fit = report.alpha_fit;
    const p = this.parts;
    const src = report.source;
    const title = this.getAttribute('label') || src?.name || 'spectrum';
    p.title.textContent = title;
    p.alpha.textContent = fit.valid ? fit.alpha.toFixed(4) : 'none';
    p.detail.textContent = fit.valid
      ? `${fit.estimator} fit over n = ${fit.rank_lo}…${fit.rank_hi}, ${fit.n_points} points, R² = ${fit.r2?.toFixed(4)}`
      : `${fit.estimator}, n = ${fit.rank_lo}…${fit.rank_hi}: ${fit.reason}`;
    this.dataset.alpha = fit.valid ? String(fit.alpha) : '';
    this.body.hidden = false; // measure the real width before drawing
    this.#drawPlot();
    p.plot.setAttribute('aria-label', `Eigenspectrum of ${title} on log-log axes: ` +
      (fit.valid ? `α = ${fit.alpha.toFixed(3)}, ${fit.estimator} fit over ranks ${fit.rank_lo} to ${fit.rank_hi}` : `no valid fit (${fit.reason})`));
    p.caption.textContent = `${report.n_rows.toLocaleString('en')} × ${report.n_cols.toLocaleString('en')}` +
      ` · participation ratio ${report.participation_ratio.toFixed(2)} · k₉₀ = ${report.k90}` +
      (report.n_dropped_rows ? ` · ${report.n_dropped_rows} rows with NaN/Inf dropped` : '');
    const request = this.fitRequest();
    // Show the settings in the controls, but never overwrite the one being edited.
    const form = p.controls.elements;
    for (const name of ['estimator', 'lo', 'hi']) {
      if (form[name] !== this.shadowRoot.activeElement) form[name].value = request[name];
    }
    const interactive = this.getAttribute('controls') !== 'none';
    p.controls.hidden = !interactive;
    p.toolbar.hidden = !interactive;
    if (!p.embed.hidden) p.embed.value = this.embedMarkup();
    this.rendered({ report, alpha: this.alpha });
  }
}
