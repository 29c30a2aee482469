// Cross-validated PCA of two repeats, as Stringer et al. do it (src/crossval.rs): with K
// repeat-swap shuffles, α is fitted on the mean of the K shuffled cv spectra (the core's
// `alpha_fit.spectrum` = "shuffle_mean"; K = 0: the one split as given, "unshuffled"), the fit of
// the split as given shown beside it; optionally on |cv_n| (Stringer's `log(abs(ss))`, the
// core's `abs`). Shown beside the cv spectrum: the plain spectrum, the noise spectrum
// λ_n − cv_n, the range where the fitted cv spectrum stays positive (`suggested_range`), the rank
// from which the tail is noise-limited (`noise_limited_from`) and the core's warnings: a cv
// spectrum is not a clean one, its tail flattens where noise dominates the axes.
import { run } from '../engine.js';
import { figureSize } from '../plots/size.js';
import { cvpcaPlot } from '../plots/cvpca.js';
import { stem } from '../export.js';
import { $, showError, draw, exportsFor, busy, intOf } from './util.js';

/** Which spectrum α was fitted on, in words. */
export const fittedOn = (r) => {
  const what = r.alpha_fit.spectrum === 'shuffle_mean'
    ? `fitted on the mean of ${r.shuffles} repeat-swap shuffles' cv spectra (as Stringer et al. fit)`
    : 'fitted on the cv spectrum of the split as given (no shuffles)';
  return `${what}${r.alpha_fit.abs ? ', on |cv_n| (Stringer’s log(abs(ss)))' : ''}`;
};

export function mountCvpca(page) {
  let report = null;
  let names = ['', ''];

  const redraw = () => {
    if (!report) return;
    const box = $('cvpca-plot');
    draw(box, cvpcaPlot(report, figureSize(box.clientWidth)),
      `cross-validated spectrum beside the plain and the noise spectra; shared variance ${(report.shared_variance_fraction * 100).toFixed(2)} %, ${report.n_nonpositive} axes with cv ≤ 0`);
    exportsFor(box, () => `${stem(names[0])}.cvpca`, 'cross-validated spectrum');
  };

  const show = (r) => {
    report = r;
    $('cvpca-out').hidden = false;
    $('cvpca-shared').textContent = r.shared_variance_fraction.toFixed(6);
    $('cvpca-shared-detail').textContent = `(${(r.shared_variance_fraction * 100).toFixed(2)} % of repeat 1's variance is shared with repeat 2; ` +
      `${r.n_rows.toLocaleString('en')} rows × ${r.n_cols} units; ${r.n_nonpositive} of ${r.cv_spectrum.length} axes have cv ≤ 0 in the split as given` +
      `${r.shuffles ? `; ${r.shuffles} repeat-swap shuffles, seed ${r.seed}` : ''})`;
    $('cvpca-alpha').textContent = r.alpha_fit.label;
    $('cvpca-alpha').dataset.alpha = String(r.alpha_fit.alpha ?? '');
    $('cvpca-alpha').dataset.spectrum = r.alpha_fit.spectrum;
    $('cvpca-alpha-on').textContent = fittedOn(r);
    $('cvpca-alpha-plain').textContent = r.alpha_fit_plain.label;
    $('cvpca-unshuffled-line').hidden = !r.alpha_fit_unshuffled;
    $('cvpca-alpha-unshuffled').textContent = r.alpha_fit_unshuffled?.label ?? '–';
    const [lo, hi] = r.suggested_range ?? [];
    $('cvpca-suggested').textContent = r.suggested_range ? `n = ${lo}…${hi}` : 'none (the fitted cv spectrum is not positive over two ranks from n_lo)';
    $('cvpca-noise-limited').textContent = r.noise_limited_from
      ? `from n = ${r.noise_limited_from} on, cv_n is below √(D/N) times the noise along the same axis: the cv tail there is expected to flatten`
      : 'every axis up to ⌊D/2⌋ is above the noise-limited level';
    $('cvpca-warnings').replaceChildren(...r.warnings.map((w) => Object.assign(document.createElement('li'), { textContent: w })));
    redraw();
    $('cvpca').dataset.state = 'done';
  };

  const go = async () => {
    const a = $('cvpca-a').files[0], b = $('cvpca-b').files[0];
    if (!a || !b) return showError('cvpca-error', 'Choose both repeats: the same inputs, in the same row order.');
    showError('cvpca-error', null);
    $('cvpca').dataset.state = 'busy';
    names = [a.name, b.name];
    const options = {
      fit: await page.fitRequest(), shuffles: intOf('cvpca-shuffles', 5, { max: 200 }), seed: intOf('cvpca-seed', 1), abs: $('cvpca-abs').checked,
    };
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
