// Layer comparison: several files analysed in turn (a file of several arrays gets the same
// chooser as the drop zone), then α of every file fitted over ONE common range of ranks, as
// `eigenlens compare` fits it (the core's `compare`: n_lo as asked, n_hi the smallest of the
// asked n_hi and every file's caps, so the same ranks are fitted in every file), with N/D per file
// (finite N biases α upward more where N/D is smaller) and the estimator named. α, PR and
// effective rank are charted in load order. A change of the fit settings above, or another file,
// recomputes the comparison from the eigenvalues (no file is read again). Names are editable
// inline; the charts relabel as you type. "Bootstrap α" resamples each file on its own with the
// fit over the common range (as `eigenlens compare --bootstrap B`); an interval is shown only
// for the range and fit it was run for. What it does not do: make N/D equal.
import { run } from '../engine.js';
import { measurePlot } from '../plots/compare.js';
import { chooseArray } from './chooser.js';
import { $, draw, exportsFor, fixed, cell, sig } from './util.js';

const MEASURES = [
  { key: 'alpha', label: 'α', color: 'var(--fit)', value: (e) => (e.common?.alpha_fit.valid ? e.common.alpha_fit.alpha : NaN) },
  { key: 'pr', label: 'participation ratio', color: 'var(--data)', value: (e) => e.report.participation_ratio },
  { key: 'erank', label: 'effective rank', color: 'var(--c3)', value: (e) => e.report.effective_rank },
];

const shortName = (file, key) => (key ?? (file.name.replace(/\.(f16|f32|f64)?\.?(npy|npz|safetensors|csv|tsv|txt)$/i, '') || file.name));

/** The name a file goes by in the comparison (as the CLI names FILE or FILE:KEY). */
const specOf = (e) => (e.key ? `${e.file.name}:${e.key}` : e.file.name);

/** The seed of the compare bootstrap: the CLI's default, so the page's intervals are its. */
const BOOT_SEED = 1;

