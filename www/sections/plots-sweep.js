// Figures of a sweep: the K projections against t, the structure function with its fit, and
// spectra and projections of synthetic codes beside the user's.
import * as Plot from '@observablehq/plot';

export const SERIES = ['var(--data)', 'var(--fit)', 'var(--c3)', 'var(--c4)', 'var(--c5)'];

/**
 * `curves`: [{values, label, t?, color?}] drawn against their own `t` or the shared `t`, one small panel each (class `proj-curve`),
 * labelled with their own text.
 */
export function curvesPlot(curves, t, { width = 460, panel = 62, tLabel = 'sweep parameter t →', ariaLabel = 'random projections' } = {}) {
  const data = curves.flatMap((c, k) => Array.from(c.values, (y, i) => ({ t: (c.t ?? t)[i], y, k })));
  return Plot.plot({
    width, height: 40 + panel * curves.length, marginLeft: 16, marginRight: 10, marginTop: 6,
    ariaLabel,
    ariaDescription: curves.map((c) => c.label).join('; '),
    x: { label: tLabel, nice: false },
    y: { axis: null },
    fy: { axis: null, padding: 0.12 },
    marks: [
      Plot.frame({ stroke: 'var(--muted)', strokeOpacity: 0.3 }),
      ...curves.map((c, k) => Plot.lineY(data.filter((p) => p.k === k), { x: 't', y: 'y', fy: 'k', stroke: c.color ?? 'var(--data)', strokeWidth: 1.2, className: 'proj-curve' })),
      Plot.text(curves.map((c, k) => ({ k, text: c.label })),
        { fy: 'k', text: 'text', frameAnchor: 'top-left', dx: 4, dy: 3, fontSize: 11, fill: 'currentColor', className: 'proj-label' }),
    ],
  });
}

/** log S(h) against log h, with the fitted S = e^c · h^(2H) and H beside its prediction. */
export function structurePlot(report, { width = 460, height = 320 } = {}) {
  const { lags, structure, slope, intercept, h } = report.holder;
  const pts = lags.map((lag, i) => ({ h: lag, s: structure[i] })).filter((p) => p.s > 0);
  const fit = slope === null || slope === undefined ? []
    : [lags[0], lags[lags.length - 1]].map((lag) => ({ h: lag, s: Math.exp(intercept) * lag ** slope }));
  const predicted = report.predicted_h;
  const text = `H = ${h === null || h === undefined ? 'none' : h.toFixed(3)} measured · ${predicted === null || predicted === undefined ? 'no prediction' : `${predicted.toFixed(3)} predicted (d = 1)`}`;
  return Plot.plot({
    width, height, marginLeft: 60,
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

/** Spectra scaled to λ₁ = 1: [{label, eigenvalues}], one colour each, labelled at their end. */
export function spectraPlot(series, { width = 460, height = 320 } = {}) {
  const data = series.flatMap((s, j) => {
    const l1 = s.eigenvalues[0];
    return Array.from(s.eigenvalues, (v, i) => ({ n: i + 1, v: v / l1, j })).filter((p) => p.v > 1e-13);
  });
  return Plot.plot({
    width, height, marginLeft: 60,
    ariaLabel: 'spectra scaled to the first eigenvalue, log-log',
    ariaDescription: series.map((s) => s.label).join('; '),
    x: { type: 'log', label: 'rank n →', grid: true },
    y: { type: 'log', label: '↑ λₙ / λ₁', grid: true, tickFormat: '.0e' },
    color: { type: 'ordinal', domain: series.map((_, j) => j), range: SERIES },
    marks: [
      Plot.line(data, { x: 'n', y: 'v', z: 'j', stroke: 'j', strokeWidth: 1.8, className: 'spectrum-series' }),
      // A legend inside the frame, one line per series in its colour.
      ...series.map((s, j) => Plot.text([`— ${s.label}`], { frameAnchor: 'bottom-left', dx: 6, dy: -6 - 15 * (series.length - 1 - j),
        fill: SERIES[j % SERIES.length], fontSize: 11, stroke: 'var(--bg)', strokeWidth: 3, className: 'series-label' })),
    ],
  });
}
