// <eigenlens-compare src="h1.npy h2.npy layers.npz#h3" labels="h1, h2, h3">: several layers in one
// figure. Each file is analysed in turn, then α of every layer is fitted over ONE common range of
// ranks, as `eigenlens compare` and the page's comparison fit it (the core's `compare`: n_lo as
// asked, n_hi the smallest of the asked n_hi and every layer's caps ⌊D/2⌋, N − 1, the numerical
// rank and the last positive eigenvalue, so the same ranks are fitted in every layer), with N/D per
// layer (finite N biases α upward more where N/D is smaller). Shown: the spectra overlaid, scaled
// to λ₁ = 1 (so their slopes, −α, compare), α over the common range, participation ratio and
// effective rank per layer, a table, and the core's warnings.
//
// Attributes: src (whitespace-separated URLs; "file.npz#key" names an array of a file of several),
// labels (comma-separated, one per layer; default the file name and key), label (title), estimator,
// preset, lo, hi (the requested fit; as on <eigenlens-spectrum>), controls="none" (hide the fit
// controls), theme. A page (or the Jupyter widget) hands the layers over instead of src:
// el.layers = [{file, key, label}]. A change of the fit refits from the eigenvalues (no file is
// read again); a change of src, labels or layers reads again.
// Events: eigenlens-render {comparison, alphas, renderedAt}, eigenlens-error {message}.
// Reads: el.comparison, el.alphas, el.dataset.alphas (JSON), el.dataset.range ("lo…hi").
// What it does not do: make N/D equal (subsample rows for that), or bootstrap α (the page does).
import { run } from '../engine.js';
import { figureSize } from '../plots/size.js';
import { spectraPlot } from '../plots/spectra.js';
import { measurePlot } from '../plots/compare.js';
import { showData } from '../plots/plot.js';
import { EigenlensElement, el, rules, fetchAsFile, fileName } from './base.js';
import { EigenlensSpectrum } from './spectrum.js';

const MEASURES = [
  { key: 'alpha', label: 'α', color: 'var(--fit)', value: (l) => (l.fit.valid ? l.fit.alpha : NaN) },
  { key: 'pr', label: 'participation ratio', color: 'var(--data)', value: (l) => l.report.participation_ratio },
  { key: 'erank', label: 'effective rank', color: 'var(--c3)', value: (l) => l.report.effective_rank },
];

const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');

export class EigenlensCompare extends EigenlensElement {
  static tag = 'eigenlens-compare';
  static observedAttributes = [...EigenlensElement.baseAttributes, 'src', 'labels', 'label', 'estimator', 'preset', 'lo',
    'hi', 'controls'];

  #layers = null; // handed over by the page: [{file, key, label}]
  #source = ''; // the identity of the layers behind #reports (or being read)
  #reading = null; // the read under way: a promise of the reports
  #comparison = null;
  #shown = null; // [{name, report, fit}] on screen

