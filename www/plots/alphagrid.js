// α over a grid of fit ranges (the core's fit_diagnostics.alpha_grid): one cell per (n_lo, n_hi),
// both on four points per octave, coloured by the α fitted over n_lo … n_hi with the estimator
// shown. A code that is one power law is one colour; where α depends on the range, the colours
// say how. The range fitted is ringed; the suggested one is marked with a cross.
import * as Plot from '@observablehq/plot';
import { plot } from './plot.js';

/** Half a grid step (⅛ octave) either side of a rank on a log axis. */
const HALF = 2 ** (1 / 8);

/** Cell edges for grid ranks `values`: the geometric midpoints between neighbours (round(2^(k/4))
 *  repeats at small n, so the steps there are uneven), half a step past the ends. */
function edges(values) {
  const v = [...new Set(values)].sort((a, b) => a - b);
  const out = new Map();
  v.forEach((x, i) => out.set(x, [
    i ? Math.sqrt(v[i - 1] * x) : x / HALF,
    i + 1 < v.length ? Math.sqrt(x * v[i + 1]) : x * HALF,
  ]));
  return out;
}

/** The α-grid heat map of `report` (fit_diagnostics, alpha_fit) at `width` × `height`. */
export function alphaGridPlot(report, { width, height }) {
  const diag = report.fit_diagnostics;
  const fit = report.alpha_fit;
  const cells = diag.alpha_grid.filter((c) => Number.isFinite(c.alpha));
  const suggested = diag.suggested;
  const alphas = cells.map((c) => c.alpha);
  // The range fitted may lie off the grid (n_hi past D/2, say): the axes take it in.
  const los = [...cells.map((c) => c.lo), ...(fit.valid ? [fit.rank_lo] : [])];
  const his = [...cells.map((c) => c.hi), ...(fit.valid ? [fit.rank_hi] : [])];
  const [xe, ye] = [edges(cells.map((c) => c.lo)), edges(cells.map((c) => c.hi))];
  return plot({
    width,
    height,
    marginLeft: 50,
    ariaLabel: 'α fitted over a grid of ranges n_lo … n_hi',
    ariaDescription: `${cells.length} ranges; α from ${Math.min(...alphas).toFixed(2)} to ${Math.max(...alphas).toFixed(2)}` +
      (fit.valid ? `; the fit shown is n = ${fit.rank_lo}…${fit.rank_hi}` : ''),
    x: { type: 'log', label: 'first rank n_lo →', domain: [Math.min(...los) / HALF, Math.max(...los) * HALF] },
    y: { type: 'log', label: '↑ last rank n_hi', domain: [Math.min(...his) / HALF, Math.max(...his) * HALF] },
    color: { type: 'linear', scheme: 'viridis', label: 'α', legend: true },
    marks: [
      Plot.rect(cells, {
        x1: (c) => xe.get(c.lo)[0], x2: (c) => xe.get(c.lo)[1], y1: (c) => ye.get(c.hi)[0], y2: (c) => ye.get(c.hi)[1],
        fill: 'alpha', className: 'alpha-cell', title: (c) => `n = ${c.lo}…${c.hi}: α = ${c.alpha.toFixed(3)}`,
      }),
      fit.valid
        ? Plot.dot([fit], {
          x: 'rank_lo', y: 'rank_hi', r: 6, stroke: 'var(--fg, currentColor)', strokeWidth: 2, fill: 'none', className: 'grid-fit',
          title: () => `the fit shown: n = ${fit.rank_lo}…${fit.rank_hi}, α = ${fit.alpha.toFixed(3)}`,
        })
        : null,
      suggested
        ? Plot.dot([suggested], {
          x: 'lo', y: 'hi', r: 6, symbol: 'times', stroke: 'var(--bad)', strokeWidth: 2, className: 'grid-suggested',
          title: () => `suggested: n = ${suggested.lo}…${suggested.hi}, α = ${suggested.alpha.toFixed(3)}`,
        })
        : null,
    ],
  });
}
