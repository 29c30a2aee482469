// The page end to end in headless Chromium, beyond the main flows that tests/e2e/flows.test.mjs
// runs in both engines (the demo, a file through the input, refitting, the chooser, bad files):
// a CSV, dropping NaN rows, cancel, settings that apply as soon as they change, keyboard focus,
// and no request beyond the page's own static files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openPage, data, tempFile, npyBytes, f32, shown, settledMain, openInPage, nextOutcome } from './browser.mjs';
import { cliJson } from './cli.mjs';

const reference = JSON.parse(readFileSync(data('reference.json'), 'utf8'));
const H1 = reference.matrices['digits_mlp/plain_h1_test'];
let ctx;

before(async () => {
  ctx = await openPage();
  await settledMain(ctx.page);
});
after(async () => { await ctx?.close(); });

/** Waits until the spectrum's detail line matches `re`. */
const detailMatches = (re) => ctx.page.waitForFunction((src) => new RegExp(src).test(
  document.querySelector('#spectrum').shadowRoot.querySelector('[part~="detail"]').textContent), re.source, { timeout: 30_000 });

test('a CSV file: α equals NumPy, and the title has no empty shape (issue 12 item 9)', async () => {
  assert.equal(await openInPage(ctx.page, data('formats/digits_test_pixels.csv')), 'render');
  const m = reference.matrices['formats/digits_test_pixels.csv'];
  const s = await shown(ctx.page);
  assert.equal(s.alpha, m.alpha_fit_stringer.alpha.toFixed(4));
  assert.equal(s.title, 'digits_test_pixels.csv');
  assert.doesNotMatch(`${s.title} ${s.caption}`, /\[\]|text \[/);
  assert.match(s.caption, /^540 × 64 · /);
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
