// The cross-validated spectrum beside the plain one and the noise spectrum λ_n − cv_n (log-log),
// non-positive cv values marked; the fit line is over the spectrum α was fitted on (the shuffle
// mean when shuffles were drawn), the suggested range (cv positive) shaded and the rank from which
// the tail is noise-limited marked.
import * as Plot from '@observablehq/plot';
import { plot } from './plot.js';
import { fitLine } from './spectrum.js';

/** Points {n, v} of `values` (1-based n). */
const points = (values) => Array.from(values, (v, i) => ({ n: i + 1, v }));

export function cvpcaPlot(report, { width, height }) {
  const plain = points(report.eigenvalues);
  const lambda1 = plain[0]?.v ?? 1;
  const plainShown = plain.filter((p) => p.v > lambda1 * 1e-13); // round-off crumbs are not drawn
  const cv = points(report.cv_spectrum);
  const positive = cv.filter((p) => p.v > 0);
  const nonpositive = cv.filter((p) => !(p.v > 0));
  const shuffled = report.shuffled_cv_spectrum ? points(report.shuffled_cv_spectrum).filter((p) => p.v > 0) : [];
  const noise = report.noise_spectrum ? points(report.noise_spectrum).filter((p) => p.v > 0) : [];
  const range = report.suggested_range;
  const limited = report.noise_limited_from;
  // Values below 1e-9 λ₁ are round-off (axes past the numerical rank): clipped, not drawn.
  const floor = lambda1 * 1e-9;
  const lows = [...plainShown, ...positive, ...shuffled, ...noise].map((p) => p.v).filter((v) => v > floor);
  const yMin = Math.min(...lows);
  const yMax = Math.max(...lows);
  const bottom = yMin / 3; // where the non-positive values are marked
  const line = (fit) => fitLine(fit).map(({ n, lambda }) => ({ n, v: lambda }));
  return plot({
    width,
    height,
    marginLeft: 60,
    ariaLabel: 'cross-validated spectrum beside the plain spectrum, log-log',
    ariaDescription: `shared variance ${(report.shared_variance_fraction * 100).toFixed(2)} %; ` +
      `${report.n_nonpositive} axes with cv ≤ 0; cv α = ${report.alpha_fit.label}; plain α = ${report.alpha_fit_plain.label}`,
    x: { type: 'log', label: 'axis n →', grid: true },
    y: { type: 'log', label: '↑ variance along axis n', grid: true, tickFormat: '.0e', domain: [bottom, yMax], nice: true },
    marks: [
      range ? Plot.rectX([range], { x1: (r) => r[0], x2: (r) => r[1], fill: 'var(--c3)', fillOpacity: 0.08, className: 'cv-suggested' }) : null,
      limited ? Plot.ruleX([limited], { stroke: 'var(--bad)', strokeDasharray: '2 3', className: 'cv-noise-limited' }) : null,
      Plot.line(noise.filter((p) => p.v > floor), {
        x: 'n', y: 'v', stroke: 'var(--c4)', strokeWidth: 1.2, strokeDasharray: '4 2', className: 'cv-noise',
      }),
      Plot.dot(plainShown.filter((p) => p.v > floor), {
        x: 'n', y: 'v', r: 2.2, stroke: 'var(--muted)', fill: 'none', className: 'cv-plain',
      }),
      shuffled.length
        ? Plot.line(shuffled.filter((p) => p.v > floor), {
          x: 'n', y: 'v', stroke: 'var(--c3)', strokeWidth: 1.2, className: 'cv-shuffled',
        })
        : null,
      Plot.dot(positive.filter((p) => p.v > floor), { x: 'n', y: 'v', r: 2, fill: 'var(--data)', className: 'cv-signal' }),
      Plot.dot(nonpositive, {
        x: 'n', y: () => bottom, symbol: 'times', r: 3, stroke: 'var(--bad)', className: 'cv-nonpositive',
      }),
      Plot.line(line(report.alpha_fit_plain), { x: 'n', y: 'v', stroke: 'var(--muted)', strokeWidth: 2, strokeDasharray: '5 3' }),
      Plot.line(line(report.alpha_fit), { x: 'n', y: 'v', stroke: 'var(--fit)', strokeWidth: 2.5 }),
      Plot.text([`cv${report.alpha_fit.spectrum === 'shuffle_mean' ? ' (shuffle mean)' : ''}: α = ${report.alpha_fit.label}\nplain: α = ${report.alpha_fit_plain.label}`], {
        frameAnchor: 'top-right', dx: -6, dy: 6, fontSize: 11, fill: 'var(--fit-text, var(--fit))', lineHeight: 1.2, className: 'cv-alpha-label',
      }),
      nonpositive.length
        ? Plot.text([`× cv ≤ 0 (${nonpositive.length})`], {
          frameAnchor: 'bottom-left', dx: 6, dy: -6, fontSize: 11, fill: 'var(--bad)',
        })
        : null,
    ],
  });
}
