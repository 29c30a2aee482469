// The local slope of the spectrum, s(n) = −d ln λ / d ln n over a one-octave window around rank
// n (the core's fit_diagnostics.local_slope), on a log rank axis: for a power law it is flat at
// α. The fitted range is shaded, the fitted α drawn as a line across it, and the suggested range
// (where s(n) stays within ±15 % of its median) marked by dashed edges.
import * as Plot from '@observablehq/plot';
import { plot } from './plot.js';

/** The local-slope figure of `report` (fit_diagnostics, alpha_fit) at `width` × `height`. */
export function localSlopePlot(report, { width, height }) {
  const diag = report.fit_diagnostics;
  const fit = report.alpha_fit;
  const points = diag.local_slope.map(({ n, slope }) => ({ n, slope }));
  const suggested = diag.suggested;
  const ns = points.map((p) => p.n);
  const slopes = points.map((p) => p.slope).filter(Number.isFinite);
  const ys = [...slopes, ...(fit.valid ? [fit.alpha] : []), 0];
  const octaves = diag.window_octaves ?? 1;
  return plot({
    width,
    height,
    marginLeft: 50,
    ariaLabel: 'local slope of the spectrum against rank',
    ariaDescription: `${points.length} points of −d ln λ / d ln n over ${octaves}-octave windows` +
      (fit.valid ? `; fitted α = ${fit.alpha.toFixed(3)} over n = ${fit.rank_lo}…${fit.rank_hi}` : '') +
      (suggested ? `; suggested range n = ${suggested.lo}…${suggested.hi}` : ''),
    x: { type: 'log', label: 'rank n →', grid: true, domain: [Math.min(...ns, fit.rank_lo), Math.max(...ns, fit.rank_hi)] },
    y: { label: '↑ local slope −d ln λ / d ln n', grid: true, domain: [Math.min(...ys), Math.max(...ys) * 1.08], nice: true },
    marks: [
      fit.valid
        ? Plot.rectX([fit], { x1: 'rank_lo', x2: 'rank_hi', fill: 'var(--fit)', fillOpacity: 0.1, className: 'fit-range' })
        : null,
      suggested
        ? Plot.ruleX([suggested.lo, suggested.hi], { stroke: 'var(--c3)', strokeWidth: 1.5, strokeDasharray: '5 3', className: 'suggested-range' })
        : null,
      Plot.ruleY([0], { stroke: 'var(--muted)' }),
      Plot.line(points, { x: 'n', y: 'slope', stroke: 'var(--data)', strokeWidth: 1.5 }),
      Plot.dot(points, {
        x: 'n', y: 'slope', r: 2.2, fill: 'var(--data)', className: 'local-slope',
        title: (p) => `n = ${p.n}: local slope ${p.slope.toFixed(3)}`,
      }),
      fit.valid
        ? Plot.ruleY([fit.alpha], {
          x1: fit.rank_lo, x2: fit.rank_hi, stroke: 'var(--fit)', strokeWidth: 2.5, className: 'alpha-fit',
          title: () => `fitted α = ${fit.alpha.toFixed(4)} over n = ${fit.rank_lo}…${fit.rank_hi}`,
        })
        : null,
      fit.valid
        ? Plot.text([`α = ${fit.alpha.toFixed(3)}`], {
          x: fit.rank_hi, y: fit.alpha, dx: 4, dy: -8, textAnchor: 'end', fontSize: 11, fill: 'var(--fit)',
          stroke: 'var(--bg)', strokeWidth: 3,
        })
        : null,
      suggested
        ? Plot.text([`suggested n = ${suggested.lo}…${suggested.hi}`], {
          frameAnchor: 'top-left', dx: 6, dy: 6, fontSize: 11, fill: 'var(--c3)', className: 'suggested-label',
        })
        : null,
    ],
  });
}
