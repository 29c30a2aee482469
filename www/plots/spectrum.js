// The eigenspectrum on log-log axes: λₙ against rank n, the power-law fit over its range, the
// core's α label printed on it, (optionally) a band of slopes from an interval on α, and, for
// f16/bf16/integer storage, the rounding floor: a line at the core's σ̄² (precision_floor.value)
// over the Marchenko–Pastur band where rounding noise alone would put its eigenvalues.
import * as Plot from '@observablehq/plot';
import { plot } from './plot.js';

/** Points (n, λ) of the positive eigenvalues: a log axis cannot show λ ≤ 0. */
export function spectrumPoints(eigenvalues) {
  return Array.from(eigenvalues, (lambda, i) => ({ n: i + 1, lambda })).filter((p) => p.lambda > 0);
}

/** The fitted line λ = e^c · n^(−α) at the ends of the fit range, or [] for an invalid fit. */
export function fitLine(fit) {
  if (!fit.valid) return [];
  const at = (n) => ({ n, lambda: Math.exp(fit.intercept) * n ** -fit.alpha });
  return [at(fit.rank_lo), at(fit.rank_hi)];
}

/** The band of power laws with exponents `lo` … `hi` through the fit's value at the geometric
 *  middle of its range: how far the slope may tilt (a bootstrap interval on α). */
export function alphaBand(fit, lo, hi, steps = 24) {
  if (!fit.valid || !Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  const mid = Math.sqrt(fit.rank_lo * fit.rank_hi);
  const at = Math.exp(fit.intercept) * mid ** -fit.alpha;
  return Array.from({ length: steps + 1 }, (_, i) => {
    const n = fit.rank_lo * (fit.rank_hi / fit.rank_lo) ** (i / steps);
    const a = at * (n / mid) ** -lo;
    const b = at * (n / mid) ** -hi;
    return { n, y1: Math.min(a, b), y2: Math.max(a, b) };
  });
}

/** The label of a storage-precision floor: "bf16 rounding floor", "u8 rounding floor". */
export const floorLabel = (floor) => `${floor.dtype} rounding floor`;

/** Marks of the storage-precision floor (report key precision_floor, or null): the shaded
 *  Marchenko–Pastur band (class precision-band), the line at its value (class precision-floor)
 *  and its label. */
function floorMarks(floor) {
  if (!floor || !(floor.value > 0)) return [];
  const [b0, b1] = floor.band;
  const title = `${floorLabel(floor)}: σ̄² = ${floor.value.toPrecision(3)} (mean rounding-noise variance per unit); ` +
    `rounding noise alone puts its eigenvalues in ${b0.toPrecision(3)} … ${b1.toPrecision(3)} at this N and D`;
  return [
    b1 > b0 && b0 > 0
      ? Plot.rect([floor], { y1: () => b0, y2: () => b1, fill: 'var(--bad)', fillOpacity: 0.12, className: 'precision-band', title: () => title })
      : null,
    Plot.ruleY([floor.value], { stroke: 'var(--bad)', strokeWidth: 1.5, strokeDasharray: '6 3', className: 'precision-floor', title: () => title }),
    Plot.text([floorLabel(floor)], {
      y: () => floor.value, frameAnchor: 'right', dx: -4, dy: -7, textAnchor: 'end', fontSize: 11, fill: 'var(--bad)',
      stroke: 'var(--bg)', strokeWidth: 3, className: 'precision-label',
    }),
  ];
}

/** Log-log eigenspectrum of `report` (eigenvalues, numerical_rank, alpha_fit, precision_floor) at
 *  `width` × `height`. `band` ({lo, hi}: an interval on α) adds the shaded band of slopes (class
 *  alpha-band). A precision floor widens the y range down to its band. */
export function spectrumPlot(report, { width, height }, { band = null } = {}) {
  const fit = report.alpha_fit;
  const label = `α = ${fit.label}`;
  // The y range covers the numerical rank: round-off crumbs beyond it (~1e-16·λ₁) would squash
  // the real spectrum into a sliver, so they are clipped.
  const ranked = Array.from(report.eigenvalues).slice(0, Math.max(report.numerical_rank, 1)).filter((v) => v > 0);
  const floor = report.precision_floor ?? null;
  const lows = [Math.min(...ranked), ...(floor?.value > 0 ? [floor.value, floor.band[0]].filter((v) => v > 0) : [])];
  return plot({
    width,
    height,
    marginLeft: 60,
    ariaLabel: 'eigenspectrum on log-log axes',
    ariaDescription: `Eigenvalues against rank, ${ranked.length} points; ${label}` +
      (floor ? `; ${floorLabel(floor)} at ${floor.value.toPrecision(3)}` : ''),
    x: { type: 'log', label: 'rank n →', grid: true },
    y: {
      type: 'log', label: '↑ eigenvalue λₙ', grid: true, tickFormat: '.0e', domain: [Math.min(...lows), ranked[0]], nice: true,
    },
    marks: [
      ...floorMarks(floor),
      Plot.ruleX([fit.rank_lo, fit.rank_hi], { stroke: 'var(--muted)', strokeDasharray: '4 3' }),
      band
        ? Plot.areaY(alphaBand(fit, band.lo, band.hi), {
          x: 'n', y1: 'y1', y2: 'y2', fill: 'var(--fit)', fillOpacity: 0.25, className: 'alpha-band',
        })
        : null,
      Plot.dot(spectrumPoints(report.eigenvalues), { x: 'n', y: 'lambda', r: 1.8, fill: 'var(--data)', clip: true }),
      Plot.line(fitLine(fit), { x: 'n', y: 'lambda', stroke: 'var(--fit)', strokeWidth: 2.5 }),
      Plot.text([label], {
        frameAnchor: 'bottom-left', dx: 8, dy: -8, fontSize: 13, fill: 'var(--fit-text, var(--fit))', className: 'alpha-label',
      }),
    ],
  });
}
