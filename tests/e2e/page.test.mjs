// The page end to end in headless Chromium: the demo (a real layer) on first open, a real .npy
// through the page's <eigenlens-spectrum> with α equal to NumPy's, refitting, bad input with the
// core's exact messages, settings that apply as soon as they change, keyboard focus, and no
// request beyond the page's own static files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openPage, data, tempFile, npyBytes, f32, shown, settledMain, openInPage, nextOutcome } from './browser.mjs';
import { cliJson } from './cli.mjs';

const reference = JSON.parse(readFileSync(data('reference.json'), 'utf8'));
const H1 = reference.matrices['digits_mlp/plain_h1_test'];
let ctx;

before(async () => { ctx = await openPage(); });
after(async () => { await ctx?.close(); });

/** Waits until the spectrum's detail line matches `re`. */
const detailMatches = (re) => ctx.page.waitForFunction((src) => new RegExp(src).test(
  document.querySelector('#spectrum').shadowRoot.querySelector('[part~="detail"]').textContent), re.source, { timeout: 30_000 });

test('the demo is a real layer, with NumPy\'s α, on first open', async () => {
  const { page } = ctx;
  await settledMain(page);
  const s = await shown(page);
  assert.equal(s.state, 'done');
  assert.match(s.title, /^demo: hidden layer 1 of a small MLP/);
  // The demo is tests/data/digits_mlp/plain_h1_test.f32.npy, served with the site.
  assert.equal(s.alpha, H1.alpha_fit_stringer.alpha.toFixed(4));
  assert.equal(await page.locator('#spectrum [part~="plot"] svg').count(), 1);
  assert.match(await page.locator('#privacy').textContent(), /nothing is uploaded/);
  assert.match(await page.locator('#summary').textContent(), /N × D540 × 256/);
});

