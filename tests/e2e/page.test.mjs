// The page end to end in headless Chromium: demo on first open, a real .npy through the
// worker with α equal to NumPy's, refitting, bad input with the core's exact messages, and
// no request beyond the page's own static files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openPage, data, tempFile, npyBytes, f32 } from './browser.mjs';
import { cliJson } from './cli.mjs';

const reference = JSON.parse(readFileSync(data('reference.json'), 'utf8'));
let ctx;

before(async () => { ctx = await openPage(); });
after(async () => { await ctx?.close(); });

async function load(path) {
  const { page } = ctx;
  const before = await page.locator('#result-name').textContent();
  await page.locator('#error').evaluate((e) => { e.hidden = true; e.textContent = ''; });
  await page.setInputFiles('#file', path);
  await page.waitForFunction(
    (prev) => document.querySelector('#result-name').textContent !== prev || !document.querySelector('#error').hidden,
    before, { timeout: 60_000 },
  );
}

test('the demo shows a real result on first open', async () => {
  const { page } = ctx;
  await page.waitForSelector('#result[data-state="done"]', { timeout: 60_000 });
  assert.match(await page.locator('#result-name').textContent(), /demo: Fourier code, α = 2/);
  const alpha = Number(await page.locator('#alpha-value').textContent());
  assert.ok(Math.abs(alpha - 2) < 0.05, `demo α ${alpha}`);
  assert.equal(await page.locator('#spectrum-plot svg').count(), 1);
  assert.match(await page.locator('#privacy').textContent(), /nothing is uploaded/);
});

test('a real layer: α equals NumPy to 4 decimals, then refits without re-reading', async () => {
  const { page } = ctx;
  await load(data('digits_mlp/plain_h1_test.f32.npy'));
  const m = reference.matrices['digits_mlp/plain_h1_test'];
  assert.match(await page.locator('#result-name').textContent(), /plain_h1_test\.f32\.npy/);
  assert.equal(await page.locator('#alpha-value').textContent(), m.alpha_fit_stringer.alpha.toFixed(4));
  assert.match(await page.locator('.alpha-label').textContent(), /α = 2\.394 \(stringer, n = 11…128\)/);
  assert.match(await page.locator('#summary').textContent(), /participation ratio7\.113/);

  await page.selectOption('#estimator', 'ols');
  await page.waitForFunction((want) => document.querySelector('#alpha-value').textContent === want,
    m.alpha_fit_ols.alpha.toFixed(4));
  await page.selectOption('#estimator', 'stringer');
  await page.selectOption('#preset', 'alpha-req');
  await page.waitForFunction(() => /n = 4…100/.test(document.querySelector('#alpha-detail').textContent));
});

const BAD = [
  ['empty.npy', new Uint8Array(), 'the file is empty (0 bytes)'],
  ['magic.npy', new TextEncoder().encode('PK\x03\x04 not an npy'), 'not a valid npy file: its first bytes are not the npy magic string'],
  ['truncated.npy', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (100, 4), }", f32(new Array(150).fill(1))),
    'truncated data: the header promises 1600 bytes of data but the file holds 600 (37 complete rows)'],
  ['list.npy', npyBytes('[1, 2, 3]'), 'bad npy header: the header is not a dict'],
  ['complex.npy', npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (2, 2), }", new Uint8Array(32)),
    "unsupported dtype '<c8': eigenlens reads float (f16, bf16, f32, f64), integer and bool arrays"],
  ['object.npy', npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (2, 2), }"),
    "unsupported dtype '|O': eigenlens reads float (f16, bf16, f32, f64), integer and bool arrays"],
  ['vector.npy', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", f32([1, 2, 3, 4, 5])),
    'cannot read an array of shape [5] as rows × units: a 1-D array is a single vector; eigenlens needs a 2-D [N, D] matrix or a 3-D [S, T, H] tensor'],
  ['one_row.npy', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }", f32([1, 2, 3])),
    'too few rows: the matrix has N = 1 row(s); a covariance needs at least 2'],
  ['nan.npy', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", f32([1, 1, 1, 1, 1, 1, 1, 1, 1, NaN, 1, 1])),
    'non-finite value NaN at row 2, column 1 (0-based); fix the data or choose to drop rows with NaN/Inf'],
];

for (const [name, bytes, message] of BAD) {
  test(`bad input in the page: ${name}`, async () => {
    const { page } = ctx;
    await load(tempFile(name, bytes));
    assert.equal(await page.locator('#error').textContent(), `Could not analyse ${name}: ${message}`);
    // The page is still usable: the previous result stays, the worker answers the next file.
    assert.equal(await page.locator('#progress').isHidden(), true);
  });
}

