// The toy-model page: settings (from a preset of the core, then edited) → runs trained in the
// workers (one sparsity per job, shared out over the pool) → figures, a table and exports,
// updated as each run finishes.
import { run, cancel, trainToy } from '../engine.js';
import { dimsPlot, featuresPlot, alphaPlot, gramPlot, runsCsv, stickyOf } from './plots.js';
import { toolbar, figureExports, download, jsonBlob } from '../export.js';
import { showData } from '../plots/plot.js';

const $ = (id) => document.getElementById(id);
let report = null;
let entropyBits = 8;

/** The inputs a preset fills in, by the core's field names. */
const PRESET_FIELDS = { 'toy-n': 'n', 'toy-m': 'm', 'toy-decay': 'importance_decay', 'toy-steps': 'steps', 'toy-batch': 'batch' };

/** The page's settings as the core takes them; the sparsity grid comes from the core. */
async function settings() {
  const num = (id) => Number($(id).value);
  const partial = {
    n: num('toy-n'), m: num('toy-m'), importance_decay: num('toy-decay'), steps: num('toy-steps'),
    batch: num('toy-batch'), seed: num('toy-seed'), entropy_bits: num('toy-entropy'),
  };
  return run({ type: 'toySettings', settings: partial, count: num('toy-count') });
}

/** Fills the inputs from the core's preset (its settings, with the grid of 20 sparsities). */
async function applyPreset() {
  const preset = $('toy-preset').value;
  if (preset === 'custom') return;
  try {
    const s = await run({ type: 'toySettings', settings: { preset }, count: 20 });
    for (const [id, key] of Object.entries(PRESET_FIELDS)) $(id).value = String(s[key]);
    $('toy-count').value = String(s.sparsities.length);
    $('toy-preset-note').hidden = preset !== 'elhage-geometry';
    $('toy-controls').dataset.preset = preset;
  } catch (e) {
    showError(e.message);
  }
}

/** Editing a field the preset set makes the settings custom. */
function markCustom() {
  $('toy-preset').value = 'custom';
  $('toy-controls').dataset.preset = 'custom';
}

/** The same runs on the command line. */
function cliCommand(s) {
  const preset = $('toy-preset').value;
  return `eigenlens toy ${preset === 'elhage-geometry' ? '--preset elhage-geometry ' : ''}--n ${s.n} --m ${s.m} `
    + `--decay ${s.importance_decay} --sparsities ${s.sparsities.length} --steps ${s.steps} --batch ${s.batch} `
    + `--seed ${s.seed} --entropy-bits ${s.entropy_bits} --json`;
}

const fmt = (v, digits = 4) => (v == null ? '–' : v.toFixed(digits));
const escapeHtml = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

function draw() {
  const done = report.runs.filter(Boolean);
  if (!done.length) return;
  $('toy-result').hidden = false;
  // Each figure with its data as a table on request (the shared "Show data" helper).
  for (const [id, figure] of [['toy-dims-plot', dimsPlot(done, entropyBits)], ['toy-features-plot', featuresPlot(done)],
    ['toy-alpha-plot', alphaPlot(done)]]) {
    $(id).replaceChildren(figure);
    showData($(id), figure, { after: $(id).nextElementSibling }); // after the figure's export toolbar
  }
  const why = done.find((r) => r.hidden_alpha == null)?.hidden_alpha_reason;
  $('toy-alpha-note').textContent = why ? `No α where ${why}.` : '';
  const select = $('toy-gram-select');
  const chosen = select.value;
  select.innerHTML = done.map((r) => `<option value="${r.index}">${r.sparsity.toFixed(4)}</option>`).join('');
  select.value = done.some((r) => String(r.index) === chosen) ? chosen : String(done[done.length - 1].index);
  drawGram();
  $('toy-fraction-labels').textContent = stickyOf(done).map((f) => f.label).join(' · ');
  $('toy-table').tBodies[0].innerHTML = done.map((r) => `<tr data-index="${r.index}">
    <td>${fmt(r.sparsity)}</td><td>${fmt(1 / (1 - r.sparsity), 2)}</td><td class="dims">${fmt(r.dims_per_feature)}</td>
    <td>${fmt(r.predicted_dims_per_feature)}</td><td class="floor">${fmt(r.dims_per_feature_floor)}</td>
    <td>${r.final_loss.toExponential(3)}</td>
    <td class="alpha"${r.hidden_alpha_reason ? ` title="${escapeHtml(r.hidden_alpha_reason)}"` : ''}>${fmt(r.hidden_alpha)}</td>
    <td>${fmt(r.hidden_participation_ratio, 3)}</td>
    <td class="fractions">${(r.features_at_fractions ?? []).map((f) => f.count).join(' · ')} of ${r.features_stored}</td></tr>`).join('');
}

function drawGram() {
  const r = report?.runs[Number($('toy-gram-select').value)];
  if (r) {
    const figure = gramPlot(r);
    $('toy-gram-plot').replaceChildren(figure);
    showData($('toy-gram-plot'), figure, { after: $('toy-gram-plot').nextElementSibling });
  }
}

