// The structure function S(h) = mean ‖x(t+h) − x(t)‖² of a sweep on log-log axes, with its fit
// S = e^c · h^(2H).
import * as Plot from '@observablehq/plot';

const fmt = (x) => (x === null || x === undefined || !Number.isFinite(x) ? 'none' : x.toFixed(3));

export function structurePlot(report, { width, height }) {
  const { lags, structure, slope, intercept } = report.holder;
  const pts = Array.from(lags, (lag, i) => ({ h: lag, s: structure[i] })).filter((p) => p.s > 0);
  const fit = slope === null || slope === undefined ? []
    : [lags[0], lags[lags.length - 1]].map((lag) => ({ h: lag, s: Math.exp(intercept) * lag ** slope }));
  const text = `H = ${fmt(report.holder_h)} measured`;
  return Plot.plot({
    width,
    height,
    marginLeft: 60,
    ariaLabel: 'structure function on log-log axes with its power-law fit',
    ariaDescription: text,
    x: { type: 'log', label: 'lag h (rows) →', grid: true },
    y: { type: 'log', label: '↑ S(h)', grid: true, tickFormat: '.0e' },
    marks: [
      Plot.dot(pts, { x: 'h', y: 's', r: 2, fill: 'var(--data)', className: 'structure-point' }),
      Plot.line(fit, { x: 'h', y: 's', stroke: 'var(--fit)', strokeWidth: 2.5, className: 'structure-fit' }),
      Plot.text([text], { frameAnchor: 'bottom-right', dx: -8, dy: -8, fontSize: 12, fill: 'var(--fit)' }),
    ],
  });
}