test('a real layer: α equals NumPy to 4 decimals, then refits without re-reading', async () => {
  const { page } = ctx;
  assert.equal(await openInPage(page, data('digits_mlp/plain_h1_test.f32.npy')), 'render');
  const s = await shown(page);
  assert.equal(s.title, 'plain_h1_test.f32.npy');
  assert.equal(s.alpha, H1.alpha_fit_stringer.alpha.toFixed(4));
  // The core's one α text, on the figure and in the detail line.
  assert.match(s.label, /^α = 2\.394 \(stringer, n = 11…128\)$/);
  assert.match(s.detail, /^2\.394 \(stringer, n = 11…128\) · 118 points · R² = 0\.\d{4}$/);
  assert.match(await page.locator('#summary').textContent(), /participation ratio7\.113/);

  await page.locator('#spectrum select[name="estimator"]').selectOption('ols');
  await page.waitForFunction((want) => document.querySelector('#spectrum').shadowRoot.querySelector('[part~="alpha"]').textContent === want,
    H1.alpha_fit_ols.alpha.toFixed(4));
  await page.locator('#spectrum select[name="estimator"]').selectOption('stringer');
  // The range presets are the core's (METHODS: α-ReQ is n = 11 … 100).
  const presets = await page.locator('#spectrum select[name="preset"] option').allTextContents();
  assert.equal(presets.length, 3, presets.join(' | '));
  await page.locator('#spectrum select[name="preset"]').selectOption('alpha-req');
  await detailMatches(/n = 11…100/);
  assert.equal(await page.inputValue('#spectrum input[name="lo"]'), '11');
  await page.locator('#spectrum select[name="preset"]').selectOption('stringer');
  await detailMatches(/n = 11…128/);
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
  ['vector.npy', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", f32([1, 2, 3, 4, 5])), /a 1-D array is a single vector/],
  ['one_row.npy', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }", f32([1, 2, 3])),
    'too few rows: the matrix has N = 1 row(s); a covariance needs at least 2'],
  ['nan.npy', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", f32([1, 1, 1, 1, 1, 1, 1, 1, 1, NaN, 1, 1])),
    'non-finite value NaN at row 2, column 1 (0-based); fix the data or choose to drop rows with NaN/Inf'],
];

/** The error the page shows for the last file: the drop zone's line, or inside the element. */
const visibleError = async (page, outcome) => (outcome === 'page-error'
  ? page.locator('#error').textContent() : (await shown(page)).error);

for (const [name, bytes, message] of BAD) {
  test(`bad input in the page: ${name}`, async () => {
    const { page } = ctx;
    const outcome = await openInPage(page, tempFile(name, bytes));
    assert.ok(outcome === 'page-error' || outcome === 'error', outcome);
    const text = await visibleError(page, outcome);
    if (message instanceof RegExp) assert.match(text, message);
    else assert.equal(text, `Could not analyse ${name}: ${message}`);
    // The page is still usable: nothing is left running, the worker answers the next file.
    assert.equal((await shown(page)).busy, false);
  });
}

test('a good file after bad ones still works', async () => {
  assert.equal(await openInPage(ctx.page, data('sweep/digit_rotation_plain_h2.f32.npy')), 'render');
  const m = reference.matrices['sweep/digit_rotation_plain_h2'];
  assert.equal((await shown(ctx.page)).alpha, m.alpha_fit_stringer.alpha.toFixed(4));
});

test('a CSV file: α equals NumPy, and the title has no empty shape (issue 12 item 9)', async () => {
  assert.equal(await openInPage(ctx.page, data('formats/digits_test_pixels.csv')), 'render');
  const m = reference.matrices['formats/digits_test_pixels.csv'];
  const s = await shown(ctx.page);
  assert.equal(s.alpha, m.alpha_fit_stringer.alpha.toFixed(4));
  assert.equal(s.title, 'digits_test_pixels.csv');
  assert.doesNotMatch(`${s.title} ${s.caption}`, /\[\]|text \[/);
  assert.match(s.caption, /^540 × 64 · /);
});

test('an .npz with two arrays: the chooser lists them, the chosen one gives its reference α', async () => {
  const { page } = ctx;
  assert.equal(await openInPage(page, data('formats/digits_plain_h1_h2_compressed.npz')), 'chooser');
  const options = await page.locator('#chooser label.array').allTextContents();
  assert.deepEqual(options.map((o) => o.split(' — ')[0].trim()), ['h1', 'h2']);
  assert.match(options[1], /f32 \[540, 256\] · 540 × 256 · 553 kB/);
  const outcome = await nextOutcome(page);
  await page.locator('#chooser input[type="radio"]').nth(1).check();
  await page.click('#chooser .chooser-go');
  assert.equal(await outcome(), 'render');
  const s = await shown(page);
  assert.equal(s.title, 'digits_plain_h1_h2_compressed.npz › h2');
  assert.equal(s.alpha, reference.matrices['digits_mlp/plain_h2_test'].alpha_fit_stringer.alpha.toFixed(4));
  assert.equal(await page.locator('#chooser').isHidden(), true);
});

test('drop rows with NaN: ticking the box applies to the file shown, and the count dropped is reported', async () => {
  const { page } = ctx;
  const nan = tempFile('nan2.npy', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 2), }", f32([1, 2, NaN, 1, 3, 1, 0, 5])));
  assert.equal(await openInPage(page, nan), 'error');
  assert.match((await shown(page)).error, /non-finite value NaN at row 1, column 0/);
  const outcome = await nextOutcome(page);
  await page.check('#drop-nonfinite'); // no need to choose the file again (issue 12 item 14)
  assert.equal(await outcome(), 'render');
  assert.match(await page.locator('#summary').textContent(), /rows dropped \(NaN\/Inf\)1/);
  assert.match(await page.locator('#summary').textContent(), /N × D3 × 2/);
  await page.uncheck('#drop-nonfinite');
  await settledMain(page);
});

test('cancel stops a long read at once and leaves the page usable', async () => {
  const { page } = ctx;
  const rows = 8000;
  const cols = 1024;
  const values = new Float32Array(rows * cols).map((_, i) => Math.sin(i * 0.37) * ((i % cols) + 1) ** -0.7);
  const big = tempFile('big.npy', npyBytes(`{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`,
    new Uint8Array(values.buffer)));
  const outcome = await nextOutcome(page);
  await page.setInputFiles('#file', big);
  const cancel = page.locator('#spectrum button.cancel');
  await cancel.waitFor({ state: 'visible' });
  await cancel.click();
  assert.equal(await outcome(), 'error');
  assert.equal((await shown(page)).error, 'Cancelled reading big.npy.');
  assert.equal(await cancel.isHidden(), true);
  assert.equal(await openInPage(page, data('digits_mlp/plain_h1_test.f32.npy')), 'render');
  assert.equal((await shown(page)).alpha, H1.alpha_fit_stringer.alpha.toFixed(4));
});

test('rows from/to apply when they change, without choosing the file again; equal the CLI\'s --rows (issue 12 item 14)', async () => {
  const { page } = ctx;
  assert.equal(await openInPage(page, data('formats/digits_test_pixels.csv')), 'render');
  await page.fill('#row-from', '100');
  const outcome = await nextOutcome(page);
  await page.fill('#row-to', '300');
  await page.locator('#row-to').press('Tab'); // the field commits: change
  assert.equal(await outcome(), 'render');
  await settledMain(page);
  const cli = cliJson('analyze', data('formats/digits_test_pixels.csv'), '--rows', '100:300');
  assert.match(await page.locator('#summary').textContent(), /N × D200 × 64/);
  assert.equal((await shown(page)).alpha, cli.alpha_fit.alpha.toFixed(4));
  assert.match(await page.evaluate(() => location.hash), /rows=100%3A300|rows=100:300/);
  await page.fill('#row-from', '');
  await page.fill('#row-to', '');
  await page.locator('#row-to').dispatchEvent('change');
  await page.waitForFunction(() => !document.querySelector('#spectrum').hasAttribute('rows'));
  await settledMain(page);
});

test('typed n_lo and n_hi apply on change (Tab) and after a pause in typing, not only on Enter (issue 12 item 14)', async () => {
  const { page } = ctx;
  assert.equal(await openInPage(page, data('digits_mlp/plain_h1_test.f32.npy')), 'render');
  await page.locator('#spectrum input[name="lo"]').fill('5');
  await page.locator('#spectrum input[name="lo"]').press('Tab');
  await detailMatches(/n = 5…128/);
  await page.locator('#spectrum input[name="hi"]').fill('60'); // no Enter, no Tab: the pause applies it
  await detailMatches(/n = 5…60/);
  const cli = cliJson('analyze', data('digits_mlp/plain_h1_test.f32.npy'), '--lo', '5', '--hi', '60');
  assert.equal((await shown(page)).alpha, cli.alpha_fit.alpha.toFixed(4));
  assert.equal(await page.inputValue('#spectrum select[name="preset"]'), 'custom');
  await page.locator('#spectrum select[name="preset"]').selectOption('stringer');
  await detailMatches(/n = 11…128/);
});

test('keyboard: the drop zone is one Tab stop with a visible focus ring; the hidden file input is not (issue 12 item 19)', async () => {
  const { page } = ctx;
  await page.locator('#sections-nav a').last().focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'drop');
  const ring = await page.evaluate(() => {
    const s = getComputedStyle(document.querySelector('#drop'));
    return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
  });
  assert.notEqual(ring.style, 'none');
  assert.ok(ring.width >= 2, `outline ${ring.width}px`);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'drop-nonfinite', 'the next stop is the first option');
});

test('no console errors, and no request beyond the page\'s own static files', async () => {
  assert.deepEqual(ctx.consoleErrors, []);
  const foreign = ctx.requests.filter((u) => !u.startsWith(`${ctx.origin}/`));
  assert.deepEqual(foreign, []);
  assert.ok(ctx.requests.some((u) => u.endsWith('.wasm')), 'the wasm was loaded from the page origin');
});
