// Random projections along a sweep: K curves y_k(t), the roughness R beside its shuffled
// baseline, and the Hölder exponent H from the structure function beside its prediction.
import { run } from '../engine.js';
import { figureSize } from '../plots.js';
import { stem } from '../export.js';
import { curvesPlot, structurePlot } from './plots-sweep.js';
import { $, showError, draw, exportsFor, busy, intOf, sig, fixed, permutation, curveRoughness } from './util.js';

/** The seed of the row shuffle (core and page): the rough baseline is always the same draw. */
const SHUFFLE_SEED = 0;

export function mountSweep(page) {
  let report = null;
  let name = '';
  let generation = 0;

  /** The curves as drawn: in sweep order, or with the rows shuffled (the rough baseline). */
  const shownCurves = () => {
    if (!$('sweep-shuffle').checked) {
      return report.curves.map((c, k) => ({ values: c.values, label: `y${k + 1} · roughness ${sig(c.roughness, 3)}` }));
    }
    const order = permutation(report.n_rows, SHUFFLE_SEED);
    return report.curves.map((c, k) => {
      const values = order.map((i) => c.values[i]);
      return { values, label: `y${k + 1}, rows shuffled · roughness ${sig(curveRoughness(values), 3)}` };
    });
  };

  const redraw = () => {
    if (!report) return;
    const shuffled = $('sweep-shuffle').checked;
    const curvesBox = $('sweep-curves');
    const tLabel = shuffled ? 'position in a random row order →' : report.t_from_file ? 'sweep parameter t (from the file) →' : 'row index (sweep order) →';
    const t = shuffled ? report.t.map((_, i) => i) : report.t;
    draw(curvesBox, curvesPlot(shownCurves(), t, { ...figureSize(curvesBox.clientWidth), tLabel, ariaLabel: `${report.curves.length} random projections ${shuffled ? 'with the rows shuffled' : 'along the sweep'}` }),
      `${report.curves.length} random projections ${shuffled ? 'with rows shuffled' : 'against the sweep parameter'}; roughness R = ${sig(report.roughness, 4)}`);
    exportsFor(curvesBox, () => `${stem(name)}.projections`, 'projections');
    $('sweep-curves-caption').textContent = shuffled
      ? `The same ${report.curves.length} projections with the rows in a random order: what no smoothness looks like (R ≈ 1).`
      : `${report.curves.length} random projections yₖ(t) = (x(t) − μ)·wₖ (seed ${report.seed}), each with its roughness.`;
    const structureBox = $('sweep-structure');
    draw(structureBox, structurePlot(report, figureSize(structureBox.clientWidth)),
      `structure function on log-log axes; H = ${fixed(report.holder_h)} measured, ${fixed(report.predicted_h)} predicted`);
    exportsFor(structureBox, () => `${stem(name)}.structure`, 'structure function');
  };

  const show = (r) => {
    report = r;
    $('sweep-out').hidden = false;
    $('sweep-roughness').textContent = sig(r.roughness, 6);
    $('sweep-roughness-shuffled').textContent = sig(r.roughness_shuffled, 6);
    const wrap = r.periodic && r.wraparound_ratio > 4
      ? `; the last row is ${r.wraparound_ratio.toFixed(1)} steps from the first: is the sweep really periodic?` : '';
    $('sweep-detail').textContent = `(${r.n_rows.toLocaleString('en')} rows × ${r.n_cols} units; t from ${r.t_from_file ? 'the parameter file' : 'the row index'}` +
      `${r.periodic ? ', periodic' : ''}; K = ${r.curves.length} directions, seed ${r.seed}; shuffle seed ${r.shuffle_seed}${wrap})`;
    $('sweep-h').textContent = fixed(r.holder_h);
    $('sweep-h-predicted').textContent = r.predicted_h === null ? 'none (no valid α)' : `${fixed(r.predicted_h)} = min(1, (α − 1)/2), α = ${fixed(r.alpha_fit.alpha)}`;
    redraw();
    $('smoothness').dataset.sweep = 'done';
    page.emit('sweep', { report: r, name });
  };

  const go = async () => {
    const file = $('sweep-file').files[0];
    if (!file) return showError('sweep-error', 'Choose the sweep’s activations: rows in sweep order.');
    showError('sweep-error', null);
    const param = $('sweep-param').files[0] ?? null;
    const options = {
      k: intOf('sweep-k', 5, { min: 1, max: 64 }), seed: intOf('seed', 1), periodic: $('sweep-periodic').checked,
      shuffle_seed: SHUFFLE_SEED, fit: page.fitRequest(), d: page.d(),
    };
    const mine = ++generation;
    $('smoothness').dataset.sweep = 'busy';
    try {
      const r = await busy($('sweep-go'), 'Analysing…', () => run({ type: 'sweep', file, key: null, param, options }));
      if (mine !== generation) return; // a newer request is on its way
      name = file.name;
      show(r);
    } catch (e) {
      if (mine !== generation) return;
      $('smoothness').dataset.sweep = 'error';
      showError('sweep-error', `Could not analyse the sweep ${file.name}${param ? ` with ${param.name}` : ''}: ${e.message}`);
    }
  };
  const again = () => { if ($('sweep-file').files[0]) go(); };

  $('sweep-go').addEventListener('click', go);
  for (const id of ['sweep-file', 'sweep-param', 'sweep-periodic', 'sweep-k', 'seed']) $(id).addEventListener('change', again);
  $('sweep-redraw').addEventListener('click', () => {
    $('seed').value = intOf('seed', 1) + 1;
    $('seed').dispatchEvent(new Event('change')); // saved in the link, and redrawn
  });
  $('sweep-shuffle').addEventListener('change', redraw);
  addEventListener('hashchange', again); // the link may carry another seed
  return { redraw, current: () => report };
}
