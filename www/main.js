// Page logic: hand files to the worker, show progress, draw the result, refit on demand;
// exports of every figure and result, and the settings (never the data) in the URL hash.
import { spectrumPlot, cumulativePlot, figureSize } from './plots.js';
import { run, cancel, stats } from './engine.js';
import { readHash, writeHash } from './hash.js';
import { toolbar, figureExports, reportExports, embedCode, copyText, stem } from './export.js';
import { mountSections } from './sections/index.js';
import { attachRangeDrag } from './sections/fitdrag.js';

const $ = (id) => document.getElementById(id);
const PRESETS = { stringer: [11, 500], 'alpha-req': [4, 100] };
const DEMO = { alpha: 2, rows: 2048, cols: 512, seed: 1 };

let current = null; // the report on screen
let currentFile = null; // {name, key, file} of the file on screen; null for the demo
let band = null; // {lo, hi}: a bootstrap interval on α, drawn on the spectrum
let sections = null; // the analyses below the spectrum (www/sections/)

function fitRequest() {
  return { estimator: $('estimator').value, lo: Number($('lo').value), hi: Number($('hi').value) };
}

/** The rows to analyse, [from, to) 0-based, or null for all. */
function rowRange() {
  const from = $('row-from').value, to = $('row-to').value;
  if (from === '' && to === '') return null;
  return [from === '' ? 0 : Number(from), to === '' ? Number.MAX_SAFE_INTEGER : Number(to)];
}

