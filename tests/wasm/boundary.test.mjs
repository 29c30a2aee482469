// The wasm boundary as the worker calls it: every entry point refuses malformed options with
// an error that names the option (never a silent default), an unknown option is named too,
// and the worker's split path (plan → parts → merge) gives the same report as one reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWasm, diskFile, analyzePath, ROOT } from './wasm.mjs';

const data = (rel) => join(ROOT, 'tests', 'data', rel);
const LAYER = data('digits_mlp/plain_h1_test.f32.npy'); // 540 × 256
const REP1 = data('digits_mlp/dropout_h2_test_mcdrop_rep1.f32.npy');
const REP2 = data('digits_mlp/dropout_h2_test_mcdrop_rep2.f32.npy');
const FIT = { estimator: 'stringer', lo: 11, hi: 500 };

const wasm = await loadWasm();
const open = (path, key) => new wasm.OpenedFile(diskFile(path), key);

/** Asserts that `call()` throws an error whose message matches every pattern. */
function refuses(what, call, ...patterns) {
  let error;
  try {
    call();
  } catch (e) {
    error = e;
  }
  assert.ok(error, `${what}: no error`);
  for (const p of patterns) assert.match(error.message, p, `${what}: ${error.message}`);
}

test('every entry point names the malformed option', () => {
  const f = open(LAYER);
  const b = open(REP2);
  const cases = [
    ['analyze: fit.lo', () => f.analyze({ fit: { ...FIT, lo: 'eleven' } }), /analysis options/, /'fit\.lo'/, /eleven/],
    ['analyze: estimator', () => f.analyze({ fit: { ...FIT, estimator: 'wls' } }), /'fit\.estimator'/, /wls/],
    ['analyze: fit incomplete', () => f.analyze({ fit: { lo: 11 } }), /'fit'/, /missing field `estimator`/],
    ['analyze: rows', () => f.analyze({ rows: [10] }), /'rows'/],
    ['analyze: drop_nonfinite', () => f.analyze({ drop_nonfinite: 'yes' }), /'drop_nonfinite'/],
    ['analyze: not an object', () => f.analyze(42), /analysis options/, /expected struct/],
    ['part: rows missing', () => f.part({ drop_nonfinite: false }), /part options/, /missing field `rows`/],
    ['part: rows', () => f.part({ rows: [0, -5] }), /'rows\[1\]'/],
    ['sweep: k', () => f.sweep({ k: 'five' }), /sweep options/, /'k'/],
    ['sweep: d', () => f.sweep({ d: 'medium' }), /'d'/],
    ['alignment: top', () => f.alignment({ top: -1 }), /alignment options/, /'top'/],
    ['bootstrap: b', () => f.bootstrap({ b: 'many' }), /bootstrap options/, /'b'/],
    ['bootstrap: level', () => f.bootstrap({ level: [0.9] }), /'level'/],
    ['cvpca: shuffles', () => f.cvpca(b, { shuffles: 1.5 }), /cvPCA options/, /'shuffles'/],
    ['reportFromParts: fit', () => wasm.reportFromParts([], { ...FIT, hi: null }), /fit settings/, /'hi'/],
    ['refit: estimator', () => wasm.refit(new Float64Array([3, 2, 1]), 10, 3, { ...FIT, estimator: 1 }), /'estimator'/],
    ['refit: no fit', () => wasm.refit(new Float64Array([3, 2, 1]), 10, 3, undefined), /fit settings/],
    ['rowShares: info', () => wasm.rowShares('x.npy', { rows: 10 }, null, 2), /array info/, /missing field/],
    ['rowShares: rows', () => wasm.rowShares('x.npy', f.info(), 'all', 2), /row range/],
    ['verdict: d', () => wasm.verdict({ alpha: 2, d: 'medium' }), /verdict request/, /'d'/],
    ['verdict: d ≤ 0', () => wasm.verdict({ alpha: 2, d: -1 }), /'d'/, /positive/],
    ['verdict: alpha', () => wasm.verdict({ alpha: 'two', d: 1 }), /'alpha'/],
    ['analyzeDemo: alpha', () => wasm.analyzeDemo({ alpha: 'two' }, {}), /demo code/, /'alpha'/],
    ['analyzeDemo: kind', () => wasm.analyzeDemo({ kind: 'sine' }, {}), /'kind'/, /sine/],
    ['analyzeDemo: options', () => wasm.analyzeDemo({}, { fit: 3 }), /analysis options/, /'fit'/],
    ['synthSweep: rows', () => wasm.synthSweep({ rows: '2000' }, {}), /synthetic code/, /'rows'/],
    ['synthSweep: cols range', () => wasm.synthSweep({ cols: 1 }, {}), /option 'cols'/, /2 ≤ D/],
    ['analyzeDemo: alpha range', () => wasm.analyzeDemo({ alpha: 0 }, {}), /option 'alpha'/],
    ['synthSweep: options', () => wasm.synthSweep({}, { periodic: 1 }), /sweep options/, /'periodic'/],
    ['trainToy: steps', () => wasm.trainToy({ steps: 'many' }, 0, undefined), /toy settings/, /'steps'/],
    ['toySettings: lr', () => wasm.toySettings({ lr: '1e-3' }, 5), /toy settings/, /'lr'/],
    ['toySettings: count', () => wasm.toySettings({}, 'ten'), /sparsity count/],
  ];
  for (const [what, call, ...patterns] of cases) refuses(what, call, ...patterns);
  f.free();
  b.free();
});

