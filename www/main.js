// Page logic: hand files to the worker, show progress, draw the result, refit on demand.
import { spectrumPlot, cumulativePlot } from './plots.js';
import { run, cancel, stats } from './engine.js';

const $ = (id) => document.getElementById(id);
const PRESETS = { stringer: [11, 500], 'alpha-req': [4, 100] };
const DEMO = { alpha: 2, rows: 2048, cols: 512, seed: 1 };

let current = null; // the report on screen

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
    show(report);
  } catch (e) {
    showError(e.message === 'cancelled' ? `Cancelled reading ${file.name}.` : `Could not analyse ${file.name}: ${e.message}`);
  } finally {
    $('progress').hidden = true;
  }
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
  $('spectrum-plot').replaceChildren(spectrumPlot(report));
  $('cumulative-plot').replaceChildren(cumulativePlot(report));
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
}

wire();
window.eigenlensStats = stats; // read by the large-file browser test
run({ type: 'demo', ...DEMO, options: { fit: fitRequest() } })
  .then((report) => { if (!current) show(report); })
  .catch((e) => showError(`The demo failed: ${e.message}`));
