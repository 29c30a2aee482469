// Names from the user's files are text, never markup (issue 13 item 7), and the array chooser for
// files of several arrays (issue 12 items 5–6): every array listed, each marked analysable or not
// with the reason, the only analysable one picked by itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  tempFile, npyBytes, f32, matrixNpy, zipBytes, safetensorsBytes, shown, openInPage, nextOutcome, deepCount,
  pageForTests,
} from './browser.mjs';

const ctx = pageForTests();

const IMG = '<img src=x onerror=window.__xss=1>';
const BOLD = '<b>bold';
/** A small matrix with a spectrum (not constant columns). */
const layer = (rows, cols, phase = 0) => matrixNpy(rows, cols,
  (i, j) => Math.sin(0.37 * i * (j + 1) + phase) / (j + 1));

test('an .npz whose array names are markup: the chooser, the title and the table show them as text', async () => {
  const { page } = ctx;
  const path = tempFile('markup.npz', zipBytes({ [`${IMG}.npy`]: layer(40, 6), [`${BOLD}.npy`]: layer(40, 6, 1) }));
  assert.equal(await openInPage(page, path), 'chooser');
  const labels = await page.locator('#chooser label.array .array-name').allTextContents();
  assert.deepEqual(labels.map((l) => l.split(' — ')[0]), [IMG, BOLD]);
  assert.equal(await deepCount(page, 'img'), 0, 'no <img> was created');
  assert.equal(await deepCount(page, 'b'), 0, 'no <b> was created');
  const outcome = await nextOutcome(page);
  await page.click('#chooser .chooser-go');
  assert.equal(await outcome(), 'render');
  assert.equal((await shown(page)).title, `markup.npz › ${IMG}`);
  // Into Compare layers too: the name input and the chart labels.
  await page.setInputFiles('#compare-files', path);
  await page.waitForSelector('#compare-chooser:not([hidden])');
  await page.locator('#compare-chooser input[type="radio"]').nth(1).check();
  await page.click('#compare-chooser .chooser-go');
  await page.waitForSelector('#compare[data-count="1"]', { timeout: 60_000 });
  assert.equal(await page.inputValue('.compare-name'), BOLD);
  assert.match(await page.locator('#compare-alpha svg').textContent(), /1\. <b>bold/);
  assert.equal(await deepCount(page, 'img'), 0);
  assert.equal(await deepCount(page, 'b'), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  await page.click('#compare-clear');
});

test('a CSV whose header cells are markup: the header is shown as text', async () => {
  const { page } = ctx;
  const rows = Array.from({ length: 30 }, (_, i) => [Math.sin(i), Math.cos(1.7 * i), Math.sin(0.3 * i) ** 2].map((v) => v.toFixed(6)).join(','));
  const csv = `${IMG.replace('=1', '=2')},<b>b</b>,c\n${rows.join('\n')}\n`;
  assert.equal(await openInPage(page, tempFile('header.csv', csv)), 'render');
  const said = `${await page.locator('#summary').textContent()} ${await page.locator('#warnings').textContent()}`;
  assert.ok(said.includes('<b>b</b>') && said.includes('<img src=x onerror=window.__xss=2>'), said);
  assert.equal(await deepCount(page, 'img'), 0);
  assert.equal(await deepCount(page, 'b'), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
});

// These need the readers' `analysable`/`why` on listed arrays: a file holding a 1-D array can be
// listed at all only once list_arrays returns every array instead of failing on the 1-D one.
test('a .safetensors with a 1-D tensor beside 2-D and 3-D ones: all three listed, the 1-D one marked with why (issue 12 item 5)', async () => {
  const { page } = ctx;
  const seq = Array.from({ length: 4 * 24 * 8 }, (_, i) => Math.sin(0.11 * i * ((i % 8) + 1)));
  const emb = Array.from({ length: 96 * 8 }, (_, i) => Math.cos(0.07 * i * ((i % 8) + 1)));
  const path = tempFile('checkpoint.safetensors', safetensorsBytes({
    bias: { shape: [96], values: Array.from({ length: 96 }, (_, i) => i / 96) },
    embeddings: { shape: [96, 8], values: emb },
    hidden: { shape: [4, 24, 8], values: seq },
  }));
  assert.equal(await openInPage(page, path), 'chooser', await page.locator('#error').textContent());
  const items = await page.locator('#chooser label.array').evaluateAll((labels) => labels.map((l) => ({
    name: l.querySelector('.array-name').textContent.split(' — ')[0], disabled: l.querySelector('input').disabled,
    why: l.querySelector('.why')?.textContent ?? null,
  })));
  assert.deepEqual(items.map((i) => i.name).sort(), ['bias', 'embeddings', 'hidden']);
  const bias = items.find((i) => i.name === 'bias');
  assert.equal(bias.disabled, true);
  assert.match(bias.why, /cannot be analysed: .*1-D/);
  assert.ok(items.filter((i) => i.name !== 'bias').every((i) => !i.disabled && i.why === null));
  const outcome = await nextOutcome(page);
  await page.locator('#chooser label.array', { hasText: 'hidden' }).locator('input').check();
  await page.click('#chooser .chooser-go');
  assert.equal(await outcome(), 'render');
  assert.match((await shown(page)).caption, /\[4, 24, 8\] · 96 × 8 · /);
});

test('an .npz with a 1-D array beside one 2-D array: the 2-D one is picked by itself, and the page says so (issue 12 item 5)', async () => {
  const { page } = ctx;
  const mask = npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (40,), }", f32(new Array(40).fill(1)));
  const path = tempFile('with_mask.npz', zipBytes({ 'attention_mask.npy': mask, 'acts.npy': layer(40, 6) }));
  assert.equal(await openInPage(page, path), 'render', await page.locator('#error').textContent());
  assert.equal((await shown(page)).title, 'with_mask.npz › acts');
  const note = await page.locator('#chooser-note').textContent();
  assert.match(note, /analysing acts, the only one of its 2 arrays that can be analysed \(attention_mask: .*1-D/);
  assert.equal(await page.locator('#chooser').isHidden(), true);
});

test('no console errors', () => {
  assert.deepEqual(ctx.consoleErrors, []);
});
