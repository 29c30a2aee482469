// Cross-validated PCA of two repeats: the signal spectrum beside the plain one, the shared
// variance, α on both.
import { run } from '../engine.js';
import { figureSize } from '../plots/size.js';
import { cvpcaPlot } from '../plots/cvpca.js';
import { stem } from '../export.js';
import { $, showError, draw, exportsFor, busy, intOf } from './util.js';

export function mountCvpca(page) {
  let report = null;
  let names = ['', ''];

  const redraw = () => {
    if (!report) return;
    const box = $('cvpca-plot');
    draw(box, cvpcaPlot(report, figureSize(box.clientWidth)),
      `cross-validated spectrum beside the plain spectrum; shared variance ${(report.shared_variance_fraction * 100).toFixed(2)} %, ${report.n_nonpositive} axes with cv ≤ 0`);
    exportsFor(box, () => `${stem(names[0])}.cvpca`, 'cross-validated spectrum');
  };

  const show = (r) => {
    report = r;
    $('cvpca-out').hidden = false;
    $('cvpca-shared').textContent = r.shared_variance_fraction.toFixed(6);
    $('cvpca-shared-detail').textContent = `(${(r.shared_variance_fraction * 100).toFixed(2)} % of repeat 1's variance is shared with repeat 2; ` +
      `${r.n_rows.toLocaleString('en')} rows × ${r.n_cols} units; ${r.n_nonpositive} of ${r.cv_spectrum.length} axes have cv ≤ 0` +
      `${r.shuffles ? `; ${r.shuffles} repeat-swap shuffles, seed ${r.seed}` : ''})`;
    $('cvpca-alpha').textContent = r.alpha_fit.label;
    $('cvpca-alpha-plain').textContent = r.alpha_fit_plain.label;
    redraw();
    $('cvpca').dataset.state = 'done';
  };

  const go = async () => {
    const a = $('cvpca-a').files[0], b = $('cvpca-b').files[0];
    if (!a || !b) return showError('cvpca-error', 'Choose both repeats: the same inputs, in the same row order.');
    showError('cvpca-error', null);
    $('cvpca').dataset.state = 'busy';
    names = [a.name, b.name];
    const options = { fit: await page.fitRequest(), shuffles: intOf('cvpca-shuffles', 0, { max: 200 }), seed: intOf('cvpca-seed', 0) };
    try {
      show(await busy($('cvpca-go'), 'Computing…', () => run({ type: 'cvpca', fileA: a, fileB: b, options })));
    } catch (e) {
      $('cvpca').dataset.state = 'error';
      showError('cvpca-error', `Could not compare ${a.name} and ${b.name}: ${e.message}`);
    }
  };

  $('cvpca-go').addEventListener('click', go);
  // Both files chosen: compute at once (the button recomputes with other settings).
  for (const id of ['cvpca-a', 'cvpca-b']) {
    $(id).addEventListener('change', () => { if ($('cvpca-a').files[0] && $('cvpca-b').files[0]) go(); });
  }
  return { redraw };
}
