// <eigenlens-toy sparsity="0,0.9,0.99" steps="3000">: the toy model of superposition trained in
// the reader's browser, dimensions per feature against 1/(1 − S) with the coding-theory
// prediction beside it.
//
// Attributes: preset ("default" or "elhage-geometry": Elhage et al.'s n = 200, m = 20,
// uniform-importance experiment; the attributes below override it), sparsity (comma-separated
// S values) or sparsities (a count on the default grid 1 − 20^(−s); default 8), n, m, decay
// (the preset's: 20, 5, 0.7 by default; 200, 20, 1 for elhage-geometry), steps (3000: a quick
// figure; the paper's 10 000 are a click away on toy.html), batch (1024), seed (1),
// entropy-bits (8), label, controls="none". Events and reads as the other elements:
// eigenlens-render {report}, el.report, el.dataset.state.
import { run, trainToy } from '../engine.js';
import { figureSize } from '../plots.js';
import { dimsPlot, runsCsv, stickyOf } from '../toy/plots.js';
import { showData } from '../plots/plot.js';
import { toolbar, figureExports, download, jsonBlob, stem } from '../export.js';
import { EigenlensElement, h } from './base.js';

/** The element's own defaults (a quick figure); everything else comes from the core's preset. */
const DEFAULTS = { steps: 3000, sparsities: 8 };

/** Numeric attributes and the core's setting each one sets. */
const NUMBERS = { n: 'n', m: 'm', decay: 'importance_decay', steps: 'steps', batch: 'batch', seed: 'seed', 'entropy-bits': 'entropy_bits' };

export class EigenlensToy extends EigenlensElement {
  static tag = 'eigenlens-toy';
  static observedAttributes = [...EigenlensElement.baseAttributes, 'preset', 'sparsity', 'sparsities', 'n', 'm', 'decay', 'steps',
    'batch', 'seed', 'entropy-bits', 'label', 'controls'];

  #report = null;
  get report() { return this.#report; }

  build(body) {
    body.innerHTML = h`<div class="head"><span class="title" part="title"></span></div>
      <span class="detail" part="detail"></span>
      <div class="plot" part="plot" role="img"></div>
      <p class="caption" part="caption"></p>
      <div class="toolbar-slot"></div>`;
    const $ = (sel) => body.querySelector(sel);
    this.parts = { title: $('.title'), detail: $('.detail'), plot: $('.plot'), caption: $('.caption') };
    const name = () => stem('toy-model');
    const bar = toolbar([
      ...figureExports(() => this.parts.plot.querySelector('svg'), name, 'toy model'),
      { name: 'json', label: 'JSON', aria: 'Download every run as JSON', action: () => download(jsonBlob(this.#report), `${name()}.json`) },
      { name: 'csv', label: 'CSV', aria: 'Download one row per sparsity as CSV', action: () => download(new Blob([runsCsv(this.#report)], { type: 'text/csv' }), `${name()}.csv`) },
    ], { label: 'Export this figure' });
    $('.toolbar-slot').replaceWith(bar);
    this.parts.toolbar = bar;
  }

  #number(name) {
    const v = this.getAttribute(name);
    if (v === null || v.trim() === '') return DEFAULTS[name];
    const x = Number(v);
    if (!Number.isFinite(x)) throw new Error(`${name}="${v}" is not a number`);
    return x;
  }

  /** The settings the attributes give: the preset's, the element's quick defaults, then each attribute set. */
  async #settings() {
    const partial = {};
    const preset = this.getAttribute('preset')?.trim();
    if (preset) partial.preset = preset;
    for (const [attr, key] of Object.entries(NUMBERS)) {
      const v = this.#number(attr);
      if (v !== undefined) partial[key] = v;
    }
    const list = this.getAttribute('sparsity');
    const settings = await run({ type: 'toySettings', settings: partial, count: this.#number('sparsities') });
    if (list) {
      const values = list.split(',').map((s) => Number(s.trim()));
      if (values.some((s) => !(s >= 0 && s < 1))) throw new Error(`sparsity="${list}" must list values in [0, 1)`);
      settings.sparsities = values;
    }
    return settings;
  }

  async update(isCurrent) {
    const settings = await this.#settings();
    if (!isCurrent()) return;
    const total = settings.sparsities.length;
    let finished = 0;
    this.showStatus(`Training the toy model at ${total} sparsities in this browser…`);
    const report = await trainToy(settings, {
      onRun: () => { finished++; },
      onProgress: ({ step }) => isCurrent() && this.showStatus(`Training: ${finished} of ${total} sparsities done, step ${step.toLocaleString('en')} of ${settings.steps.toLocaleString('en')}`),
    });
    if (!isCurrent()) return;
    this.#report = report;
    this.#render();
  }

  relayout() { this.#draw(); }

  #draw() {
    const { width, height } = figureSize(this.availableWidth(), 640);
    const svg = dimsPlot(this.#report.runs, this.#report.settings.entropy_bits, { width, height });
    this.parts.plot.replaceChildren(svg);
    showData(this.parts.plot, svg);
  }

  #render() {
    const { settings, runs } = this.#report;
    const p = this.parts;
    p.title.textContent = this.getAttribute('label') || `Toy model: ${settings.n} features in ${settings.m} dimensions`;
    p.detail.textContent = `${runs.length} sparsities × ${settings.steps.toLocaleString('en')} steps, seed ${settings.seed}: ` +
      runs.map((r) => `S = ${r.sparsity.toFixed(3)} → ${r.dims_per_feature.toFixed(3)}`).join(', ');
    this.body.hidden = false;
    this.#draw();
    p.plot.setAttribute('aria-label', `dimensions per feature against 1/(1 − S) for ${runs.length} sparsities, with the prediction for Hₑ = ${settings.entropy_bits} bits`);
    const fractions = stickyOf(runs).map((f) => f.label).join(', ');
    p.caption.innerHTML = h`Dimensions per feature <var>m</var>/‖<var>W</var>‖<sup>2</sup><sub>F</sub> against 1/(1 − <var>S</var>).
      Thin dashes: Elhage et al.'s sticky fractions ${fractions}. Thick dashes: (1 − <var>S</var>) + h<sub>b</sub>(<var>S</var>)/<var>H</var><sub>e</sub>
      with <var>H</var><sub>e</sub> = ${settings.entropy_bits} bits (Marshall &amp; Kirchner), a lower bound for lossless coding with
      <var>H</var><sub>e</sub> free: points above it are not shown wasteful, nor points on it optimal. Solid line: the floor
      <var>m</var>/<var>n</var> = ${+(settings.m / settings.n).toFixed(4)}, below which no point, and no part of the bound, can be reached.`;
    p.toolbar.hidden = this.getAttribute('controls') === 'none';
    this.rendered({ report: this.#report });
  }
}
