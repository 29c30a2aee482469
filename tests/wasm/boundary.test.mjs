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
const open = (path, key, read) => new wasm.OpenedFile(diskFile(path), key, read);

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
  const report = analyzePath(wasm, LAYER, { fit: FIT });
  const cases = [
    ['OpenedFile: read.header', () => open(LAYER, undefined, { header: 'maybe' }), /read options/, /'header'/, /maybe/],
    ['OpenedFile: read.skip_positions', () => open(LAYER, undefined, { skip_positions: -1 }), /'skip_positions'/],
    ['OpenedFile: read unknown', () => open(LAYER, undefined, { transpos: true }), /unknown option 'transpos'/],
    ['analyze: standardize', () => f.analyze({ standardize: 'yes' }), /'standardize'/],
    ['analyze: remove_top ≥ D', () => f.analyze({ remove_top: 256 }), /remove_top = 256 would remove every eigenvalue/],
    ['alignment: k', () => f.alignment({ k: 'twenty' }), /alignment options/, /'k'/],
    ['bootstrap: block', () => f.bootstrap({ block: 'seq' }), /bootstrap options/, /'block'/],
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
    ['reportFromParts: fit', () => wasm.reportFromParts([], { fit: { ...FIT, hi: null } }), /merge options/, /'fit\.hi'/],
    ['reportFromParts: dtype', () => wasm.reportFromParts([], { dtype: 16 }), /merge options/, /'dtype'/],
    ['refit: estimator', () => wasm.refit(report, { ...FIT, estimator: 1 }), /'estimator'/],
    ['refit: no fit', () => wasm.refit(report, undefined), /fit settings/],
    ['refit: not a report', () => wasm.refit({ eigenvalues: [3, 2, 1] }, FIT), /invalid report/],
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
  const merged = wasm.reportFromParts(parts, { fit: FIT, dtype: info.dtype });
  const whole = analyzePath(wasm, LAYER, { fit: FIT });
  assert.equal(merged.n_rows, 540);
  const worst = Math.max(...merged.eigenvalues.map((v, i) => Math.abs(v - whole.eigenvalues[i])));
  assert.ok(worst <= 1e-10 * whole.eigenvalues[0], `max |Δλ| ${worst}`);
  assert.ok(Math.abs(merged.alpha_fit.alpha - whole.alpha_fit.alpha) <= 1e-9);
  refuses('no parts', () => wasm.reportFromParts([], { fit: FIT }), /too few rows/);
  refuses('a malformed part', () => wasm.reportFromParts([new Float64Array([0, 3, 1])], { fit: FIT }),
    /malformed share of partial moments/);
  // The same shares read as bf16 would need their rounding noise: refused, not merged without it.
  refuses('a share without its rounding noise', () => wasm.reportFromParts(parts, { fit: FIT, dtype: 'bf16' }),
    /0 values after the moments of D = 256 for stored type bf16/);
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

test('refit redoes the whole report from the eigenvalues: the OLS report equals one analysed with OLS', () => {
  const ols = { ...FIT, estimator: 'ols' };
  const refitted = wasm.refit(analyzePath(wasm, LAYER, { fit: FIT }), ols);
  const direct = analyzePath(wasm, LAYER, { fit: ols });
  assert.deepEqual(refitted.alpha_fit, direct.alpha_fit);
  assert.deepEqual(refitted.fit_diagnostics, direct.fit_diagnostics);
  assert.deepEqual(refitted.warnings, direct.warnings);
  assert.equal(refitted.alpha_fit.estimator, 'ols');
});

test('read options reach the reader: a units × samples file transposed is NumPy\'s X', () => {
  const expected = JSON.parse(readFileSync(data('writers/expected.json'), 'utf8')).matrices.x.eigenvalues;
  const f = open(data('writers/neurons_by_time.npy'), undefined, { transpose: true });
  const info = f.info();
  assert.deepEqual([info.rows, info.cols], [128, 16]);
  const r = f.analyze({ fit: FIT });
  const worst = Math.max(...expected.map((w, i) => Math.abs(r.eigenvalues[i] - w)));
  assert.ok(worst <= 1e-9 * expected[0], `max |Δλ| ${worst}`);
  f.free();
  const csv = open(data('writers/pandas_default.csv'), undefined, { index_col: 'none' });
  assert.equal(csv.info().cols, 17);
  csv.free();
});
