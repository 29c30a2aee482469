// Which array of a file to analyse. A file of several arrays (.npz, .safetensors) lists every
// array it holds, each marked with whether it can be analysed and, when not, why (the core's
// `analysable` and `why`); the only analysable array is picked by itself (and the note says so);
// with several the user chooses. Names and reasons come from the user's file: they are set as
// text, never as markup.
import { run } from '../engine.js';

const fmtBytes = (b) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(0)} kB`);

/** The one-line description of an array: "h1 — f32 [540, 256] · 540 × 256 · 553 kB". */
export function describe(a) {
  const shape = a.shape?.length ? ` [${a.shape.join(', ')}]` : '';
  const size = a.rows && a.cols ? ` · ${a.rows.toLocaleString('en')} × ${a.cols.toLocaleString('en')}` : '';
  const bytes = Number.isFinite(a.data_bytes) ? ` · ${fmtBytes(a.data_bytes)}` : '';
  return `${a.name} — ${a.dtype}${shape}${size}${bytes}`;
}

const analysable = (a) => a.analysable !== false;

let uid = 0;

/**
 * Lists the arrays of `file` and resolves with the key to analyse: null for a file of one array,
 * the only analysable one by itself, else the one the user picks in `box`. `note` (optional)
 * says what was picked by itself. Rejects when nothing in the file can be analysed, and with
 * 'replaced' when another call takes the same box.
 */
export async function chooseArray({ box, note, file }) {
  const mine = ++uid;
  box.dataset.owner = String(mine);
  box.hidden = true;
  if (note) note.hidden = true;
  const arrays = await run({ type: 'list', file });
  const ok = arrays.filter(analysable);
  const why = (a) => `${a.name}: ${a.why || 'cannot be analysed'}`;
  if (!ok.length) {
    throw new Error(arrays.length
      ? `none of its ${arrays.length} arrays can be analysed (${arrays.map(why).join('; ')})`
      : 'it holds no arrays');
  }
  if (arrays.length === 1) return null;
  if (ok.length === 1) {
    if (note) {
      note.textContent = `${file.name}: analysing ${ok[0].name}, the only one of its ${arrays.length} arrays that can be analysed ` +
        `(${arrays.filter((a) => !analysable(a)).map(why).join('; ')}).`;
      note.hidden = false;
    }
    return ok[0].name;
  }
  return pick(box, file, arrays, mine);
}

/** The chooser: a radio list of every array (those that cannot be analysed disabled, with why). */
function pick(box, file, arrays, mine) {
  const group = `array-${mine}`;
  const fieldset = document.createElement('fieldset');
  const legend = document.createElement('legend');
  legend.textContent = `${file.name} holds ${arrays.length} arrays; choose one:`;
  fieldset.append(legend);
  const first = arrays.findIndex(analysable);
  arrays.forEach((a, i) => {
    const label = document.createElement('label');
    label.className = analysable(a) ? 'array' : 'array not-analysable';
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = group;
    input.value = String(i);
    input.disabled = !analysable(a);
    input.checked = i === first;
    const text = document.createElement('span');
    text.className = 'array-name';
    text.textContent = describe(a);
    label.append(input, ' ', text);
    if (!analysable(a)) {
      const reason = document.createElement('span');
      reason.className = 'why';
      reason.textContent = ` — cannot be analysed: ${a.why || 'unknown reason'}`;
      label.append(reason);
    }
    fieldset.append(label);
  });
  const go = document.createElement('button');
  go.type = 'button';
  go.className = 'chooser-go';
  go.textContent = 'Analyse';
  box.replaceChildren(fieldset, go);
  box.hidden = false;
  fieldset.querySelector('input:checked')?.focus();
  return new Promise((resolve, reject) => {
    const watch = new MutationObserver(() => {
      if (box.dataset.owner !== String(mine)) { watch.disconnect(); reject(new Error('replaced')); }
    });
    watch.observe(box, { attributes: true, attributeFilter: ['data-owner'] });
    go.addEventListener('click', () => {
      const chosen = fieldset.querySelector('input:checked');
      if (!chosen) return;
      watch.disconnect();
      box.hidden = true;
      resolve(arrays[Number(chosen.value)].name);
    });
  });
}
