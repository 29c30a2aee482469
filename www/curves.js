// Figures of a sweep (METHODS.md, "Smoothness of the code"): random projections drawn against
// the sweep parameter, and the structure function whose slope gives the Hölder exponent.
import * as Plot from '@observablehq/plot';

/** Projection k's points { t, y, k, label } for a line per curve. */
export function curvePoints(report) {
  return report.curves.flatMap((c, k) => c.values.map((y, i) => ({
    t: report.t[i], y, k, label: `y${k + 1} (roughness ${c.roughness.toFixed(4)})`,
  })));
}

/** The K projections y_k(t), stacked one above the other, each labelled with its roughness. */
export function curvesPlot(report, { width = 460, height = 60 + 70 * report.curves.length, tLabel = 'sweep parameter t →' } = {}) {
  return Plot.plot({
    width, height, marginLeft: 40, marginRight: 10,
    ariaLabel: `${report.curves.length} random projections of the code against the sweep parameter`,
    ariaDescription: `roughness R = ${report.roughness.toPrecision(4)}; per curve ${report.curves.map((c) => c.roughness.toFixed(4)).join(', ')}`,
    x: { label: tLabel },
    y: { axis: null },
    fy: { axis: null },
    marks: [
      Plot.lineY(curvePoints(report), { x: 't', y: 'y', fy: 'k', stroke: 'var(--data)', strokeWidth: 1.2, className: 'projection-curve' }),
      Plot.text(report.curves.map((c, k) => ({ k, text: `y${k + 1}: roughness ${c.roughness.toFixed(4)}` })),
        { fy: 'k', text: 'text', frameAnchor: 'top-left', dx: 4, dy: 2, fontSize: 10, fill: 'var(--muted)' }),
    ],
  });
}

/** log S(h) against log h with the power-law fit S ∝ h^(2H), H and the prediction printed. */
export function structurePlot(report, { width = 460, height = 300 } = {}) {
  const { lags, structure, slope, intercept, h } = report.holder;
  const points = lags.map((lag, i) => ({ lag, s: structure[i] })).filter((p) => p.s > 0);
  const line = slope == null ? [] : [lags[0], lags[lags.length - 1]].map((lag) => ({ lag, s: Math.exp(intercept) * lag ** slope }));
  const label = `H = ${h == null ? 'none' : h.toFixed(3)}` + (report.predicted_h == null ? '' : ` (predicted for d = 1: ${report.predicted_h.toFixed(3)})`);
  return Plot.plot({
    width, height, marginLeft: 60,
    ariaLabel: 'structure function of the code against lag, log-log, with the Hölder fit',
    ariaDescription: label,
    x: { type: 'log', label: 'lag h (rows) →', grid: true },
    y: { type: 'log', label: '↑ mean ‖x(t+h) − x(t)‖²', grid: true, tickFormat: '.0e' },
    marks: [
      Plot.dot(points, { x: 'lag', y: 's', r: 1.8, fill: 'var(--data)' }),
      Plot.line(line, { x: 'lag', y: 's', stroke: 'var(--fit)', strokeWidth: 2 }),
      Plot.text([label], { frameAnchor: 'bottom-right', dx: -6, dy: -6, fill: 'var(--fit)', fontSize: 12, className: 'holder-label' }),
    ],
  });
}

/** The curves as CSV: t, y1 … yK. */
export function curvesCsv(report) {
  const head = ['t', ...report.curves.map((_, k) => `y${k + 1}`)].join(',');
  const rows = report.t.map((t, i) => [t, ...report.curves.map((c) => c.values[i])].join(','));
  return `${head}\n${rows.join('\n')}\n`;
}
