// Small helpers shared by the analysis sections.
import { toolbar, figureExports } from '../export.js';

export const $ = (id) => document.getElementById(id);

/** A number with `digits` significant digits, or '–' for null/undefined/NaN. */
export const sig = (x, digits = 4) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : Number(x).toPrecision(digits));
export const fixed = (x, digits = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : Number(x).toFixed(digits));

/** An α fit as text: "2.394 (stringer, n = 11…128)" or "none (reason)". */
export const fitText = (fit) => (fit?.valid
  ? `${fit.alpha.toFixed(3)} (${fit.estimator}, n = ${fit.rank_lo}…${fit.rank_hi})`
  : `none (${fit?.reason ?? 'no fit'})`);

/** Shows `message` in the error line `id` (or hides it for null). */
export function showError(id, message) {
  const el = $(id);
  el.textContent = message ?? '';
  el.hidden = !message;
}

/** Puts a freshly drawn figure into `container` and sets its accessible label. */
export function draw(container, svg, label) {
  container.replaceChildren(svg);
  if (label) container.setAttribute('aria-label', label);
}

/** Adds SVG/PNG export buttons after a figure container, once. `name()` gives the file stem. */
export function exportsFor(container, name, what) {
  if (container.dataset.exports) return;
  container.dataset.exports = '1';
  container.after(toolbar(figureExports(() => container.querySelector('svg'), name, what), { label: `Export the ${what}` }));
}

/** Runs `task` with the button disabled and its text swapped while busy. */
export async function busy(button, text, task) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = text;
  try {
    return await task();
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

/** The input dimension d from text: a positive number or 'high'; null when invalid. */
export function parseD(text) {
  const s = String(text ?? '').trim().toLowerCase();
  if (s === 'high') return 'high';
  const d = Number(s);
  return s !== '' && Number.isFinite(d) && d > 0 ? d : null;
}

/** The smallest α at which a code over a d-dimensional input can be differentiable: 1 + 2/d. */
export const threshold = (d) => (d === 'high' ? 1 : 1 + 2 / d);

/**
 * The smoothness verdict for α over a d-dimensional input, worded exactly as the core's
 * `smoothness_verdict` (src/smoothness.rs), so the main file and a sweep read the same.
 */
export function verdict(alpha, d) {
  const t = threshold(d);
  const bound = d === 'high' ? '1 (d high)' : `1 + 2/d = ${t.toFixed(3)} (d = ${d})`;
  if (alpha === null || alpha === undefined) {
    return { alpha: null, d, threshold: t, margin: null, may_be_smooth: null, text: `no valid α, so no verdict (the bound is ${bound})` };
  }
  const ok = alpha > t;
  return {
    alpha, d, threshold: t, margin: alpha - t, may_be_smooth: ok,
    text: ok
      ? `α = ${alpha.toFixed(3)} > ${bound}: the code may be differentiable (a necessary condition, not a sufficient one)`
      : `α = ${alpha.toFixed(3)} ≤ ${bound}: the code cannot be differentiable over this input`,
  };
}

/** A small seeded generator (mulberry32) for page-side permutations. */
export function rng(seed) {
  let a = (Number(seed) >>> 0) || 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded random permutation of 0 … n − 1 (Fisher–Yates). */
export function permutation(n, seed) {
  const next = rng(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Roughness of one curve (METHODS): Σ (y_{i+1} − y_i)² / (N − 1) / (2 var y). */
export function curveRoughness(values) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, y) => a + (y - mean) ** 2, 0) / (n - 1);
  let steps = 0;
  for (let i = 1; i < n; i++) steps += (values[i] - values[i - 1]) ** 2;
  return steps / (n - 1) / (2 * variance);
}

/** A non-negative integer from an input, or `fallback`. */
export function intOf(id, fallback, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) {
  const v = Math.round(Number($(id).value));
  return Number.isFinite(v) && $(id).value !== '' ? Math.min(max, Math.max(min, v)) : fallback;
}
