// <eigenlens-projections src="sweep.npy" param="t.npy" k="5" seed="1">: random projections of a
// code along an ordered stimulus sweep, drawn as curves, with the code's roughness R, its
// Hölder exponent H and the smoothness verdict, all as the core computes them.
//
// Attributes: src (rows in sweep order; required unless a page hands over `el.file`), key, param
// (a 1-D .npy of the sweep parameter; default the row index; a page may hand over
// `el.paramFile`), k (projections, default 5), seed (default 1), periodic (boolean: the sweep
// wraps around), d (input dimensionality for the verdict: 1, 2, … or "high"; default 1),
// bootstrap (resamples B for the interval of α the verdict needs; default 50, 0: no interval,
// so the verdict is undecided), repeat (a second recording of the same sweep, same rows in the
// same order: the verdict then uses the cross-validated α; a page may hand over `el.repeatFile`),
// shuffled (boolean: draw the curves with the rows in the core's shuffled order, the rough
// baseline behind R shuffled), label, controls="none", theme="light|dark|auto".
// A change of any attribute recomputes (the last change wins; an older run still going is
// cancelled), except `shuffled`, `label` and `controls`, which only redraw.
// Events and reads as <eigenlens-spectrum>: eigenlens-render {report, roughness, renderedAt},
// el.report, el.dataset.roughness, el.dataset.state.
import { run } from '../engine.js';
import { figureSize } from '../plots/size.js';
import { sweepCurves, curvesPlot } from '../plots/curves.js';
import { showData } from '../plots/plot.js';
import { toolbar, figureExports, download, jsonBlob, curvesCsv, copyText, stem } from '../export.js';
import { EigenlensElement, el, fetchAsFile, sitePath } from './base.js';

/** Attributes that change only the drawing, not the numbers. */
const DRAWING = new Set(['shuffled', 'label', 'controls']);

export class EigenlensProjections extends EigenlensElement {
  static tag = 'eigenlens-projections';
  static observedAttributes = [...EigenlensElement.baseAttributes, 'src', 'key', 'param', 'k', 'seed', 'periodic', 'd',
    'bootstrap', 'repeat', 'shuffled', 'label', 'controls'];

  #report = null;
  #paramFile = null;
  #repeatFile = null;

