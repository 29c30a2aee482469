// The toy model's figures, as small compositions of Observable Plot marks. Every line mark
// names its series (z) so that Plot never guesses them from a colour channel.
import * as Plot from '@observablehq/plot';
import { plot } from '../plots/plot.js';

const SIZE = { width: 460, height: 320 };

/**
 * Elhage et al.'s sticky fractions (src/toy/mod.rs, STICKY_FRACTIONS: 1, 3/4 tetrahedron,
 * 2/3 triangle, 1/2 antipodal pair, 2/5 pentagon, 3/8 square antiprism). A run carries them in
 * `features_at_fractions`; this list is only the fallback when no run is given.
 */
export const STICKY = [
  { label: '1', value: 1 }, { label: '3/4', value: 3 / 4 }, { label: '2/3', value: 2 / 3 },
  { label: '1/2', value: 1 / 2 }, { label: '2/5', value: 2 / 5 }, { label: '3/8', value: 3 / 8 },
];

/** The fractions as the core reports them (label, value, shape), else the fallback. */
export const stickyOf = (runs) => runs.find((r) => r.features_at_fractions?.length)?.features_at_fractions ?? STICKY;

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

/**
 * Dashed rules at the sticky fractions, labelled in the right margin (clear of the y ticks); a
 * label that would sit on its upper neighbour's (2/5 and 3/8 are 1/40 apart) moves right.
 */
function stickyMarks(fractions) {
  const sorted = [...fractions].sort((a, b) => b.value - a.value);
  const labels = sorted.map((f, i) => ({ ...f, shifted: i > 0 && sorted[i - 1].value - f.value < 0.05 }));
  labels.forEach((f, i) => { if (f.shifted && labels[i - 1].shifted) f.shifted = false; });
  const text = (data, dx) => Plot.text(data, {
    y: 'value', text: 'label', frameAnchor: 'right', dx, textAnchor: 'start', fill: 'var(--muted)', fontSize: 10,
  });
  return [
    Plot.ruleY(fractions, { y: 'value', stroke: 'var(--muted)', strokeDasharray: '4 3', strokeOpacity: 0.8 }),
    text(labels.filter((f) => !f.shifted), 5),
    text(labels.filter((f) => f.shifted), 26),
  ];
}

/**
 * Dimensions per feature m/‖W‖²_F against 1/(1 − S): the runs, the sticky fractions, the
 * Lemma-2 curve labelled as the lower bound it is (H_e free), and the floor m/n, below which
 * no point can go and where the curve falls out of reach.
 */
export function dimsPlot(runs, entropyBits, size = SIZE) {
  const points = runs.map((r) => ({ x: 1 / (1 - r.sparsity), y: r.dims_per_feature, S: r.sparsity }));
  const sMax = Math.max(...runs.map((r) => r.sparsity), 0.5);
  const floor = runs[0] ? runs[0].m / runs[0].n : null;
  const curve = predictionCurve(sMax, entropyBits);
  const xMax = curve[curve.length - 1].x;
  const yMax = Math.max(1.1, ...points.map((p) => p.y * 1.02));
  return plot({
    ...size, marginLeft: 44, marginRight: 50,
    ariaLabel: 'dimensions per feature against 1/(1 − S)',
    x: { type: 'log', label: '1/(1 − S) →', grid: true },
    y: { domain: [0, yMax], label: '↑ dimensions per feature', grid: true },
    marks: [
      ...stickyMarks(stickyOf(runs)),
      ...(floor == null ? [] : [
        Plot.ruleY([floor], { stroke: 'var(--bad)', strokeWidth: 1.5 }),
        Plot.text([`floor m/n = ${+floor.toFixed(3)}`], { x: 1, y: floor, dy: -7, dx: 2, textAnchor: 'start', fill: 'var(--bad)', fontSize: 10 }),
      ]),
      Plot.line(curve, { x: 'x', y: 'y', z: null, stroke: 'var(--fit)', strokeWidth: 2, strokeDasharray: '6 3' }),
      Plot.dot(points, { x: 'x', y: 'y', r: 4, fill: 'var(--data)', tip: true, channels: { S: 'S' } }),
      Plot.text([`lower bound (Lemma 2), Hₑ = ${entropyBits} bits, free`], {
        x: xMax, y: yMax, dy: 4, textAnchor: 'end', lineAnchor: 'top', fill: 'var(--fit)', fontSize: 11,
      }),
    ],
  });
}

