// Small helpers shared by the page's sections (DOM only: every rule lives in the core).
import { toolbar, figureExports } from '../export.js';
import { showData } from '../plots/plot.js';

export const $ = (id) => document.getElementById(id);

/** A number with `digits` significant digits, or '–' for null/undefined/NaN. */
export const sig = (x, digits = 4) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : Number(x).toPrecision(digits));
export const fixed = (x, digits = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : Number(x).toFixed(digits));

/** Shows `message` in the error line `id` (or hides it for null). */
export function showError(id, message) {
  const el = $(id);
  el.textContent = message ?? '';
  el.hidden = !message;
}

/** Puts a freshly drawn figure into `container` and sets its accessible label. */
export function draw(container, svg, label) {
  container.replaceChildren(svg);
  showData(container, svg);
  if (label) container.setAttribute('aria-label', label);
}

/** Adds SVG/PNG export buttons after a figure container, once. `name()` gives the file stem. */
export function exportsFor(container, name, what) {
  if (container.dataset.exports) return;
  container.dataset.exports = '1';
  container.after(toolbar(figureExports(() => container.querySelector('svg'), name, what), { label: `Export the ${what}` }));
}

/**
 * Runs `task` with the button disabled and showing `text`. Overlapping calls on one button are
 * counted: it comes back to its own label when the last of them ends, never to another's
 * "busy" text.
 */
export async function busy(button, text, task) {
  button.dataset.idle ??= button.textContent;
  button.dataset.jobs = String(Number(button.dataset.jobs ?? 0) + 1);
  button.disabled = true;
  button.textContent = text;
  try {
    return await task();
  } finally {
    const left = Number(button.dataset.jobs) - 1;
    button.dataset.jobs = String(left);
    if (!left) {
      button.disabled = false;
      button.textContent = button.dataset.idle;
    }
  }
}

/** A non-negative integer from an input, or `fallback`. */
export function intOf(id, fallback, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) {
  const v = Math.round(Number($(id).value));
  return Number.isFinite(v) && $(id).value !== '' ? Math.min(max, Math.max(min, v)) : fallback;
}

/** A table cell with `text` (text, never markup). */
export function cell(tr, text, { tag = 'td', className = '', colSpan = 1 } = {}) {
  const td = document.createElement(tag);
  td.textContent = text;
  if (className) td.className = className;
  if (colSpan > 1) td.colSpan = colSpan;
  if (tag === 'th') td.scope = 'row';
  tr.append(td);
  return td;
}
