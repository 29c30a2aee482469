// The toy-model page: settings → runs trained in the workers (one sparsity per job, shared
// out over the pool) → figures and a table, updated as each run finishes.
import { run, cancel, trainToy } from '../engine.js';
import { dimsPlot, featuresPlot, alphaPlot, gramPlot } from './plots.js';

const $ = (id) => document.getElementById(id);
let runs = [];
let entropyBits = 8;

/** The page's settings as the core takes them; the sparsity grid comes from the core. */
async function settings() {
  const num = (id) => Number($(id).value);
  const partial = {
    n: num('toy-n'), m: num('toy-m'), importance_decay: num('toy-decay'), steps: num('toy-steps'),
    batch: num('toy-batch'), seed: num('toy-seed'), entropy_bits: num('toy-entropy'),
  };
  return run({ type: 'toySettings', settings: partial, count: num('toy-count') });
}

/** The same runs on the command line. */
function cliCommand(s) {
  return `eigenlens toy --n ${s.n} --m ${s.m} --decay ${s.importance_decay} --sparsities ${s.sparsities.length} `
    + `--steps ${s.steps} --batch ${s.batch} --seed ${s.seed} --entropy-bits ${s.entropy_bits} --json`;
}

const fmt = (v, digits = 4) => (v == null ? '–' : v.toFixed(digits));

function draw() {
  const done = runs.filter(Boolean);
  if (!done.length) return;
  $('toy-result').hidden = false;
  $('toy-dims-plot').replaceChildren(dimsPlot(done, entropyBits));
  $('toy-features-plot').replaceChildren(featuresPlot(done));
  $('toy-alpha-plot').replaceChildren(alphaPlot(done));
  const select = $('toy-gram-select');
  const chosen = select.value;
  select.innerHTML = done.map((r) => `<option value="${r.index}">${r.sparsity.toFixed(4)}</option>`).join('');
  select.value = done.some((r) => String(r.index) === chosen) ? chosen : String(done[done.length - 1].index);
  drawGram();
  $('toy-table').tBodies[0].innerHTML = done.map((r) => `<tr data-index="${r.index}">
    <td>${fmt(r.sparsity)}</td><td>${fmt(1 / (1 - r.sparsity), 2)}</td><td class="dims">${fmt(r.dims_per_feature)}</td>
    <td>${fmt(r.predicted_dims_per_feature)}</td><td>${r.final_loss.toExponential(3)}</td>
    <td class="alpha">${fmt(r.hidden_alpha)}</td><td>${fmt(r.hidden_participation_ratio, 3)}</td></tr>`).join('');
}

function drawGram() {
  const r = runs[Number($('toy-gram-select').value)];
  if (r) $('toy-gram-plot').replaceChildren(gramPlot(r));
}

async function train(event) {
  event.preventDefault();
  $('toy-error').hidden = true;
  let s;
  try {
    s = await settings();
  } catch (e) {
    $('toy-error').textContent = e.message;
    $('toy-error').hidden = false;
    return;
  }
  entropyBits = s.entropy_bits;
  $('toy-cli').textContent = cliCommand(s);
  runs = new Array(s.sparsities.length);
  const started = performance.now();
  const steps = new Map();
  $('toy-train').disabled = true;
  $('toy-cancel').disabled = false;
  $('toy-result').dataset.state = 'running';
  try {
    await trainToy(s, {
      onRun: (r) => { runs[r.index] = r; steps.delete(r.index); draw(); },
      onProgress: ({ index, step, loss }) => {
        steps.set(index, step);
        const finished = runs.filter(Boolean).length;
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
    $('toy-error').textContent = e.message === 'cancelled' ? 'Training cancelled.' : `Training failed: ${e.message}`;
    $('toy-error').hidden = false;
    $('toy-result').dataset.state = 'stopped';
  } finally {
    $('toy-train').disabled = false;
    $('toy-cancel').disabled = true;
  }
}

$('toy-controls').addEventListener('submit', train);
$('toy-cancel').addEventListener('click', cancel);
$('toy-gram-select').addEventListener('change', drawGram);
