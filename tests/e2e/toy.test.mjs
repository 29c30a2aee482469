// The toy model in the page: a small sweep trained in the workers draws its four figures, and
// every number in the table equals the CLI's for the same settings and seed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage } from './browser.mjs';
import { cliJson } from './cli.mjs';

let ctx;
before(async () => { ctx = await openPage('toy.html'); });
after(async () => { await ctx?.close(); });

const SETTINGS = { 'toy-n': '8', 'toy-m': '3', 'toy-count': '4', 'toy-steps': '400', 'toy-batch': '256', 'toy-seed': '7' };

test('a small sweep from the page: four figures, and the numbers equal the CLI\'s', { timeout: 120_000 }, async () => {
  const { page } = ctx;
  for (const [id, value] of Object.entries(SETTINGS)) await page.fill(`#${id}`, value);
  await page.click('#toy-train');
  await page.waitForSelector('#toy-result[data-state="done"]', { timeout: 110_000 });
  for (const id of ['toy-dims-plot', 'toy-features-plot', 'toy-alpha-plot', 'toy-gram-plot']) {
    assert.equal(await page.locator(`#${id} svg`).count() >= 1, true, `${id} drawn`);
  }
  assert.match(await page.locator('#toy-progress').textContent(), /4 sparsities × 400 steps trained in/);
  const cli = cliJson('toy', '--n', '8', '--m', '3', '--sparsities', '4', '--steps', '400', '--batch', '256', '--seed', '7');
  assert.equal(cli.runs.length, 4);
  const rows = await page.locator('#toy-table tbody tr').evaluateAll((trs) => trs.map((tr) => ({
    index: Number(tr.dataset.index),
    dims: tr.querySelector('.dims').textContent,
    alpha: tr.querySelector('.alpha').textContent,
  })));
  assert.equal(rows.length, 4);
  for (const row of rows) {
    const want = cli.runs[row.index];
    assert.equal(row.dims, want.dims_per_feature.toFixed(4), `dims per feature, run ${row.index}`);
    assert.equal(row.alpha, want.hidden_alpha == null ? '–' : want.hidden_alpha.toFixed(4), `hidden α, run ${row.index}`);
  }
  assert.match(await page.locator('#toy-cli').textContent(), /eigenlens toy --n 8 --m 3 .*--seed 7/);
  assert.deepEqual(ctx.consoleErrors, []);
});