function showError(message) {
  $('toy-error').textContent = message;
  $('toy-error').hidden = false;
}

async function train(event) {
  event.preventDefault();
  $('toy-error').hidden = true;
  let s;
  try {
    s = await settings();
  } catch (e) {
    showError(e.message);
    return;
  }
  entropyBits = s.entropy_bits;
  $('toy-cli').textContent = cliCommand(s);
  report = { settings: s, runs: new Array(s.sparsities.length) };
  const started = performance.now();
  const steps = new Map();
  $('toy-train').disabled = true;
  $('toy-cancel').disabled = false;
  $('toy-result').dataset.state = 'running';
  try {
    await trainToy(s, {
      onRun: (r) => { report.runs[r.index] = r; steps.delete(r.index); draw(); },
      onProgress: ({ index, step, loss }) => {
        steps.set(index, step);
        const finished = report.runs.filter(Boolean).length;
        const current = [...steps].map(([i, st]) => `S = ${s.sparsities[i].toFixed(3)}: step ${st.toLocaleString('en')}`).join(', ');
        $('toy-progress').textContent = `${finished} of ${s.sparsities.length} sparsities trained · ${current} · loss ${loss.toExponential(2)}`;
      },
    });
    const seconds = (performance.now() - started) / 1000;
    $('toy-progress').textContent = `${s.sparsities.length} sparsities × ${s.steps.toLocaleString('en')} steps trained in ${seconds.toFixed(1)} s.`;
    $('toy-result').dataset.state = 'done';
    $('toy-result').dataset.seconds = seconds.toFixed(2);
  } catch (e) {
    $('toy-progress').textContent = '';
    showError(e.message === 'cancelled' ? 'Training cancelled.' : `Training failed: ${e.message}`);
    $('toy-result').dataset.state = 'stopped';
  } finally {
    $('toy-train').disabled = false;
    $('toy-cancel').disabled = true;
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * The figure in `container` as one <svg>: the plot itself, or, when Plot drew a colour legend
 * above it (a second <svg>), both stacked in one composite kept off screen inside the container
 * (so that CSS colours resolve and it has a size for the PNG), rebuilt at each export.
 */
function figureSvg(container) {
  container.querySelector(':scope > svg.export-composite')?.remove();
  const parts = [...container.querySelectorAll('svg')];
  if (parts.length < 2) return parts[0];
  const boxes = parts.map((svg) => svg.getBoundingClientRect());
  const width = Math.ceil(Math.max(...boxes.map((b) => b.width)));
  const height = Math.ceil(boxes.reduce((sum, b) => sum + b.height, 0));
  const out = document.createElementNS(SVG_NS, 'svg');
  out.setAttribute('class', 'export-composite');
  out.setAttribute('aria-hidden', 'true');
  Object.entries({ width, height, viewBox: `0 0 ${width} ${height}` }).forEach(([k, v]) => out.setAttribute(k, v));
  out.style.cssText = 'position: absolute; left: -100000px; top: 0;';
  let y = 0;
  parts.forEach((svg, i) => {
    const copy = svg.cloneNode(true);
    copy.setAttribute('x', '0');
    copy.setAttribute('y', String(y));
    copy.setAttribute('width', String(boxes[i].width));
    copy.setAttribute('height', String(boxes[i].height));
    copy.style.maxWidth = '';
    out.append(copy);
    y += boxes[i].height;
  });
  container.append(out);
  return out;
}

/** Export buttons: SVG and PNG under each figure, JSON and CSV of every run under the table. */
function addExports() {
  const stem = () => `toy-model-n${report?.settings.n ?? ''}-m${report?.settings.m ?? ''}`;
  const figures = [
    ['toy-dims-plot', 'dims-per-feature', 'dimensions-per-feature figure'],
    ['toy-features-plot', 'feature-dimensionality', 'feature-dimensionality figure'],
    ['toy-alpha-plot', 'hidden-code', 'hidden-code figure'],
    ['toy-gram-plot', 'gram', 'Gram-matrix figure'],
  ];
  for (const [id, suffix, what] of figures) {
    $(id).after(toolbar(figureExports(() => figureSvg($(id)), () => `${stem()}-${suffix}`, what), { label: `Export the ${what}` }));
  }
  const finished = () => ({ settings: report.settings, runs: report.runs.filter(Boolean) });
  $('toy-exports').replaceWith(toolbar([
    { name: 'json', label: 'JSON', aria: 'Download the settings and every run as JSON', action: () => download(jsonBlob(finished()), `${stem()}.json`) },
    { name: 'csv', label: 'CSV', aria: 'Download one row per sparsity as CSV', action: () => download(new Blob([runsCsv(finished())], { type: 'text/csv' }), `${stem()}.csv`) },
  ], { label: 'Export the results' }));
}

addExports();
$('toy-controls').addEventListener('submit', train);
$('toy-cancel').addEventListener('click', cancel);
$('toy-gram-select').addEventListener('change', drawGram);
$('toy-preset').addEventListener('change', applyPreset);
for (const id of Object.keys(PRESET_FIELDS)) $(id).addEventListener('input', markCustom);
$('toy-count').addEventListener('input', markCustom);
