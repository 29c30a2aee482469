// The eigenspectrum on log-log axes: λₙ against rank n, the power-law fit over its range, the
// core's α label printed on it, and (optionally) a band of slopes from an interval on α.
import * as Plot from '@observablehq/plot';

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

/** Log-log eigenspectrum of `report` (eigenvalues, numerical_rank, alpha_fit) at `width` × `height`.
 *  `band` ({lo, hi}: an interval on α) adds the shaded band of slopes (class alpha-band). */
export function spectrumPlot(report, { width, height }, { band = null } = {}) {
  const fit = report.alpha_fit;
  const label = `α = ${fit.label}`;
  // The y range covers the numerical rank: round-off crumbs beyond it (~1e-16·λ₁) would squash
  // the real spectrum into a sliver, so they are clipped.
  const ranked = Array.from(report.eigenvalues).slice(0, Math.max(report.numerical_rank, 1)).filter((v) => v > 0);
  return Plot.plot({
    width,
    height,
    marginLeft: 60,
    ariaLabel: 'eigenspectrum on log-log axes',
    ariaDescription: `Eigenvalues against rank, ${ranked.length} points; ${label}`,
    x: { type: 'log', label: 'rank n →', grid: true },
    y: {
      type: 'log', label: '↑ eigenvalue λₙ', grid: true, tickFormat: '.0e', domain: [Math.min(...ranked), ranked[0]], nice: true,
    },
    marks: [
      Plot.ruleX([fit.rank_lo, fit.rank_hi], { stroke: 'var(--muted)', strokeDasharray: '4 3' }),
      band
        ? Plot.areaY(alphaBand(fit, band.lo, band.hi), {
          x: 'n', y1: 'y1', y2: 'y2', fill: 'var(--fit)', fillOpacity: 0.25, className: 'alpha-band',
        })
        : null,
      Plot.dot(spectrumPoints(report.eigenvalues), { x: 'n', y: 'lambda', r: 1.8, fill: 'var(--data)', clip: true }),
      Plot.line(fitLine(fit), { x: 'n', y: 'lambda', stroke: 'var(--fit)', strokeWidth: 2.5 }),
      Plot.text([label], {
        frameAnchor: 'bottom-left', dx: 8, dy: -8, fontSize: 13, fill: 'var(--fit)', className: 'alpha-label',
      }),
    ],
  });
}
