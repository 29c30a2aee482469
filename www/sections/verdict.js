// The smoothness verdict: an interval of α beside 1 + 2/d for every code on the page (the
// spectrum shown, the sweep, the synthetic codes), d from the core's presets or typed. The
// verdict (above_bound, below_bound, undecided), its bound and its wording are the core's (a
// 'verdict' job per row, with the α the core chose for that code: cross-validated for a sweep
// with a repeat, and its interval); this module only lays them out.
import { run } from '../engine.js';
import { rules } from '../elements/base.js';
import { $, fixed, cell } from './util.js';

/** The d to send: 'high' or the number typed (the core says what is wrong with anything else). */
const dOf = (text) => {
  const s = String(text ?? '').trim().toLowerCase();
  return s === 'high' ? 'high' : s === '' ? NaN : Number(s);
};

/**
 * The α, interval and source a sweep report's verdict used (a synthetic code is analysed as a
 * sweep too), to ask the core again for the d chosen here.
 */
const chosen = (report) => {
  const v = report?.verdict;
  if (!v) return { fit: report?.alpha_fit, interval: null, source: 'plain' };
  return {
    fit: { valid: v.alpha !== null && v.alpha !== undefined, alpha: v.alpha },
    interval: v.interval ? { lo: v.interval[0], hi: v.interval[1] } : null,
    source: v.alpha_source ?? 'plain',
  };
};

const CLASSES = { above_bound: 'may-be-smooth', below_bound: 'not-smooth', undecided: 'undecided' };

export function mountVerdict(page) {
  const codes = { main: null, sweep: null, synth: [] };
  let generation = 0;

  /** The preset that matches #d, or custom. */
  const syncPreset = () => {
    const v = $('d').value.trim().toLowerCase();
    const select = $('d-preset');
    select.value = [...select.options].some((o) => o.value === v) ? v : 'custom';
  };

  const rows = () => [
    codes.main && { who: `spectrum above: ${codes.main.name}`, ...codes.main },
    codes.sweep && { who: `sweep: ${codes.sweep.name}`, ...codes.sweep },
    ...codes.synth.map((s) => ({ who: `synthetic: ${s.label}`, ...chosen(s.report) })),
  ].filter(Boolean);

  const message = (body, text) => {
    const tr = document.createElement('tr');
    cell(tr, text, { colSpan: 5 });
    body.replaceChildren(tr);
  };

  const render = async () => {
    const mine = ++generation;
    const d = dOf($('d').value);
    const body = $('verdict-table').tBodies[0];
    const list = rows();
    if (!list.length) return message(body, 'Load a file above or a sweep below.');
    let verdicts;
    try {
      verdicts = await Promise.all(list.map(({ fit, interval, source }) => run({
        type: 'verdict', alpha: fit?.valid ? fit.alpha : null, lo: interval?.lo ?? null, hi: interval?.hi ?? null, source: source ?? 'plain', d,
      })));
    } catch (e) {
      if (mine !== generation) return;
      $('d').setAttribute('aria-invalid', 'true');
      return message(body, e.message);
    }
    if (mine !== generation) return;
    $('d').setAttribute('aria-invalid', 'false');
    body.replaceChildren(...list.map(({ who }, i) => {
      const v = verdicts[i];
      const tr = document.createElement('tr');
      const kind = v.verdict ?? (v.may_be_smooth === true ? 'above_bound' : v.may_be_smooth === false ? 'below_bound' : null);
      tr.className = CLASSES[kind] ?? '';
      tr.dataset.verdict = kind ?? '';
      tr.dataset.source = v.alpha_source ?? '';
      const margin = v.margin ?? null;
      cell(tr, who);
      cell(tr, v.interval ? `${fixed(v.alpha)} [${fixed(v.interval[0])}, ${fixed(v.interval[1])}]` : fixed(v.alpha), { className: 'alpha-cell' });
      cell(tr, fixed(v.threshold));
      cell(tr, margin === null ? '–' : (margin >= 0 ? '+' : '') + margin.toFixed(3));
      cell(tr, v.text, { className: 'verdict-text' });
      return tr;
    }));
    $('verdict-table').dataset.rows = String(list.length);
    $('verdict-table').dataset.d = String(d); // the d these rows are for (tests wait on it)
  };

  const fill = async () => {
    const r = await rules();
    $('d-preset').replaceChildren(
      ...r.d_presets.map((p) => Object.assign(document.createElement('option'), { value: String(p.name), textContent: p.label })),
      Object.assign(document.createElement('option'), { value: 'custom', textContent: 'custom' }),
    );
    syncPreset();
  };
  fill().catch((e) => message($('verdict-table').tBodies[0], `Could not load the presets: ${e.message}`));

  $('d-preset').addEventListener('change', () => {
    if ($('d-preset').value === 'custom') return $('d').focus();
    $('d').value = $('d-preset').value;
    $('d').dispatchEvent(new Event('change')); // saved in the link, verdict redrawn
  });
  $('d').addEventListener('input', () => { syncPreset(); render(); });
  $('d').addEventListener('change', () => { syncPreset(); render(); page.emit('d', dOf($('d').value)); });
  page.spectrum.addEventListener('eigenlens-render', ({ detail: { report, interval } }) => {
    codes.main = { name: report.source?.name ?? 'spectrum', fit: report.alpha_fit, interval, source: 'plain' };
    render();
  });
  page.on('sweep', ({ report, name }) => {
    // The sweep's verdict uses the α the core chose (cross-validated when a repeat was given)
    // and its block-bootstrap interval: ask again with exactly those, for the d chosen here.
    codes.sweep = report && { name, ...chosen(report) };
    render();
  });
  page.on('synth', (list) => { codes.synth = list; render(); });
  render();
  return { d: () => dOf($('d').value) };
}
