// Axis alignment: units per principal axis (1/IPR) against a random direction's (D + 2)/3.
import * as Plot from '@observablehq/plot';

export function alignmentPlot(report, { width, height }) {
  const pts = Array.from(report.units_per_axis, (u, i) => ({ n: i + 1, u }));
  const base = report.random_units_per_axis;
  const top = Math.max(base, ...report.units_per_axis) * 1.08;
  return Plot.plot({
    width,
    height,
    marginLeft: 50,
    ariaLabel: 'units per principal axis against the random-direction baseline',
    ariaDescription: `${pts.length} axes; a random direction spreads over ${base.toFixed(1)} units`,
    x: { label: 'principal axis n →', grid: true },
    y: { label: '↑ units per axis (1/IPR)', grid: true, domain: [0, top] },
    marks: [
      Plot.ruleY([base], { stroke: 'var(--fit)', strokeDasharray: '5 3', strokeWidth: 2, className: 'baseline' }),
      Plot.text([`random direction (D + 2)/3 = ${base.toFixed(1)}`], {
        y: base, frameAnchor: 'right', dx: -4, dy: -8, textAnchor: 'end', fill: 'var(--fit)', fontSize: 11,
        stroke: 'var(--bg)', strokeWidth: 3,
      }),
      Plot.ruleY([0]),
      Plot.dot(pts, { x: 'n', y: 'u', r: 2.5, fill: 'var(--data)', className: 'axis-units' }),
    ],
  });
}
