// Axes and units, for the file loaded above. Two questions, kept apart because they are different:
// - Is the unit basis privileged? The units' mean kurtosis against K seeded random rotations of
//   the same centred data (the core's `basis_privilege`: ratio, the rotations' [min, max], its
//   verdict and what the verdict does not show). K = 20 by default (a Monte Carlo test at level
//   1/(K + 1)); K = 0 skips it (the rows are then streamed, not held in memory).
// - How many units does each principal axis spread over (1/IPR)? Shown only for axes whose
//   eigenvalue is separated from its neighbours (`axes[].reported`); the core's `axes_text` says
//   which and why. It describes axes; it does not measure polysemanticity.
// Beside both, a histogram of each unit's activity.
import { run } from '../engine.js';
import { figureSize } from '../plots/size.js';
import { alignmentPlot, privilegePlot } from '../plots/alignment.js';
import { activityPlot } from '../plots/activity.js';
import { stem } from '../export.js';
import { $, showError, draw, exportsFor, busy, intOf, fixed } from './util.js';

/** The verdict's headline, from the core's flags (its full text is shown beside it). */
export const privilegeHeadline = (bp) => (bp.privileged ? 'the unit basis is privileged'
  : bp.lighter_than_rotations ? 'the unit basis is not privileged (its units are lighter-tailed than every rotation)'
    : 'the unit basis is not privileged');

export function mountAlignment(page) {
  let report = null;
  let name = '';
  let readFrom = null; // the File measured

  const redraw = () => {
    if (!report) return;
    const box = $('align-plot');
    const reported = (report.axes ?? []).filter((a) => a.reported);
    draw(box, alignmentPlot(report, figureSize(box.clientWidth)),
      `units per axis for the ${reported.length} of the top ${report.units_per_axis.length} axes separated from their neighbours, against a random direction's ${report.random_units_per_axis.toFixed(1)}`);
    exportsFor(box, () => `${stem(name)}.alignment`, 'units per axis');
    const bp = report.basis_privilege;
    const pbox = $('privilege-plot');
    $('privilege-figure').hidden = !bp;
    if (bp) {
      draw(pbox, privilegePlot(bp, figureSize(pbox.clientWidth)),
        `mean kurtosis of the units over the mean of ${bp.k} random rotations: ${bp.ratio.toFixed(3)}; rotations ${bp.rotated[0].toFixed(3)} … ${bp.rotated[1].toFixed(3)}`);
      exportsFor(pbox, () => `${stem(name)}.privilege`, 'basis-privilege test');
    }
    const act = $('activity-plot');
    draw(act, activityPlot(report, figureSize(act.clientWidth)), `histogram of the fraction of rows in which each of ${report.active_fraction.length} units is active`);
    exportsFor(act, () => `${stem(name)}.activity`, 'unit activity');
  };

  const show = (r) => {
    const bp = r.basis_privilege;
    $('align-privilege-line').hidden = !bp;
    if (bp) {
      $('align-privilege').textContent = privilegeHeadline(bp);
      $('align-privilege').dataset.privileged = String(bp.privileged);
      $('align-ratio').textContent = fixed(bp.ratio);
      $('align-rotated').textContent = `[${fixed(bp.rotated[0])}, ${fixed(bp.rotated[1])}]`;
      $('align-k-shown').textContent = `K = ${bp.k} random rotations (seed ${bp.seed}; level 1/(K + 1) = ${fixed(bp.level)})`;
    }
    $('align-privilege-text').textContent = bp ? bp.text
      : 'The basis-privilege test was not run (K = 0): set K ≥ 1 random rotations to test whether the unit basis is privileged.';
    $('align-axes-text').textContent = r.axes_text || '';
    const reported = (r.axes ?? []).filter((a) => a.reported).map((a) => a.units_per_axis).sort((a, b) => a - b);
    const median = reported.length ? `median ${reported[Math.floor(reported.length / 2)].toFixed(1)} units per separated axis` : 'no axis separated from its neighbours';
    $('align-status').textContent = `${name}: ${r.n_rows.toLocaleString('en')} rows × ${r.n_cols} units; ${reported.length} of ${r.units_per_axis.length} axes separated; ${median}, a random direction ${r.random_units_per_axis.toFixed(1)}`;
  };

  const go = async () => {
    const { file, key, name: shown } = page.main();
    if (!file) return showError('align-error', 'Wait for the spectrum above to finish reading its file.');
    showError('align-error', null);
    const options = {
      top: intOf('align-top', 50, { min: 1, max: 4096 }), k: intOf('align-k', 20, { min: 0, max: 1000 }), seed: intOf('align-seed', 1),
    };
    $('alignment').dataset.state = 'busy';
    try {
      const r = await busy($('align-go'), 'Measuring…', () => run({ type: 'alignment', file, key, read: page.main().read, options }));
      if (page.main().file !== file) return; // another file is shown now: this one's axes are not news
      report = r;
      readFrom = file;
      name = shown || file.name;
      $('align-out').hidden = false;
      show(r);
      redraw();
      $('alignment').dataset.state = 'done';
    } catch (e) {
      $('alignment').dataset.state = 'error';
      showError('align-error', `Could not measure ${file.name}: ${e.message}`);
    }
  };

  $('align-go').addEventListener('click', go);
  // Another file above: the measurement no longer belongs to what is shown.
  page.spectrum.addEventListener('eigenlens-render', () => {
    const { file, name: shown } = page.main();
    if (report && readFrom !== file) {
      report = null;
      $('align-out').hidden = true;
      $('alignment').dataset.state = '';
    }
    $('align-status').textContent = file ? `for ${shown || file.name}` : '';
  });
  return { redraw };
}