export function mountCompare(page) {
  // {file, key, name, report | null (the file's analysis), common: its entry of the comparison, error}
  let entries = [];
  let queue = Promise.resolve();
  let fitShown = ''; // JSON of the fit request behind the comparison shown
  let comparison = null; // the core's Comparison of the files with a report
  let generation = 0;

  const chartBox = $('compare-plot');
  const panels = MEASURES.map((m) => {
    const div = document.createElement('div');
    div.id = `compare-${m.key}`;
    div.className = 'figure compare-panel';
    div.setAttribute('aria-label', `${m.label} per file`);
    div.setAttribute('role', 'img');
    const box = document.createElement('div'); // the panel and its export buttons, one grid cell
    box.append(div);
    chartBox.append(box);
    return div;
  });

  const drawCharts = () => {
    const done = entries.filter((e) => e.report);
    MEASURES.forEach((m, i) => {
      const rows = done.map((e) => ({ name: e.name, value: m.value(e) }));
      const width = Math.max(260, Math.min(320, panels[i].clientWidth || 300));
      const label = m.key === 'alpha' && comparison ? `α (${JSON.parse(fitShown).estimator})` : m.label;
      draw(panels[i], measurePlot(rows, label, { width, color: m.color }),
        `${label} per file in load order: ${rows.map((r) => `${r.name} ${fixed(r.value)}`).join(', ')}`);
      exportsFor(panels[i], `eigenlens-compare.${m.key}`, `${m.label} chart`);
    });
  };

  const renderTable = () => {
    $('compare-out').hidden = !entries.length;
    const body = $('compare-table').tBodies[0];
    body.replaceChildren(...entries.map((e, i) => {
      const tr = document.createElement('tr');
      cell(tr, String(i + 1));
      const input = document.createElement('input');
      input.type = 'text';
      input.className = 'compare-name';
      input.value = e.name;
      input.setAttribute('aria-label', `name of file ${i + 1} (${e.file.name}${e.key ? `: ${e.key}` : ''})`);
      input.addEventListener('input', () => { e.name = input.value || shortName(e.file, e.key); drawCharts(); });
      const td = document.createElement('td');
      td.append(input);
      tr.append(td);
      if (e.error) {
        cell(tr, e.error, { colSpan: 5, className: 'error-cell' });
      } else if (!e.report || !e.common) {
        cell(tr, 'analysing…', { colSpan: 5 });
      } else {
        const r = e.report;
        cell(tr, e.common.alpha_fit.label, { className: 'alpha-cell' }).dataset.alpha = String(e.common.alpha_fit.alpha ?? '');
        const boot = e.boot?.for === bootKey() ? e.boot : null;
        const iv = boot?.result?.alpha_interval;
        const td = cell(tr, !boot ? '–' : boot.message ?? (iv
          ? `[${iv.lo.toFixed(3)}, ${iv.hi.toFixed(3)}] (${Math.round(iv.level * 100)} %, blocks of ${iv.block})`
          : 'no interval: no resample gave a valid α'), { className: 'interval-cell' });
        if (iv) Object.assign(td.dataset, { lo: String(iv.lo), hi: String(iv.hi) });
        cell(tr, r.participation_ratio.toFixed(2));
        cell(tr, r.effective_rank.toFixed(2));
        cell(tr, `${r.n_rows.toLocaleString('en')} × ${r.n_cols} (N/D ${sig(e.common.n_over_d, 3)})`, { className: 'size-cell' });
      }
      return tr;
    }));
  };

  const status = () => {
    const pending = entries.filter((x) => !x.report && !x.error).length;
    const fit = fitShown ? JSON.parse(fitShown) : null;
    const c = comparison;
    const range = !c ? '' : c.reason ? `: no common range (${c.reason})`
      : ` over one common range n = ${c.rank_lo}…${c.rank_hi} in every file${c.limited_by ? ` (n_hi limited by ${c.limited_by})` : ''}`;
    const how = fit && c ? ` · α: ${fit.estimator} fit${range}; n = ${fit.lo}…${fit.hi} asked (the fit settings above)` : '';
    $('compare-status').textContent = pending ? `${pending} to go…` : entries.length ? `${entries.length} file${entries.length > 1 ? 's' : ''}${how}` : '';
    $('compare-warnings').replaceChildren(...(c?.warnings ?? []).map((w) => Object.assign(document.createElement('li'), { textContent: w })));
    $('compare').dataset.count = String(entries.filter((x) => x.report && x.common).length);
    $('compare').dataset.fit = fitShown;
    $('compare').dataset.range = c && !c.reason ? `${c.rank_lo}…${c.rank_hi}` : '';
  };

  const show = () => { renderTable(); drawCharts(); status(); };

  /** What a bootstrap interval belongs to: the fit and the common range shown. */
  function bootKey() {
    return comparison && !comparison.reason ? `${fitShown}|${comparison.rank_lo}…${comparison.rank_hi}` : null;
  }

  /** Resamples every compared file on its own, with the fit over the common range. */
  const bootstrapAll = async () => {
    const key = bootKey();
    if (!key) return;
    const b = Math.min(2000, Math.max(2, Math.round(Number($('compare-boot-b').value)) || 50));
    $('compare-boot-b').value = String(b);
    const fit = { ...JSON.parse(fitShown), lo: comparison.rank_lo, hi: comparison.rank_hi };
    const done = entries.filter((e) => e.report && e.common);
    done.forEach((e) => { e.boot = { for: key, result: null, message: 'resampling…' }; });
    renderTable();
    $('compare').dataset.boot = 'running';
    for (const e of done) { // one file at a time: each holds its rows in memory
      const boot = e.boot;
      try {
        boot.result = await run({ type: 'bootstrap', file: e.file, key: e.key, options: { b, seed: BOOT_SEED, fit, level: 0.95 } });
        boot.message = null;
      } catch (err) {
        boot.message = `the bootstrap failed: ${err.message}`;
      }
      if (e.boot === boot) renderTable();
    }
    $('compare').dataset.boot = 'done';
  };

  /**
   * The core's comparison of every analysed file over one common range, for the fit settings
   * above; the last call wins (an older answer is dropped).
   */
  const recompare = async () => {
    const mine = ++generation;
    const fit = await page.fitRequest();
    const done = entries.filter((e) => e.report);
    let c = null;
    if (done.length) {
      try {
        c = await run({
          type: 'compare',
          reports: done.map((e) => ({ name: specOf(e), n_rows: e.report.n_rows, n_cols: e.report.n_cols,
            numerical_rank: e.report.numerical_rank, eigenvalues: e.report.eigenvalues })),
          fit,
        });
      } catch (err) {
        if (mine !== generation) return;
        done.forEach((e) => { e.error = `could not compare: ${err.message}`; });
      }
    }
    if (mine !== generation) return;
    comparison = c;
    fitShown = JSON.stringify(fit);
    done.forEach((e, i) => { e.common = c?.layers[i] ?? null; });
    show();
  };

  const analyse = async (entry) => {
    const fit = await page.fitRequest();
    try {
      entry.report = await run({ type: 'analyze', file: entry.file, key: entry.key, options: { fit, drop_nonfinite: false, rows: null } });
    } catch (e) {
      entry.error = e.message;
    }
  };

  const add = (files) => {
    for (const file of files) {
      // One at a time, in load order: the pool's workers stay free for the rest of the page.
      queue = queue.then(async () => {
        $('compare-status').textContent = `reading ${file.name}…`;
        let key;
        try {
          key = await chooseArray({ box: $('compare-chooser'), note: $('compare-note'), file });
        } catch (e) {
          if (e.message === 'replaced') return;
          entries.push({ file, key: null, name: shortName(file, null), report: null, common: null, error: `Could not analyse ${file.name}: ${e.message}` });
          show();
          return;
        }
        const entry = { file, key, name: shortName(file, key), report: null, common: null, error: null };
        entries.push(entry);
        renderTable();
        await analyse(entry);
        if (!entries.includes(entry)) return;
        await recompare(); // every file over the common range, which this one may narrow
      });
    }
  };

  $('compare-files').addEventListener('change', (e) => { add([...e.target.files]); e.target.value = ''; });
  $('compare-boot-go').addEventListener('click', () => { bootstrapAll(); });
  $('compare-clear').addEventListener('click', () => {
    entries = [];
    comparison = null;
    generation++;
    $('compare-chooser').dataset.owner = 'cleared'; // a chooser still open gives up
    $('compare-chooser').hidden = true;
    $('compare-note').hidden = true;
    renderTable();
    status();
  });
  page.spectrum.addEventListener('eigenlens-render', () => { if (entries.length) recompare(); });
  return { redraw: () => entries.length && drawCharts() };
}
