// One measure (α, participation ratio, effective rank) per file, files in load order.
import * as Plot from '@observablehq/plot';
import { plot } from './plot.js';

/** `rows`: [{name, value}] in load order; `label` names the measure. Points have class compare-point. */
export function measurePlot(rows, label, { width = 300, height = 220, color = 'var(--data)' } = {}) {
  const data = rows.map((r, i) => ({ ...r, i })).filter((r) => Number.isFinite(r.value));
  const names = rows.map((r, i) => `${i + 1}. ${r.name}`);
  return plot({
    width,
    height,
    marginLeft: 50,
    marginBottom: 60,
    marginTop: 28,
    ariaLabel: `${label} per file in load order`,
    ariaDescription: data.map((r) => `${r.name}: ${r.value.toFixed(3)}`).join('; '),
    x: {
      domain: names,
      label: null,
      tickRotate: names.some((n) => n.length > 8) ? -25 : 0,
      tickFormat: (n) => (n.length > 24 ? `${n.slice(0, 23)}…` : n),
    },
    y: { label: `↑ ${label}`, grid: true, zero: !label.startsWith('α'), nice: true, insetTop: 14 },
    marks: [
      Plot.line(data, { x: (r) => names[r.i], y: 'value', stroke: color, strokeOpacity: 0.5 }),
      Plot.dot(data, { x: (r) => names[r.i], y: 'value', r: 4, fill: color, className: 'compare-point' }),
      Plot.text(data, { x: (r) => names[r.i], y: 'value', text: (r) => r.value.toFixed(2), dy: -10, fontSize: 10 }),
    ],
  });
}