  get comparison() { return this.#comparison; }
  /** α of each layer over the common range (null where the fit is invalid), in order. */
  get alphas() { return this.#comparison?.layers.map((l) => (l.alpha_fit.valid ? l.alpha_fit.alpha : null)) ?? null; }

  /** The layers as Files handed over by a page: [{file, key, label}] (replaces src). */
  get layers() { return this.#layers ? [...this.#layers] : null; }
  set layers(list) {
    this.#layers = list ? [...list] : null;
    this.schedule();
  }

  build(body) {
    const $ = {};
    $.title = el('span', { className: 'title', attrs: { part: 'title' } });
    $.range = el('p', { className: 'alpha-line', attrs: { part: 'range' } });
    $.spectra = el('div', { className: 'plot', attrs: { part: 'plot', role: 'img' } });
    $.measures = el('div', { className: 'measures', attrs: { part: 'measures', style: 'display: flex; flex-wrap: wrap; gap: 0.5rem' } },
      ...MEASURES.map((m) => el('div', { className: `plot measure-${m.key}`, attrs: { role: 'img', 'data-measure': m.key } })));
    $.table = el('table', { className: 'figure-table compare-table', attrs: { part: 'table' } });
    $.warnings = el('ul', { className: 'note', hidden: true, attrs: { part: 'warnings' } });
    $.estimator = el('select', { name: 'estimator', attrs: { 'aria-label': 'fit estimator' } });
    $.preset = el('select', { name: 'preset', attrs: { 'aria-label': 'fit range preset' } });
    $.controls = el('div', { className: 'controls', attrs: { part: 'controls', role: 'group', 'aria-label': 'Power-law fit' } },
      el('label', {}, 'estimator ', $.estimator), el('label', {}, 'range ', $.preset));
    $.caption = el('p', { className: 'caption', attrs: { part: 'caption' } });
    body.append(el('div', { className: 'head' }, $.title), $.range, $.spectra, $.measures, $.table, $.caption,
      $.warnings, $.controls);
    this.parts = $;
    $.estimator.addEventListener('change', () => this.setAttribute('estimator', $.estimator.value));
    $.preset.addEventListener('change', () => {
      if ($.preset.value === 'custom') return;
      this.removeAttribute('lo');
      this.removeAttribute('hi');
      this.setAttribute('preset', $.preset.value);
    });
  }

  /** The requested fit from the attributes: the spectrum element's rules (same attributes, same defaults). */
  fitRequest(r) { return EigenlensSpectrum.prototype.fitRequest.call(this, r); }

  /** The layers to read: [{file | url, key, label}], from el.layers or src and labels. */
  #specs() {
    const labels = (this.getAttribute('labels') ?? '').split(',').map((s) => s.trim());
    let specs;
    if (this.#layers) {
      specs = this.#layers.map((l) => ({ file: l.file, key: l.key ?? null, label: l.label ?? null }));
    } else {
      const src = (this.getAttribute('src') ?? '').trim();
      if (!src) throw new Error('<eigenlens-compare> needs src (the URLs of the layers\' files, separated by spaces) or el.layers');
      specs = src.split(/\s+/).map((s) => {
        const url = new URL(s, document.baseURI);
        const key = url.hash ? decodeURIComponent(url.hash.slice(1)) : null;
        url.hash = '';
        return { url: url.href, key, label: null };
      });
    }
    return specs.map((s, i) => {
      const name = s.file ? s.file.name : fileName(s.url);
      return { ...s, name, label: labels[i] || s.label || (s.key ? `${name} › ${s.key}` : name) };
    });
  }

  /** Reads and analyses every layer in turn (one at a time: the pool stays free for the page). */
  #read(specs) {
    return this.cancellable(async (signal) => {
      const reports = [];
      for (const [i, s] of specs.entries()) {
        const what = `${s.label} (${i + 1} of ${specs.length})`;
        this.showStatus(`Loading ${what}…`);
        const file = s.file ?? await fetchAsFile(s.url, { signal });
        this.showStatus(`Analysing ${what} in this browser…`, i / specs.length);
        try {
          reports.push(await run({ type: 'analyze', file, key: s.key ?? undefined, options: { drop_nonfinite: false, rows: null } },
            null, { signal }));
        } catch (e) {
          if (e.message === 'cancelled') throw new Error('Cancelled reading the layers.', { cause: e });
          throw new Error(`Could not analyse ${s.label}: ${e.message}`, { cause: e });
        }
      }
      return reports;
    });
  }

  async update(isCurrent) {
    const r = await rules();
    const fit = this.fitRequest(r);
    const specs = this.#specs();
    const id = JSON.stringify(specs.map((s) => [s.file ? `file:${s.file.name}:${s.file.size}:${s.file.lastModified}` : s.url, s.key]));
    this.#syncControls(r, fit);
    if (id !== this.#source || !this.#reading) {
      this.#source = id;
      this.#reading = this.#read(specs);
      this.#reading.catch(() => { if (this.#source === id) this.#source = ''; });
    }
    const reports = await this.#reading;
    if (!isCurrent()) return;
    const comparison = await run({
      type: 'compare',
      reports: reports.map((rep, i) => ({ name: specs[i].label, n_rows: rep.n_rows, n_cols: rep.n_cols,
        numerical_rank: rep.numerical_rank, eigenvalues: rep.eigenvalues })),
      fit,
    });
    if (!isCurrent()) return;
    this.#comparison = comparison;
    this.#shown = specs.map((s, i) => ({ name: s.label, report: reports[i], layer: comparison.layers[i],
      fit: comparison.layers[i].alpha_fit }));
    this.#render(fit);
  }

  #syncControls(r, fit) {
    const { estimator, preset } = this.parts;
    if (!estimator.options.length) {
      estimator.replaceChildren(...r.estimators.map((e) => el('option', { value: e.name, textContent: e.label })));
      preset.replaceChildren(...r.fit_presets.map((p) => el('option', { value: p.name, textContent: p.label, title: p.source ?? '' })),
        el('option', { value: 'custom', textContent: 'custom' }));
    }
    estimator.value = fit.estimator;
    preset.value = r.fit_presets.find((p) => p.lo === fit.lo && p.hi === fit.hi)?.name ?? 'custom';
  }

  relayout() { if (this.#shown) this.#draw(); }

  #draw() {
    const p = this.parts;
    const shown = this.#shown;
    const svg = spectraPlot(shown.map((l) => ({ label: l.name, eigenvalues: l.report.eigenvalues })),
      figureSize(this.availableWidth(), 640));
    p.spectra.replaceChildren(svg);
    showData(p.spectra, svg);
    p.spectra.setAttribute('aria-label', `Eigenspectra of ${shown.map((l) => l.name).join(', ')}, scaled to λ₁ = 1, log-log`);
    const width = Math.max(220, Math.min(300, Math.floor((this.availableWidth() - 16) / 3)));
    MEASURES.forEach((m, i) => {
      const box = p.measures.children[i];
      const rows = shown.map((l) => ({ name: l.name, value: m.value(l) }));
      box.replaceChildren(measurePlot(rows, m.key === 'alpha' ? `α (${this.#comparison.layers[0]?.alpha_fit.estimator ?? ''})` : m.label,
        { width, color: m.color }));
      box.setAttribute('aria-label', `${m.label} per layer: ${rows.map((r) => `${r.name} ${f2(r.value)}`).join(', ')}`);
    });
  }

  #render(fit) {
    const p = this.parts;
    const c = this.#comparison;
    const shown = this.#shown;
    p.title.textContent = this.getAttribute('label') || `${shown.length} layer${shown.length === 1 ? '' : 's'} compared`;
    p.range.textContent = c.reason
      ? `No common range of ranks: ${c.reason}`
      : `α (${fit.estimator}) over one common range n = ${c.rank_lo}…${c.rank_hi} in every layer` +
        `${c.limited_by ? ` (n_hi limited by ${c.limited_by})` : ''}; n = ${fit.lo}…${fit.hi} asked.`;
    const head = el('tr', {}, ...['layer', 'α', 'participation ratio', 'effective rank', 'N × D (N/D)']
      .map((t) => el('th', { scope: 'col', textContent: t })));
    const rows = shown.map((l) => {
      const tr = el('tr', {},
        el('th', { scope: 'row', textContent: l.name }),
        el('td', { className: 'alpha-cell', textContent: l.fit.label }),
        el('td', { textContent: f2(l.report.participation_ratio) }),
        el('td', { textContent: f2(l.report.effective_rank) }),
        el('td', { textContent: `${l.report.n_rows.toLocaleString('en')} × ${l.report.n_cols.toLocaleString('en')} (${l.layer.n_over_d.toPrecision(3)})` }));
      tr.dataset.alpha = l.fit.valid ? String(l.fit.alpha) : '';
      return tr;
    });
    p.table.replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
    p.caption.textContent = 'Spectra scaled to their first eigenvalue, so the slopes (−α) compare. Finite N biases α ' +
      'upward more where N/D is smaller: the comparison fits the same ranks, it does not make N/D equal.';
    p.warnings.replaceChildren(...(c.warnings ?? []).map((w) => el('li', { textContent: w })));
    p.warnings.hidden = !c.warnings?.length;
    p.controls.hidden = this.getAttribute('controls') === 'none';
    this.body.hidden = false; // measure the real width before drawing
    this.#draw();
    const alphas = this.alphas;
    this.dataset.alphas = JSON.stringify(alphas);
    this.dataset.range = c.reason ? '' : `${c.rank_lo}…${c.rank_hi}`;
    this.rendered({ comparison: c, alphas });
  }
}
