// A first session that never stalls or loses work (issue 12 items 10–13), in headless Chromium:
// the bootstrap can be cancelled, a fit changed during it refits α at once and restarts it for
// the new fit; overlapping sweep runs end with the last one and the button back; Compare layers
// refits when the estimator changes and says which estimator; Axes and units works on the demo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { data, tempFile, matrixNpy, shown, settledMain, openInPage, pageForTests } from './browser.mjs';
import { cliJson } from './cli.mjs';

const reference = JSON.parse(readFileSync(data('reference.json'), 'utf8'));
const LAYER = data('digits_mlp/plain_h1_test.f32.npy');
const ctx = pageForTests();

const text = (sel) => ctx.page.locator(sel).textContent();
const readout = () => text('#spectrum [part~="bootstrap-result"]');

/** A seeded Gaussian code with variances n^−2 over its D columns (α = 2), as .npy. */
function gaussian(rows, cols, seed = 7) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return matrixNpy(rows, cols, (_, j) => normal() / (j + 1));
}

test('Axes and units works on the demo, before any file is loaded (issue 12 item 13)', async () => {
  const { page } = ctx;
  assert.match((await shown(page)).title, /^demo:/);
  assert.match(await text('#align-status'), /plain_h1_test\.f32\.npy/);
  await page.click('#align-go');
  await page.waitForSelector('#alignment[data-state="done"]', { timeout: 60_000 });
  // Units per axis is drawn only for the axes the core reports (separated from their neighbours).
  const reported = cliJson('align', LAYER, '--top', '50').n_reported;
  assert.ok(reported > 0 && reported < 50, `${reported} of 50 reported`);
  assert.equal(await page.locator('#align-plot svg g.axis-units circle').count(), reported);
  assert.equal(await page.locator('#align-error').isHidden(), true);
});

