// Fit range: whether one power law describes the spectrum over the range fitted, and where it
// does (the core's fit_diagnostics, METHODS.md "Fit-range diagnostics"): the local slope with
// the fit range and α, α over a grid of ranges, the suggested range with a button that fits over
// it, and the curvature test in words. Redrawn whenever the spectrum element renders (a refit
// comes back with the diagnostics redone for the new range).
import { figureSize } from '../plots/size.js';
import { localSlopePlot } from '../plots/localslope.js';
import { alphaGridPlot } from '../plots/alphagrid.js';
import { stem } from '../export.js';
import { $, draw, exportsFor } from './util.js';

const pct = (x) => `${Math.round(x * 100)} %`;

/** The curvature test in words: the core's warning when it flags a bend, else what it found. */
export function curvatureText(report) {
  const c = report.fit_diagnostics.curvature;
  const fit = report.alpha_fit;
  const range = `n = ${fit.rank_lo}…${fit.rank_hi}`;
  if (!c.tested) return `Curvature not tested: ${c.reason ?? 'no valid fit'}.`;
  const segments = c.slopes.map((a) => a.toFixed(2)).join(' → ');
  const broken = `the best power law broken at n ≈ ${c.breaks.join(', ')} (slopes ${segments})`;
  if (c.flagged) {
    const core = (report.warnings ?? []).find((w) => w.startsWith('Not one power law over'));
    return core ?? `Not one power law over ${range}: ${broken} leaves ${pct(c.rss_ratio)} of one power law's residual (${c.kind}).`;
  }
  return `No bend flagged over ${range}: ${broken} leaves ${pct(c.rss_ratio)} of one power law's residual; ` +
    `it flags a bend only when that is at most 50 % and a later segment is at least 20 % shallower ` +
    `(here ${pct(c.flattening)}) or 60 % steeper (here ${pct(c.steepening)}). ` +
    'This does not show that the code is a power law: a bend too gentle or too short for these thresholds passes.';
}

export function mountDiagnostics(page) {
  let report = null;

  const redraw = () => {
    if (!report) return;
    const name = () => stem(report.source?.name ?? 'eigenlens');
    const slopeBox = $('fitrange-slope-plot');
    draw(slopeBox, localSlopePlot(report, figureSize(slopeBox.clientWidth)),
      `local slope against rank; ${report.alpha_fit.label}`);
    exportsFor(slopeBox, () => `${name()}.localslope`, 'local slope');
    const gridBox = $('fitrange-grid-plot');
    if (report.fit_diagnostics.alpha_grid.length) {
      draw(gridBox, alphaGridPlot(report, figureSize(gridBox.clientWidth)),
        `α over ${report.fit_diagnostics.alpha_grid.length} fit ranges`);
      exportsFor(gridBox, () => `${name()}.alphagrid`, 'α over fit ranges');
    } else {
      gridBox.replaceChildren();
    }
  };

  const show = (r) => {
    report = r;
    const d = r.fit_diagnostics;
    $('fitrange-out').hidden = !d;
    if (!d) return;
    $('fitrange-curvature').textContent = curvatureText(r);
    const s = d.suggested;
    const button = $('fitrange-apply');
    button.hidden = !s;
    if (s) {
      button.textContent = `Fit over n = ${s.lo}…${s.hi}`;
      Object.assign(button.dataset, { lo: s.lo, hi: s.hi });
      const here = r.alpha_fit.rank_lo === s.lo && r.alpha_fit.rank_hi === s.hi;
      $('fitrange-suggested').textContent = `Suggested range n = ${s.lo}…${s.hi}: the local slope stays within ±15 % ` +
        `of its median ${s.median_slope.toFixed(3)} there; α over it = ${s.alpha.toFixed(3)}` +
        `${here ? ' (the fit shown)' : ''}. Stable is not the same as clean: a spectrum bent by noise or finite N ` +
        'from its first ranks has a stable run too.';
      button.disabled = here;
    } else {
      delete button.dataset.lo;
      delete button.dataset.hi;
      $('fitrange-suggested').textContent = `No suggested range: ${d.suggested_reason ?? 'none found'}.`;
    }
    redraw();
    $('fit-range').dataset.state = 'done';
    $('fit-range').dataset.range = `${r.alpha_fit.rank_lo}-${r.alpha_fit.rank_hi}`;
  };

  $('fitrange-apply').addEventListener('click', () => {
    const { lo, hi } = $('fitrange-apply').dataset;
    if (!lo || !hi) return;
    page.spectrum.removeAttribute('preset');
    page.spectrum.setAttribute('lo', lo);
    page.spectrum.setAttribute('hi', hi);
  });
  page.spectrum.addEventListener('eigenlens-render', (e) => show(e.detail.report));
  return { redraw };
}
