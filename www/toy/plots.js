// The toy model's figures, as small compositions of Observable Plot marks.
import * as Plot from '@observablehq/plot';

const SIZE = { width: 460, height: 320 };
const STICKY = [1, 1 / 2, 2 / 5, 1 / 3];

/** Binary entropy in bits. */
const hb = (s) => (s <= 0 || s >= 1 ? 0 : -s * Math.log2(s) - (1 - s) * Math.log2(1 - s));

/** The coding-theory prediction (1 − S) + h_b(S)/H_e (METHODS.md, "Toy model"), as a curve. */
export function predictionCurve(sMax, entropyBits) {
  const xMax = 1 / (1 - sMax);
  return Array.from({ length: 200 }, (_, i) => {
    const x = Math.exp((Math.log(xMax) * i) / 199);
    const s = 1 - 1 / x;
    return { x, y: 1 - s + hb(s) / entropyBits };
  });
}

/** Dimensions per feature against 1/(1 − S), with the sticky fractions and the prediction. */
export function dimsPlot(runs, entropyBits, size = SIZE) {
  const points = runs.map((r) => ({ x: 1 / (1 - r.sparsity), y: r.dims_per_feature }));
  const sMax = Math.max(...runs.map((r) => r.sparsity), 0.5);
  return Plot.plot({
    ...size, marginLeft: 50,
    ariaLabel: 'dimensions per feature against 1/(1 − S)',
    x: { type: 'log', label: '1/(1 − S) →', grid: true },
    y: { domain: [0, 1.1], label: '↑ dimensions per feature', grid: true },
    color: { legend: false },
    marks: [
      Plot.ruleY(STICKY, { stroke: 'var(--muted)', strokeDasharray: '4 3' }),
      Plot.text(STICKY, { x: 1, y: (d) => d, text: (d) => ['1', '1/2', '2/5', '1/3'][STICKY.indexOf(d)], dx: -4, textAnchor: 'end', fill: 'var(--muted)', fontSize: 10, frameAnchor: 'left' }),
      Plot.line(predictionCurve(sMax, entropyBits), { x: 'x', y: 'y', stroke: 'var(--fit)', strokeWidth: 2 }),
      Plot.dot(points, { x: 'x', y: 'y', r: 4, fill: 'var(--data)', tip: true }),
      Plot.text([`prediction, Hₑ = ${entropyBits} bits`], { frameAnchor: 'top-right', dx: -6, dy: 6, fill: 'var(--fit)', fontSize: 12 }),
    ],
  });
}

/** Every feature's dimensionality at every sparsity, coloured by importance rank. */
export function featuresPlot(runs, size = SIZE) {
  const points = runs.flatMap((r) => r.feature_dimensionality.map((d, i) => ({ x: 1 / (1 - r.sparsity), y: d, feature: i })));
  return Plot.plot({
    ...size, marginLeft: 50,
    ariaLabel: "each feature's dimensionality against 1/(1 − S)",
    x: { type: 'log', label: '1/(1 − S) →', grid: true },
    y: { domain: [0, 1.05], label: '↑ feature dimensionality', grid: true },
    color: { type: 'linear', scheme: 'viridis', label: 'importance rank i', legend: true },
    marks: [
      Plot.ruleY(STICKY, { stroke: 'var(--muted)', strokeDasharray: '4 3' }),
      Plot.dot(points, { x: 'x', y: 'y', r: 2.5, fill: 'feature', fillOpacity: 0.8 }),
    ],
  });
}

/** The hidden code's participation ratio and α against 1/(1 − S). */
export function alphaPlot(runs, size = SIZE) {
  const rows = runs.flatMap((r) => [
    { x: 1 / (1 - r.sparsity), y: r.hidden_participation_ratio, what: 'participation ratio' },
    ...(r.hidden_alpha == null ? [] : [{ x: 1 / (1 - r.sparsity), y: r.hidden_alpha, what: 'α' }]),
  ]);
  return Plot.plot({
    ...size, marginLeft: 50,
    ariaLabel: 'hidden participation ratio and alpha against 1/(1 − S)',
    x: { type: 'log', label: '1/(1 − S) →', grid: true },
    y: { label: '↑ value', grid: true, zero: true },
    color: { domain: ['participation ratio', 'α'], range: ['var(--data)', 'var(--fit)'], legend: true },
    marks: [
      Plot.line(rows, { x: 'x', y: 'y', stroke: 'what', strokeWidth: 1.5 }),
      Plot.dot(rows, { x: 'x', y: 'y', fill: 'what', r: 3 }),
    ],
  });
}

/** WᵀW as a heat map (diverging, symmetric about 0). */
export function gramPlot(run, size = SIZE) {
  const n = run.n;
  const cells = run.gram.map((v, k) => ({ i: Math.floor(k / n), j: k % n, v }));
  const lim = Math.max(1e-9, ...run.gram.map(Math.abs));
  return Plot.plot({
    width: size.width, height: size.width * 0.8, marginLeft: 40, padding: 0,
    ariaLabel: `Gram matrix WᵀW at S = ${run.sparsity.toFixed(3)}`,
    x: { label: 'feature j →', axis: 'top', tickFormat: (d) => (d % 5 === 0 ? d : '') },
    y: { label: '↓ feature i', tickFormat: (d) => (d % 5 === 0 ? d : '') },
    color: { type: 'diverging', scheme: 'PuOr', domain: [-lim, lim], legend: true, label: 'Wᵢ · Wⱼ' },
    marks: [Plot.cell(cells, { x: 'j', y: 'i', fill: 'v', inset: 0.3 })],
  });
}
