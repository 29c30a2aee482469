// The figures, as small compositions of Observable Plot marks (SVG out, log axes).
import * as Plot from '@observablehq/plot';

const WIDTH = 460;
const HEIGHT = 320;

/** A figure's size for a container `available` px wide: full width on a phone, `max` px (460) otherwise. */
export function figureSize(available, max = WIDTH) {
  const width = Math.round(Math.max(280, Math.min(max, available || WIDTH)));
  return { width, height: Math.round(width * (HEIGHT / WIDTH)) };
}

/** The text printed on the spectrum for a fit. */
export function alphaLabel(fit) {
  return fit.valid
    ? `α = ${fit.alpha.toFixed(3)} (${fit.estimator}, n = ${fit.rank_lo}…${fit.rank_hi})`
    : `α: none (${fit.reason})`;
}

/** Points (n, λ) of the positive eigenvalues: a log axis cannot show λ ≤ 0. */
export function spectrumPoints(eigenvalues) {
  return eigenvalues.map((lambda, i) => ({ n: i + 1, lambda })).filter((p) => p.lambda > 0);
}

/** The fitted line λ = e^c · n^(−α) over the fit range, or [] for an invalid fit. */
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
    const a = at * (n / mid) ** -lo, b = at * (n / mid) ** -hi;
    return { n, y1: Math.min(a, b), y2: Math.max(a, b) };
  });
}

/** Log-log eigenspectrum with the fit drawn over its range and α printed on it.
 *  `width`/`height` default to 460 × 320 (see figureSize). `band` ({lo, hi}: an interval on α)
 *  adds the shaded band of slopes; without it the figure is as before. */
export function spectrumPlot(report, { width = WIDTH, height = HEIGHT } = {}, { band = null } = {}) {
  const fit = report.alpha_fit;
  const label = alphaLabel(fit);
  // The y range covers the numerical rank: round-off crumbs beyond it (~1e-16·λ₁) would
  // squash the real spectrum into a sliver, so they are clipped.
  const ranked = report.eigenvalues.slice(0, Math.max(report.numerical_rank, 1)).filter((v) => v > 0);
  return Plot.plot({
    width, height, marginLeft: 60,
    ariaLabel: 'eigenspectrum on log-log axes',
    ariaDescription: `Eigenvalues against rank, ${ranked.length} points; ${label}`,
    x: { type: 'log', label: 'rank n →', grid: true },
    y: { type: 'log', label: '↑ eigenvalue λₙ', grid: true, tickFormat: '.0e', domain: [Math.min(...ranked), ranked[0]], nice: true },
    marks: [
      Plot.ruleX([fit.rank_lo, fit.rank_hi], { stroke: 'var(--muted)', strokeDasharray: '4 3' }),
      band ? Plot.areaY(alphaBand(fit, band.lo, band.hi), { x: 'n', y1: 'y1', y2: 'y2', fill: 'var(--fit)', fillOpacity: 0.25, className: 'alpha-band' }) : null,
      Plot.dot(spectrumPoints(report.eigenvalues), { x: 'n', y: 'lambda', r: 1.8, fill: 'var(--data)', clip: true }),
      Plot.line(fitLine(fit), { x: 'n', y: 'lambda', stroke: 'var(--fit)', strokeWidth: 2.5 }),
      Plot.text([label], { frameAnchor: 'bottom-left', dx: 8, dy: -8, fontSize: 13, fill: 'var(--fit)', className: 'alpha-label' }),
    ],
  });
}

/** Cumulative variance fraction against rank, with 90 % and k₉₀ marked. */
export function cumulativePlot(report, { width = WIDTH, height = HEIGHT } = {}) {
  const total = report.eigenvalues.reduce((a, b) => a + b, 0);
  let cum = 0;
  const points = report.eigenvalues.map((lambda, i) => ({ n: i + 1, f: (cum += lambda) / total }));
  return Plot.plot({
    width, height, marginLeft: 50,
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
