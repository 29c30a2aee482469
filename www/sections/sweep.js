// Random projections along a sweep, drawn by the same <eigenlens-projections> a blog embeds:
// the page's controls set its attributes (the last change wins: an older run still going is
// cancelled), and its report fills the readouts (R beside its shuffled baseline, the Hölder
// exponent H) and the structure-function figure.
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
    $('sweep-h').textContent = fixed(r.holder_h);
    const reference = Number.isFinite(r.holder_h_reference)
      ? `a Fourier code with this α, sampled the same way: H = ${fixed(r.holder_h_reference)}`
      : '';
    const bound = Number.isFinite(r.holder_h_bound ?? r.predicted_h)
      ? `the bound min(1, (α − 1)/2) from α = ${fixed(r.alpha_fit.alpha)}: ${fixed(r.holder_h_bound ?? r.predicted_h)}`
      : 'no bound (no valid α)';
    $('sweep-h-reference').textContent = [reference, bound].filter(Boolean).join('; ');
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
    view.file = file; // (re)computes; an older run still going is cancelled
  };

  $('sweep-go').addEventListener('click', go);
  $('sweep-file').addEventListener('change', go);
  $('sweep-param').addEventListener('change', () => view && go());
  for (const id of ['sweep-periodic', 'sweep-k', 'seed']) $(id).addEventListener('change', settle);
  page.on('d', settle);
  return { redraw, current: () => report };
}