/** Every feature's dimensionality at every sparsity, coloured by importance rank. */
export function featuresPlot(runs, size = SIZE) {
  const points = runs.flatMap((r) => r.feature_dimensionality.map((d, i) => ({ x: 1 / (1 - r.sparsity), y: d, feature: i })));
  return plot({
    ...size, marginLeft: 44, marginRight: 50,
    ariaLabel: "each feature's dimensionality against 1/(1 − S)",
    x: { type: 'log', label: '1/(1 − S) →', grid: true },
    y: { domain: [0, 1.05], label: '↑ feature dimensionality', grid: true },
    color: { type: 'linear', scheme: 'viridis', label: 'importance rank i', legend: true },
    marks: [
      ...stickyMarks(stickyOf(runs)),
      Plot.dot(points, { x: 'x', y: 'y', r: 2.5, fill: 'feature', fillOpacity: 0.8 }),
    ],
  });
}

/** The hidden code's participation ratio, and α where the core fitted one (m ≥ 20), against 1/(1 − S). */
export function alphaPlot(runs, size = SIZE) {
  const rows = runs.flatMap((r) => [
    { x: 1 / (1 - r.sparsity), y: r.hidden_participation_ratio, what: 'participation ratio' },
    ...(r.hidden_alpha == null ? [] : [{ x: 1 / (1 - r.sparsity), y: r.hidden_alpha, what: 'α' }]),
  ]);
  return plot({
    ...size, marginLeft: 44, marginRight: 50,
    ariaLabel: 'hidden participation ratio and alpha against 1/(1 − S)',
    x: { type: 'log', label: '1/(1 − S) →', grid: true },
    y: { label: '↑ value', grid: true, zero: true },
    color: { domain: ['participation ratio', 'α'], range: ['var(--data)', 'var(--fit)'] },
    marks: [
      Plot.line(rows, { x: 'x', y: 'y', z: 'what', stroke: 'what', strokeWidth: 1.5 }),
      Plot.dot(rows, { x: 'x', y: 'y', fill: 'what', r: 3 }),
      // Each series named at its last point (a legend inside the one <svg>, so exports keep it).
      Plot.text(rows, Plot.selectLast({
        x: 'x', y: 'y', z: 'what', text: (d) => (d.what === 'α' ? 'α' : 'PR'), fill: 'what', dx: 6, textAnchor: 'start', fontSize: 11,
      })),
    ],
  });
}

/** WᵀW as a heat map (diverging, symmetric about 0). */
export function gramPlot(run, size = SIZE) {
  const n = run.n;
  const cells = run.gram.map((v, k) => ({ i: Math.floor(k / n), j: k % n, v }));
  const lim = Math.max(1e-9, ...run.gram.map(Math.abs));
  const every = Math.max(5, 5 * Math.ceil(n / 50));
  return plot({
    width: size.width, height: size.width * 0.8, marginLeft: 40, padding: 0,
    ariaLabel: `Gram matrix WᵀW at S = ${run.sparsity.toFixed(3)}`,
    x: { label: 'feature j →', axis: 'top', tickFormat: (d) => (d % every === 0 ? d : '') },
    y: { label: '↓ feature i', tickFormat: (d) => (d % every === 0 ? d : '') },
    color: { type: 'diverging', scheme: 'PuOr', domain: [-lim, lim], legend: true, label: 'Wᵢ · Wⱼ' },
    marks: [Plot.cell(cells, { x: 'j', y: 'i', fill: 'v', inset: n > 60 ? 0 : 0.3 })],
  });
}

/** The runs as CSV: one row per sparsity, with the counts of stored features at each sticky fraction. */
export function runsCsv(report) {
  const fractions = stickyOf(report.runs);
  const s = report.settings;
  const head = [
    `# eigenlens toy model: n=${s.n} m=${s.m} importance_decay=${s.importance_decay} steps=${s.steps} batch=${s.batch} `
      + `lr=${s.lr} weight_decay=${s.weight_decay} seed=${s.seed} entropy_bits=${s.entropy_bits}`,
    '# predicted = (1-S) + h_b(S)/H_e: a lower bound for lossless coding with H_e free; floor = m/n; '
      + 'loss = mean over samples and features of I_i (x_i - xhat_i)^2',
    ['sparsity', 'inv_density', 'dims_per_feature', 'predicted_dims_per_feature', 'dims_per_feature_floor', 'final_loss',
      'hidden_alpha', 'hidden_participation_ratio', 'features_stored', ...fractions.map((f) => `at_${f.label.replace('/', '_')}`)].join(','),
  ];
  const rows = report.runs.filter(Boolean).map((r) => [
    r.sparsity, 1 / (1 - r.sparsity), r.dims_per_feature, r.predicted_dims_per_feature, r.dims_per_feature_floor, r.final_loss,
    r.hidden_alpha ?? '', r.hidden_participation_ratio, r.features_stored, ...(r.features_at_fractions ?? []).map((f) => f.count),
  ].join(','));
  return `${[...head, ...rows].join('\n')}\n`;
}
