// Random projections along a sweep, drawn by the same <eigenlens-projections> a blog embeds:
// the page's controls set its attributes (the last change wins: an older run still going is
// cancelled) and hand it the optional repeat of the sweep; its report fills the readouts and the
// structure-function figure, in the core's words: R beside its shuffled baseline and what R
// does not say (`roughness_text`); H as measured beside `holder_h_reference` (a Fourier code
// with the fitted α, same N, D, sampling and estimator) and `holder_h_bound` (a bound, not a
// prediction; `holder_text`); and the verdict on the interval of α against 1 + 2/d, from the
// cross-validated α when a repeat was given (`verdict.alpha_source`).
import { figureSize } from '../plots/size.js';
import { structurePlot } from '../plots/structure.js';
import { stem } from '../export.js';
import { $, showError, draw, exportsFor, intOf, sig, fixed } from './util.js';

export function mountSweep(page) {
  let report = null;
  let name = '';
  let view = null; // the <eigenlens-projections>, made when the first sweep file is chosen

  const redraw = () => {
    if (!report) return;
    const box = $('sweep-structure');
    draw(box, structurePlot(report, figureSize(box.clientWidth)),
      `structure function on log-log axes; H = ${fixed(report.holder_h)} measured`);
    exportsFor(box, () => `${stem(name)}.structure`, 'structure function');
  };

  const show = (r) => {
    report = r;
    name = r.sourceName;
    $('sweep-out').hidden = false;
    $('sweep-roughness').textContent = sig(r.roughness, 6);
    $('sweep-roughness-shuffled').textContent = sig(r.roughness_shuffled, 6);
    const wrap = r.periodic && r.wraparound_ratio > 4
      ? `; the last row is ${r.wraparound_ratio.toFixed(1)} steps from the first: is the sweep really periodic?` : '';
    $('sweep-detail').textContent = `(${r.n_rows.toLocaleString('en')} rows × ${r.n_cols} units; t from ${r.t_from_file ? 'the parameter file' : 'the row index'}` +
      `${r.periodic ? ', periodic' : ''}; K = ${r.curves.length} directions, seed ${r.seed}; shuffle seed ${r.shuffle_seed}${wrap})`;
    $('sweep-roughness-text').textContent = r.roughness_text ?? '';
    $('sweep-h').textContent = fixed(r.holder_h);
    $('sweep-h-ref').textContent = fixed(r.holder_h_reference);
    $('sweep-h-bound').textContent = fixed(r.holder_h_bound);
    $('sweep-h-alpha').textContent = r.alpha_fit?.valid ? `α = ${fixed(r.alpha_fit.alpha)}` : 'no valid α';
    $('sweep-holder-text').textContent = r.holder_text ?? '';
    const v = r.verdict;
    const from = v.alpha_source === 'cross_validated'
      ? `cross-validated α of ${r.sourceName} and its repeat ${r.repeatName ?? ''}`.trim()
      : 'plain α (no repeat given)';
    const how = r.alpha_interval
      ? `; interval: ${(r.alpha_interval.method ?? 'bootstrap').replaceAll('_', ' ')}, B = ${r.alpha_interval.b}${r.alpha_interval.block ? `, blocks of ${r.alpha_interval.block} rows` : ''}`
      : '';
    $('sweep-verdict').textContent = v.verdict.replace('_', ' ');
    $('sweep-verdict').dataset.verdict = v.verdict;
    $('sweep-verdict-source').textContent = `(${from}${how}; d = ${v.d})`;
    $('sweep-verdict-text').textContent = v.text;
    redraw();
    outcome = 'done';
    page.emit('sweep', { report: r, name });
  };

  /** The element's attributes from the page's controls. */
  const settle = () => {
    if (!view) return;
    const set = (attr, value) => view.getAttribute(attr) !== value && view.setAttribute(attr, value);
    set('k', String(intOf('sweep-k', 5, { min: 1, max: 64 })));
    set('seed', String(intOf('seed', 1)));
    set('d', String(page.d()));
    set('bootstrap', String(intOf('sweep-bootstrap', 50, { min: 0, max: 10_000 })));
    view.toggleAttribute('periodic', $('sweep-periodic').checked);
  };

  /** The button tells the truth: busy exactly while the element runs a job. */
  let outcome = ''; // 'done' or 'error': how the last finished run ended
  const button = () => {
    const running = view?.hasAttribute('data-busy');
    $('sweep-go').textContent = running ? 'Analysing…' : 'Analyse the sweep';
    $('smoothness').dataset.sweep = running ? 'busy' : outcome;
  };

  const create = () => {
    view = document.createElement('eigenlens-projections');
    view.id = 'sweep-projections';
    view.addEventListener('eigenlens-render', (e) => { showError('sweep-error', null); show(e.detail.report); button(); });
    view.addEventListener('eigenlens-error', (e) => {
      showError('sweep-error', e.detail.message);
      outcome = 'error';
      button();
    });
    new MutationObserver(button).observe(view, { attributes: true, attributeFilter: ['data-busy'] });
    // The element's own "New draw" moves the seed: into the page's input and the link.
    new MutationObserver(() => {
      const seed = view.getAttribute('seed');
      if (seed !== null && $('seed').value !== seed) {
        $('seed').value = seed;
        $('seed').dispatchEvent(new Event('change'));
      }
    }).observe(view, { attributes: true, attributeFilter: ['seed'] });
    settle();
    $('sweep-view').append(view);
  };

  const go = () => {
    const file = $('sweep-file').files[0];
    if (!file) return showError('sweep-error', 'Choose the sweep’s activations: rows in sweep order.');
    showError('sweep-error', null);
    $('sweep-out').hidden = false;
    if (!view) create();
    settle();
    view.paramFile = $('sweep-param').files[0] ?? null;
    view.repeatFile = $('sweep-repeat').files[0] ?? null;
    view.file = file; // (re)computes; an older run still going is cancelled
  };

  $('sweep-go').addEventListener('click', go);
  $('sweep-file').addEventListener('change', go);
  $('sweep-param').addEventListener('change', () => view && go());
  $('sweep-repeat').addEventListener('change', () => view && go());
  for (const id of ['sweep-periodic', 'sweep-k', 'sweep-bootstrap', 'seed']) $(id).addEventListener('change', settle);
  page.on('d', settle);
  return { redraw, current: () => report };
}