test('a good file after bad ones still works', async () => {
  await ctx.page.selectOption('#preset', 'stringer'); // test 2 left the α-ReQ range selected
  await load(data('sweep/digit_rotation_plain_h2.f32.npy'));
  const m = reference.matrices['sweep/digit_rotation_plain_h2'];
  assert.equal(await ctx.page.locator('#alpha-value').textContent(), m.alpha_fit_stringer.alpha.toFixed(4));
});

test('a CSV file: α equals NumPy', async () => {
  await load(data('formats/digits_test_pixels.csv'));
  const m = reference.matrices['formats/digits_test_pixels.csv'];
  assert.equal(await ctx.page.locator('#alpha-value').textContent(), m.alpha_fit_stringer.alpha.toFixed(4));
});

test('an .npz with two arrays: the chooser lists them, the chosen one gives its reference α', async () => {
  const { page } = ctx;
  const before = await page.locator('#result-name').textContent();
  await page.setInputFiles('#file', data('formats/digits_plain_h1_h2_compressed.npz'));
  await page.waitForSelector('#chooser:not([hidden])');
  const options = await page.locator('#chooser-select option').allTextContents();
  assert.deepEqual(options.map((o) => o.split(' — ')[0]), ['h1', 'h2']);
  assert.match(options[1], /f32 \[540, 256\] · 540 × 256 · 553 kB/);
  await page.selectOption('#chooser-select', '1');
  await page.click('#chooser-go');
  await page.waitForFunction((prev) => document.querySelector('#result-name').textContent !== prev, before);
  assert.match(await page.locator('#result-name').textContent(), /^h2 — f32/);
  assert.equal(await page.locator('#alpha-value').textContent(),
    reference.matrices['digits_mlp/plain_h2_test'].alpha_fit_stringer.alpha.toFixed(4));
});

test('drop rows with NaN: the count dropped is reported', async () => {
  const { page } = ctx;
  await page.check('#drop-nonfinite');
  await load(tempFile('nan2.npy', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 2), }",
    f32([1, 2, NaN, 1, 3, 1, 0, 5]))));
  await page.uncheck('#drop-nonfinite');
  assert.match(await page.locator('#summary').textContent(), /rows dropped \(NaN\/Inf\)1/);
  assert.match(await page.locator('#summary').textContent(), /N × D3 × 2/);
});

test('cancel stops a long read at once and leaves the page usable', async () => {
  const { page } = ctx;
  const rows = 8000, cols = 1024;
  const values = new Float32Array(rows * cols).map((_, i) => Math.sin(i * 0.37) * ((i % cols) + 1) ** -0.7);
  const big = tempFile('big.npy', npyBytes(`{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`,
    new Uint8Array(values.buffer)));
  await page.setInputFiles('#file', big);
  await page.waitForSelector('#progress:not([hidden])');
  await page.click('#cancel');
  await page.waitForFunction(() => !document.querySelector('#error').hidden);
  assert.equal(await page.locator('#error').textContent(), 'Cancelled reading big.npy.');
  assert.equal(await page.locator('#progress').isHidden(), true);
  await load(data('digits_mlp/plain_h1_test.f32.npy'));
  assert.equal(await page.locator('#alpha-value').textContent(),
    reference.matrices['digits_mlp/plain_h1_test'].alpha_fit_stringer.alpha.toFixed(4));
});

test('a row range: the page analyses rows 100…299 and agrees with the CLI\'s --rows 100:300', async () => {
  const { page } = ctx;
  await page.fill('#row-from', '100');
  await page.fill('#row-to', '300');
  await load(data('formats/digits_test_pixels.csv'));
  await page.fill('#row-from', '');
  await page.fill('#row-to', '');
  const cli = cliJson('analyze', data('formats/digits_test_pixels.csv'), '--rows', '100:300');
  assert.match(await page.locator('#summary').textContent(), /N × D200 × 64/);
  assert.equal(await page.locator('#alpha-value').textContent(), cli.alpha_fit.alpha.toFixed(4));
});

test('no console errors, and no request beyond the page\'s own static files', async () => {
  assert.deepEqual(ctx.consoleErrors, []);
  const foreign = ctx.requests.filter((u) => !u.startsWith(ctx.origin + '/'));
  assert.deepEqual(foreign, []);
  assert.ok(ctx.requests.some((u) => u.endsWith('.wasm')), 'the wasm was loaded from the page origin');
});
