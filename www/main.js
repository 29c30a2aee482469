// The page: the drop zone, the settings in the URL hash, and the wiring between the custom
// elements (./eigenlens.js, the same ones a blog embeds) and the analyses below them
// (./sections/). Everything about a spectrum (its α text, fit controls, refits, bootstrap,
// exports, embed code) lives in <eigenlens-spectrum>.
import { stats } from './engine.js';
import './eigenlens.js';
import { readHash, writeHash } from './hash.js';
import { chooseArray } from './sections/chooser.js';
import { mountSections } from './sections/index.js';
import { $, showError } from './sections/util.js';

const spectrum = $('spectrum');

/** The rows setting "from:to" from the two inputs, or null for all rows. */
function rowsSetting() {
  const from = $('row-from').value.trim();
  const to = $('row-to').value.trim();
  return from === '' && to === '' ? null : `${from}:${to}`;
}

/** The drop zone's controls for how the file is read, as the element's attributes and the hash's keys. */
const READ_CONTROLS = [
  { id: 'read-header', attr: 'header', hash: 'header', off: 'auto' },
  { id: 'read-index-col', attr: 'index-col', hash: 'index_col', off: '' },
  { id: 'read-transpose', attr: 'transpose', hash: 'transpose', flag: true },
  { id: 'read-skip', attr: 'skip-positions', hash: 'skip_positions', off: '' },
  { id: 'pre-standardize', attr: 'standardize', hash: 'standardize', flag: true },
  { id: 'pre-remove-top', attr: 'remove-top', hash: 'remove_top', off: '' },
  { id: 'pre-centre-positions', attr: 'centre-positions', hash: 'centre_positions', flag: true },
  { id: 'top-k', attr: 'top', hash: 'top', off: '' },
];
const ON = /^(1|true|yes)$/i;

/** A control's setting: true/false for a checkbox, else its text ('' or the default: not set). */
const controlValue = (c) => (c.flag ? $(c.id).checked : $(c.id).value.trim());
const isSet = (c, v) => (c.flag ? v : v !== '' && v !== c.off);

/** Reading options from the drop zone's controls onto the element (it re-reads the file). */
function applyReadOptions() {
  const rows = rowsSetting();
  if (rows) spectrum.setAttribute('rows', rows);
  else spectrum.removeAttribute('rows');
  spectrum.toggleAttribute('drop-nonfinite', $('drop-nonfinite').checked);
  for (const c of READ_CONTROLS) {
    const v = controlValue(c);
    if (!isSet(c, v)) spectrum.removeAttribute(c.attr);
    else spectrum.setAttribute(c.attr, c.flag ? '' : v);
  }
}

let opening = 0;
/**
 * Dropped or chosen files: the array (chooser when the first file holds several), then into the
 * element. Several files are shares of one layer's moments, merged by the core (which names any
 * file that is not a moments file).
 */
async function openFiles(files) {
  const mine = ++opening;
  const file = files[0];
  showError('error', null);
  let key;
  try {
    key = await chooseArray({ box: $('chooser'), note: $('chooser-note'), file });
  } catch (e) {
    if (mine === opening) showError('error', `Could not analyse ${file.name}: ${e.message}`);
    return;
  }
  if (mine !== opening) return; // another file was dropped meanwhile
  spectrum.removeAttribute('label');
  spectrum.removeAttribute('src');
  if (key) spectrum.setAttribute('key', key);
  else spectrum.removeAttribute('key');
  applyReadOptions();
  if (files.length > 1) spectrum.files = files;
  else spectrum.file = file;
}

// ---- settings in the URL hash ----

/** Restores the settings the hash names (the element checks them and says what is wrong). */
function applyHash() {
  const s = readHash();
  const set = (name, value) => (value === undefined ? null : spectrum.setAttribute(name, value));
  set('estimator', s.estimator);
  if (s.preset && s.preset !== 'custom') {
    spectrum.removeAttribute('lo');
    spectrum.removeAttribute('hi');
    set('preset', s.preset);
  } else if (s.preset === 'custom' || s.lo !== undefined || s.hi !== undefined) {
    spectrum.removeAttribute('preset');
  }
  set('lo', s.lo);
  set('hi', s.hi);
  if (s.drop_nonfinite !== undefined) $('drop-nonfinite').checked = /^(1|true|yes)$/i.test(s.drop_nonfinite);
  const rows = /^(\d*):(\d*)$/.exec(s.rows ?? '');
  if (rows) [$('row-from').value, $('row-to').value] = [rows[1], rows[2]];
  let reading = false;
  for (const c of READ_CONTROLS) {
    if (s[c.hash] === undefined) continue;
    reading = true;
    if (c.flag) $(c.id).checked = ON.test(s[c.hash]);
    else $(c.id).value = s[c.hash];
  }
  if (s.drop_nonfinite !== undefined || rows || reading) applyReadOptions();
  for (const id of ['d', 'seed']) {
    if (s[id] !== undefined && $(id).value !== s[id]) {
      $(id).value = s[id];
      $(id).dispatchEvent(new Event('change'));
    }
  }
}

/** Writes the settings on screen into the hash (never the data). */
async function saveHash() {
  let fit;
  try {
    fit = await spectrum.fit();
  } catch {
    return; // a setting the element refuses (it says why) is not written into the link
  }
  const reading = Object.fromEntries(READ_CONTROLS.map((c) => {
    const v = controlValue(c);
    return [c.hash, !isSet(c, v) ? null : c.flag ? 1 : v];
  }));
  writeHash({
    estimator: fit.estimator, preset: fit.preset, lo: fit.lo, hi: fit.hi,
    drop_nonfinite: $('drop-nonfinite').checked ? 1 : null, rows: rowsSetting(), d: $('d').value, seed: $('seed').value,
    ...reading,
  });
}

function wire() {
  $('file').addEventListener('change', (e) => {
    if (e.target.files.length) openFiles([...e.target.files]);
    e.target.value = ''; // choosing the same file again opens it again
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files.length) openFiles([...e.dataTransfer.files]);
  });
  drop.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); $('file').click(); }
  });
  // Rows and NaN handling apply as soon as they change (a number field commits on Enter, Tab,
  // blur or its arrows), not only when a file is chosen again.
  for (const id of ['row-from', 'row-to', 'drop-nonfinite', ...READ_CONTROLS.map((c) => c.id)]) {
    $(id).addEventListener('change', applyReadOptions);
  }
  // The element's own proposal (a file too wide for the full analysis) sets top: the control follows.
  new MutationObserver(() => { $('top-k').value = spectrum.getAttribute('top') ?? ''; })
    .observe(spectrum, { attributes: true, attributeFilter: ['top'] });
  new MutationObserver(saveHash).observe(spectrum, {
    attributes: true,
    attributeFilter: ['estimator', 'preset', 'lo', 'hi', 'rows', 'drop-nonfinite', ...READ_CONTROLS.map((c) => c.attr)],
  });
  for (const id of ['d', 'seed']) $(id).addEventListener('change', saveHash);
  addEventListener('hashchange', applyHash);
}

applyHash();
mountSections({ spectrum });
wire();
window.eigenlensStats = stats; // read by the large-file browser test
