// The smoothness verdict: α beside 1 + 2/d for every code on the page (the main file, the
// sweep, the synthetic codes), d set by presets or a number. The wording is the core's.
import { $, parseD, verdict, fixed } from './util.js';

const PRESETS = ['1', '2', 'high'];

export function mountVerdict(page) {
  const codes = { main: null, sweep: null, synth: [] };

  /** The preset that matches #d, or custom. */
  const syncPreset = () => {
    const v = $('d').value.trim().toLowerCase();
    $('d-preset').value = PRESETS.includes(v) ? v : 'custom';
  };

  const rows = () => [
    codes.main && { who: `spectrum above: ${codes.main.name}`, fit: codes.main.fit },
    codes.sweep && { who: `sweep: ${codes.sweep.name}`, fit: codes.sweep.fit },
    ...codes.synth.map((s) => ({ who: `synthetic: ${s.label}`, fit: s.report.alpha_fit })),
  ].filter(Boolean);

  const render = () => {
    const d = parseD($('d').value);
    $('d').setAttribute('aria-invalid', d === null ? 'true' : 'false');
    const body = $('verdict-table').tBodies[0];
    if (d === null) {
      body.innerHTML = '<tr><td colspan="5">d must be a positive number or “high”.</td></tr>';
      return;
    }
    body.replaceChildren(...rows().map(({ who, fit }) => {
      const v = verdict(fit?.valid ? fit.alpha : null, d);
      const tr = document.createElement('tr');
      tr.className = v.may_be_smooth === null ? '' : v.may_be_smooth ? 'may-be-smooth' : 'not-smooth';
      for (const text of [who, fixed(v.alpha), v.threshold.toFixed(3), v.margin === null ? '–' : (v.margin >= 0 ? '+' : '') + v.margin.toFixed(3), v.text]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      tr.lastChild.className = 'verdict-text';
      return tr;
    }));
    if (!body.rows.length) body.innerHTML = '<tr><td colspan="5">Load a file above or a sweep below.</td></tr>';
  };

  $('d-preset').addEventListener('change', () => {
    if ($('d-preset').value === 'custom') return $('d').focus();
    $('d').value = $('d-preset').value;
    $('d').dispatchEvent(new Event('change')); // saved in the link, verdict redrawn
  });
  $('d').addEventListener('input', () => { syncPreset(); render(); });
  $('d').addEventListener('change', () => { syncPreset(); render(); });
  addEventListener('hashchange', () => { syncPreset(); render(); });
  page.on('report', ({ report, file }) => {
    codes.main = { name: file?.name ?? 'demo (synthetic Fourier code)', fit: report.alpha_fit };
    render();
  });
  page.on('sweep', ({ report, name }) => { codes.sweep = report && { name, fit: report.alpha_fit }; render(); });
  page.on('synth', (list) => { codes.synth = list; render(); });
  syncPreset();
  render();
  return { d: () => parseD($('d').value) ?? 1 };
}
