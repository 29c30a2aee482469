// <eigenlens-projections src="sweep.npy" param="t.npy" k="5" seed="1">: random projections of a
// code along an ordered stimulus sweep, drawn as curves, with the code's roughness R, its
// Hölder exponent H (and the H a power-law code predicts) and the smoothness verdict.
//
// Attributes: src (rows in sweep order; required), key, param (a 1-D .npy of the sweep
// parameter; default the row index), k (projections, default 5), seed (default 1), periodic
// (boolean: the sweep wraps around), d (input dimensionality for the verdict: 1, 2, … or
// "high"; default 1), label, controls="none".
// Events and reads as <eigenlens-spectrum>: eigenlens-render {report, roughness, renderedAt},
// el.report, el.dataset.roughness, el.dataset.state.
import { run } from '../engine.js';
import { figureSize } from '../plots.js';
import { projectionCurves, curvesCsv } from '../curves.js';
import { curvesPlot } from '../sections/plots-sweep.js';
import { toolbar, figureExports, download, jsonBlob, copyText, stem } from '../export.js';
import { EigenlensElement, fetchAsFile, fileName, h } from './base.js';

export class EigenlensProjections extends EigenlensElement {
  static tag = 'eigenlens-projections';
  static observedAttributes = ['src', 'key', 'param', 'k', 'seed', 'periodic', 'd', 'label', 'controls'];

  #report = null;
  get report() { return this.#report; }

  build(body) {
    body.innerHTML = h`<div class="head"><span class="title" part="title"></span>
        <p class="alpha-line" part="alpha-line">R = <strong class="alpha roughness" part="roughness">–</strong></p></div>
      <span class="detail" part="detail"></span>
      <div class="plot" part="plot" role="img"></div>
      <p class="caption" part="caption"></p>
      <div class="controls" part="controls"><button type="button" class="redraw">New draw</button></div>
      <div class="toolbar-slot"></div>
      <textarea class="embed-code" part="embed-code" rows="3" readonly hidden aria-label="embed code for this figure"></textarea>`;
    const $ = (sel) => body.querySelector(sel);
    this.parts = { title: $('.title'), roughness: $('.roughness'), detail: $('.detail'), plot: $('.plot'), caption: $('.caption'), controls: $('.controls'), embed: $('.embed-code') };
    $('.redraw').addEventListener('click', () => this.setAttribute('seed', String(this.#settings().seed + 1)));
    const name = () => `${stem(this.#report?.sourceName ?? 'sweep')}.projections`;
    const bar = toolbar([
      ...figureExports(() => this.parts.plot.querySelector('svg'), name, 'projections'),
      { name: 'json', label: 'JSON', aria: 'Download the sweep report as JSON', action: () => download(jsonBlob(this.#report), `${name()}.json`) },
      { name: 'csv', label: 'CSV', aria: 'Download the curves as CSV', action: () => download(new Blob([curvesCsv(this.#report)], { type: 'text/csv' }), `${name()}.csv`) },
      { name: 'embed', label: 'Copy embed code', aria: 'Copy the HTML that embeds this figure', action: () => this.#copyEmbed() },
    ], { label: 'Export this figure' });
    $('.toolbar-slot').replaceWith(bar);
    this.parts.toolbar = bar;
  }

  #settings() {
    const int = (name, dflt, max) => {
      const v = this.getAttribute(name);
      if (v === null || v.trim() === '') return dflt;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`${name}="${v}" is not a whole number from 0 to ${max}`);
      return n;
    };
    const d = this.getAttribute('d') || '1';
    if (d !== 'high' && !(Number(d) > 0)) throw new Error(`d="${d}" is not a positive number or "high"`);
    return { k: int('k', 5, 64), seed: int('seed', 1, Number.MAX_SAFE_INTEGER), periodic: this.hasAttribute('periodic'), d: d === 'high' ? 'high' : Number(d) };
  }

  embedMarkup() {
    const s = this.#settings();
    return this.embedCode({
      src: this.srcUrl(), key: this.getAttribute('key'),
      param: this.getAttribute('param') ? new URL(this.getAttribute('param'), document.baseURI).href : null,
      k: s.k, seed: s.seed, periodic: s.periodic, d: String(s.d), label: this.getAttribute('label'),
    });
  }

  async #copyEmbed() {
    const code = this.embedMarkup();
    this.parts.embed.value = code;
    this.parts.embed.hidden = false;
    return (await copyText(code)) ? 'Embed code copied.' : 'Select the code below and copy it.';
  }

  async update(isCurrent) {
    const url = this.srcUrl();
    const settings = this.#settings();
    const name = fileName(url);
    this.showStatus(`Loading ${name}…`);
    const paramAttr = this.getAttribute('param');
    const [file, param] = await Promise.all([fetchAsFile(url), paramAttr ? fetchAsFile(new URL(paramAttr, document.baseURI).href) : null]);
    if (!isCurrent()) return;
    this.showStatus(`Analysing ${name} in this browser…`);
    let report;
    try {
      report = await run({ type: 'sweep', file, key: this.getAttribute('key') || undefined, param, options: settings });
    } catch (e) {
      throw new Error(`Could not analyse ${name}: ${e.message}`);
    }
    if (!isCurrent()) return;
    this.#report = { ...report, sourceName: name };
    this.#render();
  }

  relayout() { this.#draw(); }

  #draw() {
    const r = this.#report;
    const { width } = figureSize(this.availableWidth(), 640);
    const tLabel = r.t_from_file ? `${this.getAttribute('param')?.split('/').pop()} →` : 'row →';
    this.parts.plot.replaceChildren(curvesPlot(projectionCurves(r), r.t, { width, tLabel, ariaLabel: `${r.curves.length} random projections along the sweep` }));
  }

  #render() {
    const r = this.#report;
    const p = this.parts;
    p.title.textContent = this.getAttribute('label') || r.sourceName;
    p.roughness.textContent = r.roughness.toPrecision(4);
    const hText = r.holder_h == null ? 'none' : r.holder_h.toFixed(3);
    p.detail.textContent = `rows shuffled: R = ${r.roughness_shuffled.toFixed(3)} · Hölder H = ${hText}` +
      (r.predicted_h == null ? '' : ` (a power-law code with this α predicts ${r.predicted_h.toFixed(3)} for d = 1)`) + ` · seed ${r.seed}`;
    this.dataset.roughness = String(r.roughness);
    this.body.hidden = false;
    this.#draw();
    p.plot.setAttribute('aria-label', `${r.curves.length} random projections of ${p.title.textContent} along the sweep; roughness ${r.roughness.toPrecision(4)}`);
    p.caption.textContent = r.verdict.text;
    const interactive = this.getAttribute('controls') !== 'none';
    p.controls.hidden = !interactive;
    p.toolbar.hidden = !interactive;
    this.rendered({ report: r, roughness: r.roughness });
  }
}
