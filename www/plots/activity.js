// A histogram of the units by the fraction of rows in which each is active.
import * as Plot from '@observablehq/plot';
import { plot } from './plot.js';

export function activityPlot(report, { width, height }) {
  const fractions = Array.from(report.active_fraction);
  return plot({
    width,
    height,
    marginLeft: 50,
    ariaLabel: 'histogram of the fraction of rows in which each unit is active',
    ariaDescription: `${fractions.length} units`,
    x: { label: 'fraction of rows active →', domain: [0, 1] },
    y: { label: '↑ units', grid: true },
    marks: [
      Plot.rectY(fractions, Plot.binX({ y: 'count' }, {
        x: (d) => d, domain: [0, 1], thresholds: 20, fill: 'var(--data)', inset: 0.5, className: 'activity-bar',
      })),
      Plot.ruleY([0]),
    ],
  });
}
