// Cumulative fraction of variance against rank, with 90 % and k₉₀ marked.
import * as Plot from '@observablehq/plot';
import { plot } from './plot.js';

export function cumulativePlot(report, { width, height }) {
  const total = report.eigenvalues.reduce((a, b) => a + b, 0);
  let cum = 0;
  const points = Array.from(report.eigenvalues, (lambda, i) => ({ n: i + 1, f: (cum += lambda) / total }));
  return plot({
    width,
    height,
    marginLeft: 50,
    ariaLabel: 'cumulative fraction of variance',
    ariaDescription: `${report.k90} components reach 90 % of the variance`,
    x: { type: 'log', label: 'components n →', grid: true },
    y: { domain: [0, 1], label: '↑ fraction of variance', grid: true },
    marks: [
      Plot.ruleY([0.9], { stroke: 'var(--muted)', strokeDasharray: '4 3' }),
      Plot.ruleX([report.k90], { stroke: 'var(--muted)', strokeDasharray: '4 3' }),
      Plot.line(points, { x: 'n', y: 'f', stroke: 'var(--data)', strokeWidth: 2 }),
      Plot.text([`k₉₀ = ${report.k90}`], { x: report.k90, y: 0.9, dx: 6, dy: 12, textAnchor: 'start' }),
    ],
  });
}
