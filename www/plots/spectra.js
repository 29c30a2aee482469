// Several spectra scaled to λ₁ = 1 on log-log axes, so their slopes (−α) compare; one colour each,
// with a legend inside the frame.
import * as Plot from '@observablehq/plot';
import { plot } from './plot.js';
import { SERIES } from './curves.js';

/** `series`: [{label, eigenvalues}]. */
export function spectraPlot(series, { width, height }) {
  const data = series.flatMap((s, j) => {
    const l1 = s.eigenvalues[0];
    return Array.from(s.eigenvalues, (v, i) => ({ n: i + 1, v: v / l1, j })).filter((p) => p.v > 1e-13);
  });
  return plot({
    width,
    height,
    marginLeft: 60,
    ariaLabel: 'spectra scaled to the first eigenvalue, log-log',
    ariaDescription: series.map((s) => s.label).join('; '),
    x: { type: 'log', label: 'rank n →', grid: true },
    y: { type: 'log', label: '↑ λₙ / λ₁', grid: true, tickFormat: '.0e' },
    color: { type: 'ordinal', domain: series.map((_, j) => j), range: SERIES },
    marks: [
      Plot.line(data, { x: 'n', y: 'v', z: 'j', stroke: 'j', strokeWidth: 1.8, className: 'spectrum-series' }),
      ...series.map((s, j) => Plot.text([`— ${s.label}`], {
        frameAnchor: 'bottom-left',
        dx: 6,
        dy: -6 - 15 * (series.length - 1 - j),
        fill: SERIES[j % SERIES.length],
        fontSize: 11,
        stroke: 'var(--bg)',
        strokeWidth: 3,
        className: 'series-label',
      })),
    ],
  });
}