test('an unknown option is named, not ignored', () => {
  const f = open(LAYER);
  refuses('analyze', () => f.analyze({ drop_nonfinit: true }), /unknown option 'drop_nonfinit'/);
  refuses('analyze, nested', () => f.analyze({ fit: { ...FIT, n_lo: 4 } }), /unknown option 'fit\.n_lo'/);
  refuses('sweep, two', () => f.sweep({ K: 5, seeds: 2 }), /unknown options 'K', 'seeds'/);
  refuses('bootstrap', () => f.bootstrap({ resamples: 50 }), /unknown option 'resamples'/);
  refuses('demo', () => wasm.analyzeDemo({ alpha: 2, colums: 64 }, {}), /unknown option 'colums'/);
  refuses('toy', () => wasm.toySettings({ learning_rate: 0.1 }, 5), /unknown option 'learning_rate'/);
  f.free();
});

test('well-formed options reach the core, absent ones take the defaults', () => {
  const f = open(LAYER);
  const dflt = f.analyze(undefined);
  assert.equal(dflt.alpha_fit.estimator, 'stringer');
  assert.equal(dflt.alpha_fit.rank_lo, 11);
  const ols = f.analyze({ fit: { estimator: 'ols', lo: 4, hi: 100 }, rows: [0, 300] });
  assert.deepEqual([ols.alpha_fit.estimator, ols.alpha_fit.rank_lo, ols.alpha_fit.rank_hi, ols.n_rows], ['ols', 4, 100, 300]);
  assert.equal(f.alignment({ top: 7 }).units_per_axis.length, 7);
  f.free();
});

test('the split path (plan, parts, merge) equals one reader on the same file', () => {
  const f = open(LAYER);
  const info = f.info();
  assert.deepEqual([info.rows, info.cols], [540, 256]);
  // The core's plan: this file is too small to split; a large one splits, ignoring case.
  assert.deepEqual(wasm.rowShares('plain_h1_test.f32.npy', info, null, 4), [[0, 540]]);
  const big = { ...info, rows: 50000, cols: 2048 };
  assert.deepEqual(wasm.rowShares('LAYER.NPY', big, null, 4), [[0, 12500], [12500, 25000], [25000, 37500], [37500, 50000]]);
  assert.deepEqual(wasm.rowShares('layer.csv', big, null, 4), [[0, 50000]]);
  // Parts by hand (uneven, as a plan over another pool might cut), merged by the core.
  const parts = [[0, 100], [100, 102], [102, 540]].map((rows) => f.part({ rows }, () => true));
  const merged = wasm.reportFromParts(parts, FIT);
  const whole = analyzePath(wasm, LAYER, { fit: FIT });
  assert.equal(merged.n_rows, 540);
  const worst = Math.max(...merged.eigenvalues.map((v, i) => Math.abs(v - whole.eigenvalues[i])));
  assert.ok(worst <= 1e-10 * whole.eigenvalues[0], `max |Δλ| ${worst}`);
  assert.ok(Math.abs(merged.alpha_fit.alpha - whole.alpha_fit.alpha) <= 1e-9);
  refuses('no parts', () => wasm.reportFromParts([], FIT), /too few rows/);
  refuses('a malformed part', () => wasm.reportFromParts([new Float64Array([0, 3, 1])], FIT), /malformed share of partial moments/);
  f.free();
});

test('list, cvpca and the rules', () => {
  const npz = open(data('formats/digits_plain_h1_h2.npz'));
  const arrays = npz.list();
  assert.ok(arrays.length >= 2, 'an .npz lists every array');
  refuses('npz without a key', () => npz.info(), /choose one/);
  npz.free();
  const a = open(REP1);
  const b = open(REP2);
  const cv = a.cvpca(b, { fit: FIT });
  // tests/data/reference.json: cvpca_pairs['digits_mlp/dropout_h2_mcdrop'], NumPy.
  const want = JSON.parse(readFileSync(data('reference.json'), 'utf8')).cvpca_pairs['digits_mlp/dropout_h2_mcdrop'];
  want.cv_spectrum_top20.forEach((w, i) => assert.ok(Math.abs(cv.cv_spectrum[i] - w) <= 1e-8 * want.cv_spectrum_top20[0], `cv${i}`));
  a.free();
  b.free();

  const rules = wasm.rules();
  const stringer = rules.fit_presets.find((p) => p.name === 'stringer');
  assert.deepEqual([stringer.lo, stringer.hi], [11, 500]); // RangePreset::Stringer (METHODS.md)
  assert.ok(rules.fit_presets.every((p) => p.lo < p.hi && p.label.includes(`${p.lo} … ${p.hi}`)));
  assert.deepEqual(rules.estimators.map((e) => e.name), ['stringer', 'ols']);
  assert.deepEqual(rules.d_presets.map((p) => p.d), [1, 2, 'high']);
  // The core's verdict: α = 2.5 against 1 + 2/d, decided only by an interval of α.
  const v1 = wasm.verdict({ alpha: 2.5, d: 1 });
  assert.deepEqual([v1.threshold, v1.verdict], [3, 'undecided']);
  assert.equal(wasm.verdict({ alpha: 2.5, lo: 2.4, hi: 2.6, source: 'plain', d: 1 }).verdict, 'below_bound');
  assert.equal(wasm.verdict({ alpha: 2.5, lo: 2.4, hi: 2.6, source: 'cross_validated', d: 'high' }).verdict, 'above_bound');
  refuses('an unknown α source', () => wasm.verdict({ alpha: 2.5, lo: 2.4, hi: 2.6, source: 'bootstrap', d: 1 }), /source/);
});
