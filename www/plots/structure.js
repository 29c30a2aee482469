// The structure function S(h) = mean ‖x(t+h) − x(t)‖² of a sweep on log-log axes (log-spaced
// lags), with its fit S = e^c · h^(2H) and, for comparison, the slope 2H of the reference Fourier
// code (`holder_h_reference`: the same α, N, D, sampling and estimator), drawn through the
// fit's first point. H is a description of roughness along the sweep, not a differentiability test.
import * as Plot from '@observablehq/plot';
import { plot } from './plot.js';

const fmt = (x) => (x === null || x === undefined || !Number.isFinite(x) ? 'none' : x.toFixed(3));

export function structurePlot(report, { width, height }) {
  const { lags, structure, slope, intercept } = report.holder;
  const pts = Array.from(lags, (lag, i) => ({ h: lag, s: structure[i] })).filter((p) => p.s > 0);
  const ends = [lags[0], lags[lags.length - 1]];
  const fitted = slope !== null && slope !== undefined;
  const fit = fitted ? ends.map((lag) => ({ h: lag, s: Math.exp(intercept) * lag ** slope })) : [];
  const ref = report.holder_h_reference;
  const reference = fitted && Number.isFinite(ref)
    ? ends.map((lag) => ({ h: lag, s: Math.exp(intercept) * lags[0] ** slope * (lag / lags[0]) ** (2 * ref) }))
    : [];
  const text = `H = ${fmt(report.holder_h)} measured\nreference H = ${fmt(ref)}`;
  return plot({
    width,
    height,
    marginLeft: 60,
    ariaLabel: 'structure function on log-log axes with its power-law fit and the reference slope',
    ariaDescription: text.replace('\n', '; '),
    x: { type: 'log', label: 'lag h (rows) →', grid: true },
    y: { type: 'log', label: '↑ S(h)', grid: true, tickFormat: '.0e' },
    marks: [
      Plot.dot(pts, { x: 'h', y: 's', r: 2, fill: 'var(--data)', className: 'structure-point' }),
      Plot.line(reference, { x: 'h', y: 's', stroke: 'var(--muted)', strokeWidth: 1.5, strokeDasharray: '5 3', className: 'structure-reference' }),
      Plot.line(fit, { x: 'h', y: 's', stroke: 'var(--fit)', strokeWidth: 2.5, className: 'structure-fit' }),
      Plot.text([text], { frameAnchor: 'bottom-right', dx: -8, dy: -8, fontSize: 12, fill: 'var(--fit)', lineHeight: 1.2 }),
    ],
  });
}
