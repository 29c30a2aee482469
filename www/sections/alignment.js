// Axes and units, for the file loaded above: units per principal axis (1/IPR) against a random
// direction's (D + 2)/3, and a histogram of each unit's activity.
import { run } from '../engine.js';
import { figureSize } from '../plots/size.js';
import { alignmentPlot } from '../plots/alignment.js';
import { activityPlot } from '../plots/activity.js';
import { stem } from '../export.js';
import { $, showError, draw, exportsFor, busy, intOf } from './util.js';

export function mountAlignment(page) {
  let report = null;
  let name = '';
  let readFrom = null; // the File measured

  const redraw = () => {
    if (!report) return;
    const box = $('align-plot');
    const top = report.units_per_axis;
    const below = top.filter((u) => u < report.random_units_per_axis / 2).length;
    draw(box, alignmentPlot(report, figureSize(box.clientWidth)),
      `units per axis for the top ${top.length} axes against a random direction's ${report.random_units_per_axis.toFixed(1)}; ${below} axes use fewer than half as many units`);
    exportsFor(box, () => `${stem(name)}.alignment`, 'units per axis');
    const act = $('activity-plot');
    draw(act, activityPlot(report, figureSize(act.clientWidth)), `histogram of the fraction of rows in which each of ${report.active_fraction.length} units is active`);
    exportsFor(act, () => `${stem(name)}.activity`, 'unit activity');
  };

  const go = async () => {
    const { file, key, name: shown } = page.main();
    if (!file) return showError('align-error', 'Wait for the spectrum above to finish reading its file.');
    showError('align-error', null);
    try {
      const r = await busy($('align-go'), 'Measuring…', () => run({ type: 'alignment', file, key, read: page.main().read, options: { top: intOf('align-top', 50, { min: 1, max: 4096 }), k: 0 } }));
      if (page.main().file !== file) return; // another file is shown now: this one's axes are not news
      report = r;
      readFrom = file;
      name = shown || file.name;
      $('align-out').hidden = false;
      const median = [...r.units_per_axis].sort((a, b) => a - b)[Math.floor(r.units_per_axis.length / 2)];
      $('align-status').textContent = `${name}: ${r.n_rows.toLocaleString('en')} rows × ${r.n_cols} units; median ${median.toFixed(1)} units per axis, a random direction ${r.random_units_per_axis.toFixed(1)}`;
      redraw();
      $('alignment').dataset.state = 'done';
    } catch (e) {
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
