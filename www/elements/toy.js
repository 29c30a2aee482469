// <eigenlens-toy sparsity="0,0.9,0.99" steps="3000">: the toy model of superposition trained in
// the reader's browser, dimensions per feature against 1/(1 − S) with the coding-theory
// prediction beside it.
//
// Attributes: sparsity (comma-separated S values) or sparsities (a count on the default grid
// 1 − 20^(−s); default 8), n (20), m (5), decay (0.7), steps (3000: a quick figure; the paper's
// 10 000 are a click away on toy.html), batch (1024), seed (1), entropy-bits (8), label,
// controls="none". Events and reads as the other elements: eigenlens-render {report},
// el.report, el.dataset.state.
import { run, trainToy } from '../engine.js';
import { figureSize } from '../plots.js';
import { dimsPlot } from '../toy/plots.js';
import { toolbar, figureExports, download, jsonBlob, stem } from '../export.js';
import { EigenlensElement, h } from './base.js';

const DEFAULTS = { n: 20, m: 5, decay: 0.7, steps: 3000, batch: 1024, seed: 1, 'entropy-bits': 8, sparsities: 8 };

export class EigenlensToy extends EigenlensElement {
  static tag = 'eigenlens-toy';
  static observedAttributes = ['sparsity', 'sparsities', 'n', 'm', 'decay', 'steps', 'batch', 'seed', 'entropy-bits', 'label', 'controls'];

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

  async #settings() {
    const partial = {
      n: this.#number('n'), m: this.#number('m'), importance_decay: this.#number('decay'), steps: this.#number('steps'),
      batch: this.#number('batch'), seed: this.#number('seed'), entropy_bits: this.#number('entropy-bits'),
    };
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
    this.parts.plot.replaceChildren(dimsPlot(this.#report.runs, this.#report.settings.entropy_bits, { width, height }));
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
    p.caption.textContent = 'Dimensions per feature m/‖W‖²_F; dashed: the sticky fractions 1, 1/2, 2/5, 1/3; line: (1 − S) + h_b(S)/Hₑ (Marshall & Kirchner).';
    p.toolbar.hidden = this.getAttribute('controls') === 'none';
    this.rendered({ report: this.#report });
  }
}
