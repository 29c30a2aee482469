// Curves against a sweep parameter, one small panel each (class proj-curve), labelled with their
// own text: a sweep's random projections, and those of synthetic codes.
import * as Plot from '@observablehq/plot';
import { plot } from './plot.js';

/** The series colours, in order (the page's and the elements' CSS define them). */
export const SERIES = ['var(--data)', 'var(--fit)', 'var(--c3)', 'var(--c4)', 'var(--c5)'];

/**
 * `curves`: [{values, label, t?, color?}], each drawn against its own `t` or the shared `t`.
 */
export function curvesPlot(curves, t, {
  width = 460, panel = 62, tLabel = 'sweep parameter t →', ariaLabel = 'random projections',
} = {}) {
  const data = curves.flatMap((c, k) => Array.from(c.values, (y, i) => ({ t: (c.t ?? t)[i], y, k })));
  return plot({
    width,
    height: 40 + panel * curves.length,
    marginLeft: 16,
    marginRight: 10,
    marginTop: 6,
    ariaLabel,
    ariaDescription: curves.map((c) => c.label).join('; '),
    x: { label: tLabel, nice: false },
    y: { axis: null },
    fy: { axis: null, padding: 0.12 },
    marks: [
      Plot.frame({ stroke: 'var(--muted)', strokeOpacity: 0.3 }),
      ...curves.map((c, k) => Plot.lineY(data.filter((p) => p.k === k), {
        x: 't', y: 'y', fy: 'k', stroke: c.color ?? 'var(--data)', strokeWidth: 1.2, className: 'proj-curve',
      })),
      Plot.text(curves.map((c, k) => ({ k, text: c.label })), {
        fy: 'k', text: 'text', frameAnchor: 'top-left', dx: 4, dy: 3, fontSize: 11, fill: 'currentColor', className: 'proj-label',
      }),
    ],
  });
}

/**
 * A sweep report's K projections as curves: in sweep order, each labelled with its roughness, or
 * (`shuffled`) re-ordered by the core's own permutation `report.shuffled_order`, the one behind
 * `roughness_shuffled`. Returns {curves, t, tLabel}.
 */
export function sweepCurves(report, { shuffled = false, tLabel = null } = {}) {
  if (!shuffled) {
    return {
      curves: report.curves.map((c, k) => ({ values: c.values, label: `y${k + 1} · roughness ${c.roughness.toPrecision(3)}` })),
      t: report.t,
      tLabel: tLabel ?? (report.t_from_file ? 'sweep parameter t (from the file) →' : 'row index (sweep order) →'),
    };
  }
  const order = report.shuffled_order ?? [];
  return {
    curves: report.curves.map((c, k) => ({ values: order.map((i) => c.values[i]), label: `y${k + 1}, rows shuffled` })),
    t: order.map((_, i) => i),
    tLabel: 'position in the shuffled row order →',
  };
}
