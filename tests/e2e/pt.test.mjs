// torch.save files in the page (issue 14, part 4): the fixtures of tests/data/pt (written by real
// torch.save, make_fixtures.py) open through #file like any other file; the page's α is the
// CLI's for the same file and key, and NumPy's (tests/data/pt/reference.json); a pickle that
// names os.system is refused with the global named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { data, openInPage, nextOutcome, shown, pageForTests } from './browser.mjs';
import { cliJson } from './cli.mjs';

const ctx = pageForTests();
const pt = (name) => data(`pt/${name}`);
const reference = JSON.parse(readFileSync(pt('reference.json'), 'utf8')).answers;
const report = () => ctx.page.evaluate(() => document.querySelector('#spectrum').report);

test('a bf16 tensor saved with torch.save: the page gives the CLI\'s α and NumPy\'s', async () => {
  const { page } = ctx;
  assert.equal(await openInPage(page, pt('bf16.pt')), 'render');
  const r = await report();
  assert.deepEqual([r.n_rows, r.n_cols], [256, 64]);
  const cli = cliJson('analyze', pt('bf16.pt'));
  assert.equal(r.alpha_fit.label, cli.alpha_fit.label);
  assert.ok(Math.abs(r.alpha_fit.alpha - cli.alpha_fit.alpha) < 1e-9, `${r.alpha_fit.alpha} vs ${cli.alpha_fit.alpha}`);
  assert.ok(Math.abs(r.alpha_fit.alpha - reference.bf16.alpha) < 1e-6, `${r.alpha_fit.alpha} vs NumPy ${reference.bf16.alpha}`);
});

test('a dict of views: the chooser lists the tensors by key, and a strided view reads as the CLI reads FILE:KEY', async () => {
  const { page } = ctx;
  assert.equal(await openInPage(page, pt('views.pt')), 'chooser');
  const labels = await page.locator('#chooser label.array .array-name').allTextContents();
  assert.deepEqual(labels.map((l) => l.split(' — ')[0]), ['transposed', 'every_other', 'offset_slice', 'permuted']);
  await page.locator('#chooser input[type="radio"]').nth(1).check();
  const outcome = await nextOutcome(page);
  await page.click('#chooser .chooser-go');
  assert.equal(await outcome(), 'render');
  assert.equal((await shown(page)).title, 'views.pt › every_other');
  const r = await report();
  const cli = cliJson('analyze', `${pt('views.pt')}:every_other`);
  assert.equal(r.alpha_fit.label, cli.alpha_fit.label);
  assert.ok(Math.abs(r.alpha_fit.alpha - cli.alpha_fit.alpha) < 1e-9);
  assert.ok(Math.abs(r.alpha_fit.alpha - reference['views.every_other'].alpha) < 1e-6);
});

test('a pickle that calls os.system is refused with the global named', async () => {
  const { page } = ctx;
  const outcome = await openInPage(page, pt('malicious.pt'));
  assert.ok(outcome === 'page-error' || outcome === 'error', outcome);
  const text = outcome === 'page-error' ? await page.locator('#error').textContent() : (await shown(page)).error;
  assert.match(text, /the torch\.save file's pickle calls os\.system, which is not one of the tensor rebuilders eigenlens allows \(nothing was run\)/);
  assert.equal((await shown(page)).busy, false);
});
