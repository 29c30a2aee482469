// Layer comparison: several files analysed in turn (the fit settings above), α, PR and effective
// rank charted in load order; names editable inline, the charts relabel as you type.
import { run } from '../engine.js';
import { measurePlot } from './plots-compare.js';
import { $, draw, exportsFor, fixed } from './util.js';

const MEASURES = [
  { key: 'alpha', label: 'α', color: 'var(--fit)', value: (r) => (r.alpha_fit.valid ? r.alpha_fit.alpha : NaN) },
  { key: 'pr', label: 'participation ratio', color: 'var(--data)', value: (r) => r.participation_ratio },
  { key: 'erank', label: 'effective rank', color: 'var(--c3)', value: (r) => r.effective_rank },
];

export function mountCompare(page) {
  let entries = []; // {name, report | null, error}
  let queue = Promise.resolve();

  const chartBox = $('compare-plot');
  const panels = MEASURES.map((m) => {
    const div = document.createElement('div');
    div.id = `compare-${m.key}`;
    div.className = 'figure compare-panel';
    div.setAttribute('aria-label', `${m.label} per file`);
    div.setAttribute('role', 'img');
    const cell = document.createElement('div'); // the panel and its export buttons, one grid cell
    cell.append(div);
    chartBox.append(cell);
    return div;
  });

  const drawCharts = () => {
    const done = entries.filter((e) => e.report);
    MEASURES.forEach((m, i) => {
      const rows = done.map((e) => ({ name: e.name, value: m.value(e.report) }));
      const width = Math.max(260, Math.min(320, panels[i].clientWidth || 300));
      draw(panels[i], measurePlot(rows, m.label, { width, color: m.color }),
        `${m.label} per file in load order: ${rows.map((r) => `${r.name} ${fixed(r.value)}`).join(', ')}`);
      exportsFor(panels[i], `eigenlens-compare.${m.key}`, `${m.label} chart`);
    });
  };

  const renderTable = () => {
    $('compare-out').hidden = !entries.length;
    const body = $('compare-table').tBodies[0];
    body.replaceChildren(...entries.map((e, i) => {
      const tr = document.createElement('tr');
      const cell = (text) => { const td = document.createElement('td'); td.textContent = text; tr.append(td); return td; };
      cell(String(i + 1));
      const input = document.createElement('input');
      input.type = 'text';
      input.className = 'compare-name';
      input.value = e.name;
      input.setAttribute('aria-label', `name of file ${i + 1} (${e.file.name})`);
      input.addEventListener('input', () => { e.name = input.value || e.file.name; drawCharts(); });
      const td = document.createElement('td');
      td.append(input);
      tr.append(td);
      if (e.error) {
        const err = cell(e.error);
        err.colSpan = 4;
        err.className = 'error-cell';
      } else if (!e.report) {
        cell('analysing…').colSpan = 4;
      } else {
        const r = e.report;
        cell(r.alpha_fit.valid ? r.alpha_fit.alpha.toFixed(3) : 'none');
        cell(r.participation_ratio.toFixed(2));
        cell(r.effective_rank.toFixed(2));
        cell(`${r.n_rows.toLocaleString('en')} × ${r.n_cols}`);
      }
      return tr;
    }));
  };

  const add = (files) => {
    for (const file of files) {
      const entry = { file, name: file.name.replace(/\.(f16|f32|f64)?\.?(npy|npz|safetensors|csv|tsv|txt)$/i, '') || file.name, report: null, error: null };
      entries.push(entry);
      // One at a time, in load order: the pool's workers stay free for the rest of the page.
      queue = queue.then(async () => {
        $('compare-status').textContent = `analysing ${file.name}…`;
        try {
          entry.report = await run({ type: 'analyze', file, key: null, options: { fit: page.fitRequest(), drop_nonfinite: false, rows: null } });
        } catch (e) {
          entry.error = e.message;
        }
        if (!entries.includes(entry)) return;
        renderTable();
        drawCharts();
        const pending = entries.filter((x) => !x.report && !x.error).length;
        $('compare-status').textContent = pending ? `${pending} to go…` : `${entries.length} file${entries.length > 1 ? 's' : ''}`;
        $('compare').dataset.count = String(entries.filter((x) => x.report).length);
      });
    }
    renderTable();
  };

  $('compare-files').addEventListener('change', (e) => { add([...e.target.files]); e.target.value = ''; });
  $('compare-clear').addEventListener('click', () => {
    entries = [];
    renderTable();
    $('compare-status').textContent = '';
    $('compare').dataset.count = '0';
  });
  return { redraw: () => entries.length && drawCharts() };
}