test('the bootstrap has a Cancel that stops it at once; the page stays usable (issue 12 item 10)', async () => {
  const { page } = ctx;
  assert.equal(await openInPage(page, tempFile('gauss_600x128.npy', gaussian(600, 128))), 'render');
  await page.fill('#spectrum input[name="b"]', '2000');
  await page.click('#spectrum button.boot-go');
  await page.waitForFunction(() => /resampling [1-9]\d* of 2000/.test(document.querySelector('#spectrum').shadowRoot
    .querySelector('[part~="bootstrap-result"]').textContent), null, { timeout: 60_000 });
  const started = Date.now();
  await page.click('#spectrum button.boot-cancel');
  await page.waitForFunction(() => document.querySelector('#spectrum').shadowRoot.querySelector('[part~="bootstrap-result"]')
    .textContent === 'Bootstrap cancelled.', null, { timeout: 5_000 });
  assert.ok(Date.now() - started < 5_000);
  assert.equal(await page.locator('#spectrum button.boot-cancel').isHidden(), true);
  assert.equal(await page.locator('#spectrum button.boot-go').textContent(), 'Bootstrap α');
  // The worker that ran it is gone; a refit still answers.
  await page.locator('#spectrum select[name="estimator"]').selectOption('ols');
  await page.waitForFunction(() => /\(ols,/.test(document.querySelector('#spectrum').shadowRoot.querySelector('[part~="detail"]').textContent));
  await page.locator('#spectrum select[name="estimator"]').selectOption('stringer');
  await page.waitForFunction(() => /\(stringer,/.test(document.querySelector('#spectrum').shadowRoot.querySelector('[part~="detail"]').textContent));
});

test('an estimator changed mid-bootstrap refits α at once and restarts the bootstrap for it, which then finishes (issue 12 item 10)', { timeout: 240_000 }, async (t) => {
  const { page } = ctx;
  const path = tempFile('gauss_600x128.npy', gaussian(600, 128));
  const ols = cliJson('analyze', path, '--estimator', 'ols').alpha_fit.alpha.toFixed(4);
  await page.fill('#spectrum input[name="b"]', '600');
  await page.click('#spectrum button.boot-go');
  await page.waitForFunction(() => /resampling [1-9]\d* of 600/.test(document.querySelector('#spectrum').shadowRoot
    .querySelector('[part~="bootstrap-result"]').textContent), null, { timeout: 60_000 });
  const changed = Date.now();
  await page.locator('#spectrum select[name="estimator"]').selectOption('ols');
  await page.waitForFunction((want) => document.querySelector('#spectrum').shadowRoot.querySelector('[part~="alpha"]').textContent === want,
    ols, { timeout: 10_000 });
  const stale = Date.now() - changed;
  t.diagnostic(`α refitted ${stale} ms after the estimator changed mid-bootstrap`);
  assert.ok(stale < 5_000, `α stayed stale for ${stale} ms`);
  assert.match(await readout(), /^The fit changed: restarted\. resampling \d+ of 600…$/);
  // The restarted bootstrap finishes for the new fit: its interval is shown and drawn, not discarded.
  await page.waitForFunction(() => document.querySelector('#spectrum').shadowRoot.querySelector('[part~="bootstrap-result"]')
    .dataset.lo !== undefined, null, { timeout: 200_000 });
  const done = await readout();
  assert.match(done, /^α = \d\.\d\d \[\d\.\d\d, \d\.\d\d\] \(95 %, B = 600/);
  assert.equal(done.slice(4, 8), Number(ols).toFixed(2), 'the interval is about the OLS α shown');
  assert.equal((await shown(page)).alpha, ols);
  assert.equal(await page.locator('#spectrum [part~="plot"] svg g.alpha-band path').count(), 1);
  await page.locator('#spectrum select[name="estimator"]').selectOption('stringer');
  await settledMain(page);
});

test('overlapping sweep runs: the last one wins and the button is never left on "Analysing…" (issue 12 item 11)', async () => {
  const { page } = ctx;
  const ref = reference.sweeps['sweep/digit_rotation_plain_h1'];
  await page.fill('#sweep-k', '5');
  await page.setInputFiles('#sweep-file', data('sweep/digit_rotation_plain_h1.f32.npy')); // run 1 starts
  await page.fill('#sweep-k', '3');
  await page.locator('#sweep-k').dispatchEvent('change'); // run 2, while run 1 is going
  await page.click('#sweep-go'); // run 3
  await page.click('#sweep-go'); // run 4
  await page.waitForFunction(() => document.querySelector('#smoothness').dataset.sweep === 'done'
    && !document.querySelector('#sweep-projections').hasAttribute('data-busy'), null, { timeout: 60_000 });
  assert.equal(await page.locator('#sweep-go').textContent(), 'Analyse the sweep');
  assert.equal(await page.locator('#sweep-go').isEnabled(), true);
  assert.equal(await page.locator('#sweep-projections svg g.proj-curve path').count(), 3, 'K = 3: the last setting');
  assert.equal(Number(await text('#sweep-roughness')).toPrecision(4), ref.roughness_sweep_order.toPrecision(4));
  // A new file, then K changed at once: the second file with the new K.
  await page.setInputFiles('#sweep-file', data('sweep/digit_rotation_plain_h2.f32.npy'));
  await page.fill('#sweep-k', '4');
  await page.locator('#sweep-k').dispatchEvent('change');
  await page.waitForFunction(() => document.querySelector('#smoothness').dataset.sweep === 'done'
    && !document.querySelector('#sweep-projections').hasAttribute('data-busy')
    && /plain_h2/.test(document.querySelector('#sweep-projections').report?.sourceName ?? ''), null, { timeout: 60_000 });
  assert.equal(await page.locator('#sweep-projections svg g.proj-curve path').count(), 4);
  assert.equal(await page.locator('#sweep-go').textContent(), 'Analyse the sweep');
  const h2 = reference.sweeps['sweep/digit_rotation_plain_h2'];
  if (h2) assert.equal(Number(await text('#sweep-roughness')).toPrecision(4), h2.roughness_sweep_order.toPrecision(4));
});

test('Compare layers refits when the estimator changes and names the estimator (issue 12 item 12)', async () => {
  const { page } = ctx;
  assert.equal(await openInPage(page, LAYER), 'render');
  await page.setInputFiles('#compare-files', [LAYER]);
  await page.waitForSelector('#compare[data-count="1"]', { timeout: 60_000 });
  const cell = () => text('#compare-table td.alpha-cell');
  const m = reference.matrices['digits_mlp/plain_h1_test'];
  assert.equal(await cell(), `${m.alpha_fit_stringer.alpha.toFixed(3)} (stringer, n = 11…128)`);
  await page.locator('#spectrum select[name="estimator"]').selectOption('ols');
  await page.waitForFunction((want) => document.querySelector('#compare-table td.alpha-cell')?.textContent === want,
    `${m.alpha_fit_ols.alpha.toFixed(3)} (ols, n = 11…128)`, { timeout: 30_000 });
  assert.match(await text('#compare-status'), /α: ols fit/);
  assert.match(await page.locator('#compare-alpha svg').textContent(), /α \(ols\)/);
  await page.locator('#spectrum select[name="estimator"]').selectOption('stringer');
  await page.waitForFunction(() => /\(stringer,/.test(document.querySelector('#compare-table td.alpha-cell')?.textContent));
});

test('Compare layers offers the same array chooser, and never tells a web user to use the command line (issue 12 item 6)', async () => {
  const { page } = ctx;
  await page.click('#compare-clear');
  await page.setInputFiles('#compare-files', data('formats/digits_plain_h1_h2_compressed.npz'));
  await page.waitForSelector('#compare-chooser:not([hidden])', { timeout: 30_000 });
  const options = await page.locator('#compare-chooser label.array').allTextContents();
  assert.deepEqual(options.map((o) => o.split(' — ')[0].trim()), ['h1', 'h2']);
  await page.locator('#compare-chooser input[type="radio"]').nth(1).check();
  await page.click('#compare-chooser .chooser-go');
  await page.waitForSelector('#compare[data-count="1"]', { timeout: 60_000 });
  assert.equal(await page.inputValue('.compare-name'), 'h2');
  const m = reference.matrices['digits_mlp/plain_h2_test'];
  assert.match(await text('#compare-table td.alpha-cell'), new RegExp(`^${m.alpha_fit_stringer.alpha.toFixed(3)} `));
  assert.doesNotMatch(await text('#compare'), /command line|FILE:NAME/);
});

test('no console errors', () => {
  assert.deepEqual(ctx.consoleErrors, []);
});
