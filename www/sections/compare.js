// Layer comparison: several files analysed in turn with the fit settings of the spectrum above
// (a file of several arrays gets the same chooser as the drop zone), α, PR and effective rank
// charted in load order. A change of the fit settings refits every file (from its eigenvalues,
// without reading it again), and each α says which fit it is (the core's label). Names are
// editable inline; the charts relabel as you type.
import { run } from '../engine.js';
import { measurePlot } from '../plots/compare.js';
import { chooseArray } from './chooser.js';
import { $, draw, exportsFor, fixed, cell } from './util.js';

const MEASURES = [
  { key: 'alpha', label: 'α', color: 'var(--fit)', value: (r) => (r.alpha_fit.valid ? r.alpha_fit.alpha : NaN) },
  { key: 'pr', label: 'participation ratio', color: 'var(--data)', value: (r) => r.participation_ratio },
  { key: 'erank', label: 'effective rank', color: 'var(--c3)', value: (r) => r.effective_rank },
];

const shortName = (file, key) => (key ?? (file.name.replace(/\.(f16|f32|f64)?\.?(npy|npz|safetensors|csv|tsv|txt)$/i, '') || file.name));

export function mountCompare(page) {
  let entries = []; // {file, key, name, report | null, fit: JSON of the fit behind report.alpha_fit, error}
  let queue = Promise.resolve();
  let fitShown = '';

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
      const rows = done.map((e) => ({ name: e.name, value: m.value(e.report) }));
      const width = Math.max(260, Math.min(320, panels[i].clientWidth || 300));
      const label = m.key === 'alpha' && fitShown ? `α (${JSON.parse(fitShown).estimator})` : m.label;
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
        cell(tr, e.error, { colSpan: 4, className: 'error-cell' });
      } else if (!e.report) {
        cell(tr, 'analysing…', { colSpan: 4 });
      } else {
        const r = e.report;
        cell(tr, r.alpha_fit.label, { className: 'alpha-cell' });
        cell(tr, r.participation_ratio.toFixed(2));
        cell(tr, r.effective_rank.toFixed(2));
        cell(tr, `${r.n_rows.toLocaleString('en')} × ${r.n_cols}`);
      }
      return tr;
    }));
  };

  const status = () => {
    const pending = entries.filter((x) => !x.report && !x.error).length;
    const fit = fitShown ? JSON.parse(fitShown) : null;
    const how = fit ? ` · α: ${fit.estimator} fit, n = ${fit.lo}…${fit.hi} asked (the fit settings above)` : '';
    $('compare-status').textContent = pending ? `${pending} to go…` : entries.length ? `${entries.length} file${entries.length > 1 ? 's' : ''}${how}` : '';
    $('compare').dataset.count = String(entries.filter((x) => x.report).length);
    $('compare').dataset.fit = fitShown;
  };

  const show = () => { renderTable(); drawCharts(); status(); };

  /** Refits every file whose α was fitted with other settings than the spectrum's now. */
  const refitAll = async () => {
    const fit = await page.fitRequest();
    const json = JSON.stringify(fit);
    fitShown = json;
    const stale = entries.filter((e) => e.report && e.fit !== json);
    await Promise.all(stale.map(async (e) => {
      const r = e.report;
      try {
        const refitted = await run({ type: 'refit', report: r, fit });
        if (e.report === r && fitShown === json) [e.report, e.fit] = [refitted, json];
      } catch (err) {
        e.error = `could not refit: ${err.message}`;
      }
    }));
    if (fitShown === json && entries.length) show();
  };

  const analyse = async (entry) => {
    const fit = await page.fitRequest();
    try {
      entry.report = await run({ type: 'analyze', file: entry.file, key: entry.key, options: { fit, drop_nonfinite: false, rows: null } });
      entry.fit = JSON.stringify(fit);
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
          entries.push({ file, key: null, name: shortName(file, null), report: null, fit: '', error: `Could not analyse ${file.name}: ${e.message}` });
          show();
          return;
        }
        const entry = { file, key, name: shortName(file, key), report: null, fit: '', error: null };
        entries.push(entry);
        renderTable();
        await analyse(entry);
        if (!entries.includes(entry)) return;
        await refitAll(); // the fit may have changed while it was read
        show();
      });
    }
  };

  $('compare-files').addEventListener('change', (e) => { add([...e.target.files]); e.target.value = ''; });
  $('compare-clear').addEventListener('click', () => {
    entries = [];
    $('compare-chooser').dataset.owner = 'cleared'; // a chooser still open gives up
    $('compare-chooser').hidden = true;
    $('compare-note').hidden = true;
    renderTable();
    status();
  });
  page.spectrum.addEventListener('eigenlens-render', () => { if (entries.length) refitAll(); });
  return { redraw: () => entries.length && drawCharts() };
}