const fmtBytes = (b) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(0)} kB`);

function showProgress(file) {
  const started = performance.now();
  $('progress').hidden = false;
  $('progress-bar').value = 0;
  $('progress-text').textContent = `Reading ${file.name}…`;
  return ({ done, total, rows }) => {
    const seconds = (performance.now() - started) / 1000;
    $('progress-bar').value = total ? done / total : 0;
    $('progress-text').textContent =
      `${fmtBytes(done)} of ${fmtBytes(total)} · ${Math.round(rows / Math.max(seconds, 1e-3)).toLocaleString('en')} rows/s`;
  };
}

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = false;
}

/** For files that hold several arrays (.npz, .safetensors): list them and let the user choose. */
async function chooseArray(file) {
  const arrays = await run({ type: 'list', file });
  if (arrays.length <= 1) return null;
  const chooser = $('chooser');
  const select = $('chooser-select');
  select.innerHTML = arrays.map((a, i) =>
    `<option value="${i}">${a.name} — ${a.dtype} [${a.shape.join(', ')}] · ${a.rows.toLocaleString('en')} × ${a.cols.toLocaleString('en')} · ${fmtBytes(a.data_bytes)}</option>`).join('');
  chooser.hidden = false;
  select.focus();
  return new Promise((resolve) => {
    $('chooser-go').onclick = () => { chooser.hidden = true; resolve(arrays[Number(select.value)].name); };
  });
}

async function analyze(file) {
  $('error').hidden = true;
  $('chooser').hidden = true;
  let key;
  try {
    key = await chooseArray(file);
  } catch (e) {
    return showError(`Could not analyse ${file.name}: ${e.message}`);
  }
  const onProgress = showProgress(file);
  try {
    const options = { fit: fitRequest(), drop_nonfinite: $('drop-nonfinite').checked, rows: rowRange() };
    const report = await run({ type: 'analyze', file, key, options }, onProgress);
    currentFile = { name: file.name, key, file };
    show(report);
  } catch (e) {
    showError(e.message === 'cancelled' ? `Cancelled reading ${file.name}.` : `Could not analyse ${file.name}: ${e.message}`);
  } finally {
    $('progress').hidden = true;
  }
}

/** The two figures, as wide as their column allows (phones) up to 460 px. */
function drawPlots() {
  if (!current) return;
  const svg = spectrumPlot(current, figureSize($('spectrum-plot').clientWidth), { band });
  $('spectrum-plot').replaceChildren(svg);
  attachRangeDrag(svg, setRange);
  $('cumulative-plot').replaceChildren(cumulativePlot(current, figureSize($('cumulative-plot').clientWidth)));
}

/** Where the custom elements live: dist/eigenlens.js next to this page (www/ in development). */
const elementsUrl = () => new URL(import.meta.env?.DEV ? 'www/eigenlens.js' : 'eigenlens.js', document.baseURI).href;

/** The markup that shows this file with these settings in a blog post (the file sits next to the post). */
function embedMarkup() {
  const fit = fitRequest();
  const rows = rowRange();
  return embedCode(elementsUrl(), 'eigenlens-spectrum', {
    src: currentFile?.name ?? 'YOUR_LAYER.npy', key: currentFile?.key,
    rows: rows ? `${rows[0]}:${rows[1] === Number.MAX_SAFE_INTEGER ? '' : rows[1]}` : null,
    'drop-nonfinite': $('drop-nonfinite').checked,
    estimator: fit.estimator, lo: fit.lo, hi: fit.hi,
  });
}

const exportName = () => stem(currentFile?.name ?? 'eigenlens-demo');

function addExports() {
  const svgOf = (id) => () => $(id).querySelector('svg');
  $('spectrum-plot').after(toolbar(figureExports(svgOf('spectrum-plot'), () => `${exportName()}.spectrum`, 'spectrum'), { label: 'Export the spectrum' }));
  $('cumulative-plot').after(toolbar(figureExports(svgOf('cumulative-plot'), () => `${exportName()}.cumulative`, 'cumulative variance'), { label: 'Export the cumulative variance' }));
  $('result-exports').append(toolbar([
    ...reportExports(() => current, exportName),
    { name: 'embed', label: 'Copy embed code', aria: 'Copy the HTML that embeds this spectrum in a web page with these settings', action: async () => {
      const code = embedMarkup();
      const box = $('embed-code');
      box.value = code;
      box.hidden = false;
      const copied = await copyText(code);
      if (!copied) { box.focus(); box.select(); }
      return copied ? 'Embed code copied; put the file next to your post.' : 'Select the code below and copy it.';
    } },
  ], { label: 'Export the results' }));
}

// ---- settings in the URL hash ----

const setIf = (id, value) => { const el = $(id); if (el && value !== undefined) el.value = value; };

/** Restores the controls from the hash (settings it does not name keep their values). */
function applyHash() {
  const s = readHash();
  if (s.estimator && [...$('estimator').options].some((o) => o.value === s.estimator)) $('estimator').value = s.estimator;
  if (s.preset && PRESETS[s.preset]) {
    $('preset').value = s.preset;
    [$('lo').value, $('hi').value] = PRESETS[s.preset];
  }
  if (s.lo !== undefined) $('lo').value = s.lo;
  if (s.hi !== undefined) $('hi').value = s.hi;
  if (s.lo !== undefined || s.hi !== undefined) {
    const match = Object.entries(PRESETS).find(([, [lo, hi]]) => String(lo) === $('lo').value && String(hi) === $('hi').value);
    $('preset').value = s.preset === 'custom' || !match ? 'custom' : match[0];
  }
  if (s.drop_nonfinite !== undefined) $('drop-nonfinite').checked = /^(1|true|yes)$/i.test(s.drop_nonfinite);
  const rows = /^(\d*):(\d*)$/.exec(s.rows ?? '');
  if (rows) [$('row-from').value, $('row-to').value] = [rows[1], rows[2]];
  setIf('d', s.d); // the inputs of analyses that have them; otherwise d and seed just stay in the hash
  setIf('seed', s.seed);
}

/** Writes the controls' settings into the hash (d and seed from their inputs if the page has them). */
function saveHash() {
  const from = $('row-from').value, to = $('row-to').value;
  writeHash({
    estimator: $('estimator').value, preset: $('preset').value, lo: $('lo').value, hi: $('hi').value,
    drop_nonfinite: $('drop-nonfinite').checked ? 1 : null,
    rows: from === '' && to === '' ? null : `${from}:${to}`,
    ...($('d') ? { d: $('d').value } : {}), ...($('seed') ? { seed: $('seed').value } : {}),
  });
}

function row(label, value, title = '') {
  return `<tr title="${title}"><th scope="row">${label}</th><td>${value}</td></tr>`;
}

function show(report) {
  current = report;
  const src = report.source;
  $('result').hidden = false;
  $('result-name').textContent = src ? `${src.name} — ${src.dtype} [${src.shape.join(', ')}]` : 'result';
  const fit = report.alpha_fit;
  $('alpha-value').textContent = fit.valid ? fit.alpha.toFixed(4) : 'none';
  $('alpha-detail').textContent = fit.valid
    ? `(${fit.estimator} fit over n = ${fit.rank_lo}…${fit.rank_hi}, ${fit.n_points} points, R² = ${fit.r2?.toFixed(4)})`
    : `(${fit.estimator}, n = ${fit.rank_lo}…${fit.rank_hi}: ${fit.reason})`;
  drawPlots();
  $('spectrum-plot').setAttribute('aria-label', `eigenspectrum on log-log axes; ` + (fit.valid
    ? `α = ${fit.alpha.toFixed(3)}, ${fit.estimator} fit over ranks ${fit.rank_lo} to ${fit.rank_hi}` : `no valid fit: ${fit.reason}`));
  $('cumulative-plot').setAttribute('aria-label', `cumulative fraction of variance against rank; ${report.k90} components reach 90 %`);
  if (!$('embed-code').hidden) $('embed-code').value = embedMarkup();
  const r = report;
  $('summary').tBodies[0].innerHTML = [
    row('N × D', `${r.n_rows.toLocaleString('en')} × ${r.n_cols.toLocaleString('en')}`),
    src?.flattened ? row('flattened', src.flattened) : '',
    r.n_dropped_rows ? row('rows dropped (NaN/Inf)', r.n_dropped_rows) : '',
    row('total variance', r.total_variance.toPrecision(6), 'trace of the covariance'),
    row('numerical rank', r.numerical_rank, '#{λ > λ₁·max(N,D)·ε}'),
    row('constant units', r.n_constant_columns),
    row('participation ratio', r.participation_ratio.toFixed(3), '(Σλ)² / Σλ²'),
    row('effective rank', r.effective_rank.toFixed(3), 'Roy & Vetterli, on √λ'),
    row('k₉₀', r.k90, 'fewest components reaching 90 % of the variance'),
  ].join('');
  $('warnings').innerHTML = r.warnings.map((w) => `<li>${w}</li>`).join('');
  $('result').dataset.state = 'done';
  sections?.emit('report', { report, file: currentFile });
}

/** A fit range chosen by dragging on the spectrum: into the inputs and the link, then refit. */
function setRange(lo, hi) {
  $('lo').value = lo;
  $('hi').value = hi;
  $('preset').value = 'custom';
  saveHash();
  refit();
}

async function refit() {
  if (!current) return;
  const fit = await run({
    type: 'refit', eigenvalues: current.eigenvalues, nRows: current.n_rows, rank: current.numerical_rank, fit: fitRequest(),
  });
  show({ ...current, alpha_fit: fit });
}

function wire() {
  $('file').addEventListener('change', (e) => e.target.files[0] && analyze(e.target.files[0]));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files[0]) analyze(e.dataTransfer.files[0]);
  });
  drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); $('file').click(); } });
  $('cancel').addEventListener('click', cancel);
  $('preset').addEventListener('change', () => {
    const range = PRESETS[$('preset').value];
    if (range) [$('lo').value, $('hi').value] = range;
    refit();
  });
  for (const id of ['lo', 'hi']) $(id).addEventListener('change', () => { $('preset').value = 'custom'; refit(); });
  $('estimator').addEventListener('change', refit);
  for (const id of ['estimator', 'preset', 'lo', 'hi', 'drop-nonfinite', 'row-from', 'row-to', 'd', 'seed']) $(id)?.addEventListener('change', saveHash);
  addEventListener('hashchange', () => { applyHash(); refit(); });
  let width = innerWidth;
  addEventListener('resize', () => { if (Math.abs(innerWidth - width) > 8) { width = innerWidth; drawPlots(); sections?.redraw(); } });
}

applyHash();
addExports();
sections = mountSections({
  fitRequest,
  main: () => ({ report: current, file: currentFile }),
  onBand: (b) => { band = b; drawPlots(); },
});
wire();
window.eigenlensStats = stats; // read by the large-file browser test
run({ type: 'demo', ...DEMO, options: { fit: fitRequest() } })
  .then((report) => { if (!current) show(report); })
  .catch((e) => showError(`The demo failed: ${e.message}`));
