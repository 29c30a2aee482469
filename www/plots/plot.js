// Every figure is drawn through `plot(options)` (Observable Plot's Plot.plot with its accessibility
// fixed in one place), and `showData(container, svg)` puts the figure's data, as tables, in a
// "Show data" disclosure after the figure's container, on the page and in the elements alike.
//
// Text alternative. The <svg> gets role="img" and an aria-label that is the figure's summary: the
// call site's ariaLabel (what is drawn) and ariaDescription (α, range, counts), joined. Plot
// itself writes aria-label="dot", "line", "rule", "y-axis tick label"… on every mark's <g>; a <g>
// has no ARIA role, so ARIA prohibits a label on it (axe-core: aria-prohibited-attr) and a screen
// reader would read "dot, line, rule" as noise. Those groups are marked aria-hidden="true": inside
// an image the children are presentational anyway, the summary is the alternative, and the data
// the groups draw is available as a real <table> on request. The attribute itself is kept (tests
// and exported SVGs name groups by it); hidden, it is neither announced nor an ARIA error.
import * as Plot from '@observablehq/plot';

/** Plot.plot(options) with a text alternative and valid mark groups; returns what Plot returns. */
export function plot(options) {
  const node = Plot.plot(options);
  // With a legend Plot returns a <figure> holding the legend and the plot's <svg> (the last one).
  const svgs = node.tagName?.toLowerCase() === 'svg' ? [node] : [...node.querySelectorAll('svg')];
  const svg = svgs.at(-1);
  if (!svg) return node;
  const summary = [options.ariaLabel, options.ariaDescription].filter(Boolean).join(': ');
  svg.setAttribute('role', 'img');
  if (summary) svg.setAttribute('aria-label', summary);
  svg.removeAttribute('aria-description'); // folded into the label: read once, not twice
  for (const g of node.querySelectorAll('g[aria-label]')) g.setAttribute('aria-hidden', 'true');
  node.figureData = () => figureTables(options);
  return node;
}

// Channels worth a column: positions, then the encodings that carry values.
const COLUMNS = ['x', 'x1', 'x2', 'y', 'y1', 'y2', 'fill', 'stroke', 'r', 'text'];

/** One value of channel `value` for datum `d` (index `i`): Plot's field name, accessor, array or
 *  {transform} forms; `cache` holds a transform's result. */
function valueOf(value, d, i, data, cache) {
  if (typeof value === 'string') return d?.[value];
  if (typeof value === 'function') return value(d, i, data);
  if (value && typeof value.transform === 'function') {
    if (!cache.has(value)) cache.set(value, Array.from(value.transform(data)));
    return cache.get(value)[i];
  }
  if (value && typeof value.length === 'number') return value[i];
  return undefined;
}

/** A column heading: the scale's axis label (arrows dropped) or the field's name. */
function heading(name, channel, options) {
  const label = channel.scale && options[channel.scale]?.label;
  if (typeof label === 'string' && label.trim()) {
    const text = label.replace(/[↑↓←→]/g, '').trim();
    return name === channel.scale || name === 'fill' || name === 'stroke' ? text : `${text} (${name})`;
  }
  return typeof channel.value === 'string' ? channel.value : name;
}

const cell = (v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(6))
  : v instanceof Date ? v.toISOString() : v === null || v === undefined ? '' : String(v));

/**
 * The data each mark of `options` draws, as tables: [{caption, columns, rows}] (rows of strings).
 * Marks without per-datum position channels (a label pinned to a corner) are left out: their text
 * is in the summary.
 */
export function figureTables(options) {
  const marks = [options.marks ?? []].flat(Infinity).filter((m) => m && typeof m === 'object' && m.channels);
  const tables = [];
  for (const [k, mark] of marks.entries()) {
    const data = mark.data;
    if (!data || typeof data.length !== 'number' || data.length === 0) continue;
    const channels = COLUMNS.filter((c) => mark.channels[c] && mark.channels[c].value !== undefined);
    if (!channels.some((c) => /^[xy]/.test(c))) continue;
    const cache = new Map();
    const at = (c, d, i) => cell(valueOf(mark.channels[c].value, d, i, data, cache));
    const rows = Array.from(data, (d, i) => channels.map((c) => at(c, d, i)));
    const caption = (mark.className || mark.ariaLabel || `series ${k + 1}`).replace(/-/g, ' ');
    tables.push({ caption, columns: channels.map((c) => heading(c, mark.channels[c], options)), rows });
  }
  return tables;
}

const disclosures = new WeakMap();

/**
 * Puts a "Show data" disclosure (a <details>, class figure-data) right after `container` (or
 * after `after`), once,
 * and points it at `svg` (a figure from `plot`): opening it builds the tables of the figure's
 * data; a redrawn figure replaces them.
 */
export function showData(container, svg, { after = container } = {}) {
  const doc = container.ownerDocument;
  let details = disclosures.get(container);
  if (!details) {
    details = doc.createElement('details');
    details.className = 'figure-data';
    details.setAttribute('part', 'data');
    const summary = doc.createElement('summary');
    summary.textContent = 'Show data';
    details.append(summary);
    details.addEventListener('toggle', () => details.open && fill(details));
    after.after(details); // right after the figure, or after `after` (its export toolbar, say)
    disclosures.set(container, details);
  }
  details.figure = svg;
  details.replaceChildren(details.firstElementChild);
  details.hidden = !svg?.figureData;
  if (details.open) fill(details);
}

function fill(details) {
  if (details.children.length > 1 || !details.figure?.figureData) return;
  const doc = details.ownerDocument;
  const make = (tag, text) => Object.assign(doc.createElement(tag), text === undefined ? {} : { textContent: text });
  for (const t of details.figure.figureData()) {
    const table = make('table');
    table.className = 'figure-table';
    table.append(make('caption', `${t.caption} (${t.rows.length} ${t.rows.length === 1 ? 'row' : 'rows'})`));
    const head = make('tr');
    for (const c of t.columns) head.append(Object.assign(make('th', c), { scope: 'col' }));
    table.append(make('thead'), make('tbody'));
    table.tHead.append(head);
    table.tBodies[0].append(...t.rows.map((r) => {
      const tr = make('tr');
      tr.append(...r.map((v) => make('td', v)));
      return tr;
    }));
    const wrap = make('div');
    wrap.className = 'figure-table-wrap';
    wrap.tabIndex = 0; // a wide table scrolls: the keyboard must reach it
    wrap.append(table);
    details.append(wrap);
  }
}
