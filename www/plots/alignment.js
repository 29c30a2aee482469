// Axes and units: units per principal axis (1/IPR) for the axes whose eigenvalue is separated
// from its neighbours (the core's `axes[].reported`), against a random direction's (D + 2)/3;
// the other axes are marked along the bottom without a value (their eigenvectors are an
// arbitrary rotation inside a near-degenerate eigenspace). And the basis-privilege test: the
// units' mean kurtosis against each of K random rotations, as ratios to the rotations' mean.
import * as Plot from '@observablehq/plot';
import { plot } from './plot.js';

export function alignmentPlot(report, { width, height }) {
  const axes = report.axes?.length ? report.axes
    : Array.from(report.units_per_axis, (u, i) => ({ rank: i + 1, units_per_axis: u, reported: false }));
  const shown = axes.filter((a) => a.reported).map((a) => ({ n: a.rank, u: a.units_per_axis }));
  const hidden = axes.filter((a) => !a.reported).map((a) => ({ n: a.rank }));
  const base = report.random_units_per_axis;
  const top = Math.max(base, ...shown.map((p) => p.u)) * 1.08;
  return plot({
    width,
    height,
    marginLeft: 50,
    ariaLabel: 'units per principal axis, for the axes separated from their neighbours, against the random-direction baseline',
    ariaDescription: `${shown.length} of ${axes.length} axes separated and shown; a random direction spreads over ${base.toFixed(1)} units`,
    x: { label: 'principal axis n →', grid: true, domain: [0.5, axes.length + 0.5] },
    y: { label: '↑ units per axis (1/IPR)', grid: true, domain: [0, top] },
    marks: [
      Plot.ruleY([base], { stroke: 'var(--fit)', strokeDasharray: '5 3', strokeWidth: 2, className: 'baseline' }),
      Plot.text([`random direction (D + 2)/3 = ${base.toFixed(1)}`], {
        y: base, frameAnchor: 'right', dx: -4, dy: -8, textAnchor: 'end', fill: 'var(--fit)', fontSize: 11,
        stroke: 'var(--bg)', strokeWidth: 3,
      }),
      Plot.ruleY([0]),
      Plot.tickX(hidden, { x: 'n', y1: 0, y2: top * 0.04, stroke: 'var(--muted)', className: 'axis-unreported' }),
      Plot.dot(shown, { x: 'n', y: 'u', r: 2.5, fill: 'var(--data)', className: 'axis-units' }),
      hidden.length
        ? Plot.text([`| not separated (${hidden.length}): no value shown`], {
          frameAnchor: 'bottom-left', dx: 6, dy: -10, fontSize: 10, fill: 'var(--muted)',
        })
        : null,
    ],
  });
}

/**
 * The basis-privilege test on one line: each rotation's mean kurtosis over its mean (grey dots,
 * spread [min, max] = `rotated`) and the units' (`ratio`, a rule). Log x when the ratio is far
 * from 1.
 */
export function privilegePlot(bp, { width }) {
  const mean = bp.rotated_kurtosis.reduce((a, b) => a + b, 0) / bp.rotated_kurtosis.length;
  const rotations = bp.rotated_kurtosis.map((k, i) => ({ r: k / mean, i }));
  const all = [bp.ratio, ...rotations.map((p) => p.r)];
  const [lo, hi] = [Math.min(...all), Math.max(...all)];
  const log = hi / lo > 3;
  return plot({
    width,
    height: 120,
    marginLeft: 20,
    marginRight: 20,
    ariaLabel: 'mean kurtosis of the units against that of random rotations of the same data',
    ariaDescription: `units ${bp.ratio.toFixed(3)}; ${bp.k} rotations ${bp.rotated[0].toFixed(3)} … ${bp.rotated[1].toFixed(3)}`,
    x: { type: log ? 'log' : 'linear', label: 'mean kurtosis ÷ the rotations’ mean →', grid: true, nice: true,
      domain: log ? [lo / 1.3, hi * 1.3] : [lo - 0.05 * (hi - lo + 0.1), hi + 0.05 * (hi - lo + 0.1)] },
    y: { axis: null, domain: [0, 1] },
    marks: [
      Plot.dot(rotations, { x: 'r', y: 0.35, r: 3, stroke: 'var(--muted)', fill: 'none', className: 'rotation-ratio' }),
      Plot.ruleX([bp.ratio], { y1: 0.1, y2: 0.9, stroke: bp.privileged ? 'var(--fit)' : 'var(--data)', strokeWidth: 2.5, className: 'unit-ratio' }),
      Plot.text([`units ${bp.ratio.toFixed(3)}`], { x: bp.ratio, y: 0.9, dy: -2, lineAnchor: 'bottom', fontSize: 11, fill: 'var(--fg)' }),
      Plot.text([`${bp.k} random rotations`], { x: rotations.map((p) => p.r).sort((a, b) => a - b)[0], y: 0.35, dy: 14, textAnchor: 'start', fontSize: 10, fill: 'var(--muted)' }),
    ],
  });
}