  get report() { return this.#report; }

  /** The sweep parameter as a File, handed over by a page instead of `param`. */
  get paramFile() { return this.#paramFile; }
  set paramFile(file) {
    this.#paramFile = file ?? null;
    this.schedule();
  }

  /** A repeat of the sweep as a File, handed over by a page instead of `repeat`. */
  get repeatFile() { return this.#repeatFile; }
  set repeatFile(file) {
    this.#repeatFile = file ?? null;
    this.schedule();
  }

  build(body) {
    const $ = {};
    $.title = el('span', { className: 'title', attrs: { part: 'title' } });
    $.roughness = el('strong', { className: 'alpha roughness', textContent: '–', attrs: { part: 'roughness' } });
    $.detail = el('span', { className: 'detail', attrs: { part: 'detail' } });
    $.plot = el('div', { className: 'plot', attrs: { part: 'plot', role: 'img' } });
    $.caption = el('p', { className: 'caption', attrs: { part: 'caption' } });
    $.redraw = el('button', { type: 'button', className: 'redraw', textContent: 'New draw' });
    $.shuffle = el('input', { type: 'checkbox', className: 'shuffle' });
    $.controls = el('div', { className: 'controls', attrs: { part: 'controls' } },
      $.redraw, el('label', {}, $.shuffle, ' rows shuffled (the rough baseline)'));
    $.embed = el('textarea', { className: 'embed-code', rows: 3, readOnly: true, hidden: true,
      attrs: { part: 'embed-code', 'aria-label': 'embed code for this figure' } });
    const name = () => `${stem(this.#report?.sourceName ?? 'sweep')}.projections`;
    $.toolbar = toolbar([
      ...figureExports(() => $.plot.querySelector('svg'), name, 'projections'),
      { name: 'json', label: 'JSON', aria: 'Download the sweep report as JSON', action: () => download(jsonBlob(this.#report), `${name()}.json`) },
      { name: 'csv', label: 'CSV', aria: 'Download the curves as CSV', action: () => download(new Blob([curvesCsv(this.#report)], { type: 'text/csv' }), `${name()}.csv`) },
      { name: 'embed', label: 'Copy embed code', aria: 'Copy embed code: the HTML that embeds this figure', action: () => this.#copyEmbed() },
    ], { label: 'Export this figure' });
    body.append(
      el('div', { className: 'head' }, $.title, el('p', { className: 'alpha-line', attrs: { part: 'alpha-line' } }, 'R = ', $.roughness)),
      $.detail, $.plot, $.caption, $.controls, $.toolbar, $.embed,
    );
    this.parts = $;
    $.redraw.addEventListener('click', () => this.setAttribute('seed', String(this.settings().seed + 1)));
    $.shuffle.addEventListener('change', () => this.toggleAttribute('shuffled', $.shuffle.checked));
  }

  attributeChangedCallback(name, old, value) {
    if (old === value) return;
    if (DRAWING.has(name)) {
      if (this.#report && this.dataset.state === 'done') this.#render();
    } else {
      super.attributeChangedCallback(name, old, value);
    }
  }

  /** The analysis settings from the attributes. */
  settings() {
    const int = (name, dflt, min, max) => {
      const v = this.getAttribute(name);
      if (v === null || v.trim() === '') return dflt;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}="${v}" is not a whole number from ${min} to ${max}`);
      return n;
    };
    const d = (this.getAttribute('d') || '1').trim().toLowerCase();
    if (d !== 'high' && !(Number(d) > 0)) throw new Error(`d="${d}" is not a positive number or "high"`);
    return {
      k: int('k', 5, 1, 64), seed: int('seed', 1, 0, Number.MAX_SAFE_INTEGER), periodic: this.hasAttribute('periodic'),
      d: d === 'high' ? 'high' : Number(d), bootstrap: int('bootstrap', 50, 0, 10_000),
    };
  }

  embedMarkup() {
    const s = this.settings();
    return this.embedCode({
      key: this.getAttribute('key'),
      param: this.#paramFile ? this.#paramFile.name : this.getAttribute('param') && sitePath(this.getAttribute('param')),
      repeat: this.#repeatFile ? this.#repeatFile.name : this.getAttribute('repeat') && sitePath(this.getAttribute('repeat')),
      k: s.k, seed: s.seed, periodic: s.periodic, d: String(s.d), bootstrap: s.bootstrap === 50 ? null : s.bootstrap,
      shuffled: this.hasAttribute('shuffled'),
      label: this.getAttribute('label'),
    });
  }

  async #copyEmbed() {
    const code = this.embedMarkup();
    this.parts.embed.value = code;
    this.parts.embed.hidden = false;
    return (await copyText(code)) ? 'Embed code copied.' : 'Select the code below and copy it.';
  }

  async update(isCurrent) {
    const settings = this.settings();
    const name = this.dataName();
    const paramAttr = this.getAttribute('param');
    const repeatAttr = this.getAttribute('repeat');
    const key = this.getAttribute('key') || undefined;
    await this.cancellable(async (signal) => {
      this.showStatus(`Loading ${name}…`);
      const [file, param, repeat] = await Promise.all([
        this.dataFile(signal),
        this.#paramFile ?? (paramAttr ? fetchAsFile(new URL(paramAttr, document.baseURI).href, { signal }) : null),
        this.#repeatFile ?? (repeatAttr ? fetchAsFile(new URL(repeatAttr, document.baseURI).href, { signal }) : null),
      ]);
      if (!isCurrent()) return;
      this.showStatus(`Analysing ${name} in this browser…`);
      let report;
      try {
        report = await run({ type: 'sweep', file, key, param, repeat, repeatKey: key, options: settings }, null, { signal });
      } catch (e) {
        if (!isCurrent()) return;
        throw new Error(e.message === 'cancelled' ? `Cancelled the sweep ${name}.` : `Could not analyse ${name}: ${e.message}`, { cause: e });
      }
      if (!isCurrent()) return;
      this.#report = { ...report, sourceName: name, paramName: param?.name ?? null, repeatName: repeat?.name ?? null };
      this.#render();
    });
  }

  relayout() { this.#draw(); }

  #draw() {
    const r = this.#report;
    const shuffled = this.hasAttribute('shuffled');
    const tLabel = r.t_from_file ? `${r.paramName ?? 'sweep parameter'} →` : 'row →';
    const { curves, t, tLabel: label } = sweepCurves(r, { shuffled, tLabel });
    const { width } = figureSize(this.availableWidth(), 640);
    const svg = curvesPlot(curves, t, {
      width, tLabel: label, ariaLabel: `${r.curves.length} random projections ${shuffled ? 'with the rows shuffled' : 'along the sweep'}`,
    });
    this.parts.plot.replaceChildren(svg);
    showData(this.parts.plot, svg);
  }

  #render() {
    const r = this.#report;
    const p = this.parts;
    const shuffled = this.hasAttribute('shuffled');
    p.title.textContent = this.getAttribute('label') || r.sourceName;
    p.roughness.textContent = r.roughness.toPrecision(4);
    const hText = r.holder_h == null ? 'none' : r.holder_h.toFixed(3);
    p.detail.textContent = `rows shuffled: R = ${r.roughness_shuffled.toFixed(3)} · Hölder H = ${hText} · seed ${r.seed}`;
    this.dataset.roughness = String(r.roughness);
    this.body.hidden = false;
    p.shuffle.checked = shuffled;
    this.#draw();
    p.plot.setAttribute('aria-label', `${r.curves.length} random projections of ${p.title.textContent} ` +
      `${shuffled ? 'with the rows in the shuffled order' : 'along the sweep'}; roughness ${r.roughness.toPrecision(4)}`);
    p.caption.textContent = shuffled
      ? `The same projections with the rows in the core's shuffled order (R = ${r.roughness_shuffled.toPrecision(4)}): what no smoothness looks like. ${r.verdict.text}`
      : r.verdict.text;
    const interactive = this.getAttribute('controls') !== 'none';
    p.controls.hidden = !interactive;
    p.toolbar.hidden = !interactive;
    if (!p.embed.hidden) p.embed.value = this.embedMarkup();
    this.rendered({ report: r, roughness: r.roughness });
  }
}
