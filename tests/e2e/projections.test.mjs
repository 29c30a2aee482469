// <eigenlens-projections> beside two <eigenlens-spectrum> in one post, against the built dist/
// served from a sub-path: all three render with the reference numbers, the curves equal the
// CLI's for the same seed, a broken src shows its reason, and embed.html shows the sweep.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openSite, postHead, data } from './browser.mjs';
import { cliJson } from './cli.mjs';

const reference = JSON.parse(readFileSync(data('reference.json'), 'utf8'));
const SWEEP = reference.sweeps['sweep/digit_rotation_plain_h1'];
let ctx;

before(async () => { ctx = await openSite({ prefix: '/blog/post/', path: null }); });
after(async () => { await ctx?.close(); });

const settledAll = (page) => page.waitForFunction(() => {
  const els = [...document.querySelectorAll('eigenlens-spectrum, eigenlens-projections')];
  return els.length && els.every((e) => e.dataset.state === 'done' || e.dataset.state === 'error');
}, null, { timeout: 90_000 });

test('two spectra and one projections element in a post: reference α and R; curves equal the CLI\'s', async () => {
  const { context, base, html } = ctx;
  await html('notes/sweep.html', `${postHead('../eigenlens.js')}<body>
    <eigenlens-spectrum id="h1" src="../data/plain_h1_test.f32.npy"></eigenlens-spectrum>
    <eigenlens-spectrum id="h2" src="../data/plain_h2_test.f32.npy"></eigenlens-spectrum>
    <eigenlens-projections id="sweep" src="../data/digit_rotation_plain_h1.f32.npy" param="../data/digit_rotation_angle_deg.npy" k="4" seed="3" periodic></eigenlens-projections>
    <eigenlens-projections id="broken" src="../data/nope.npy"></eigenlens-projections>
  </body></html>`);
  const page = await context.newPage();
  await page.goto(`${base}notes/sweep.html`);
  await settledAll(page);
  const part = (id, name) => page.locator(`#${id} [part~="${name}"]`).textContent();
  assert.equal(await part('h1', 'alpha'), reference.matrices['digits_mlp/plain_h1_test'].alpha_fit_stringer.alpha.toFixed(4));
  assert.equal(await part('h2', 'alpha'), reference.matrices['digits_mlp/plain_h2_test'].alpha_fit_stringer.alpha.toFixed(4));
  assert.equal(await part('sweep', 'roughness'), SWEEP.roughness_sweep_order.toPrecision(4));
  // One facet per projection, each drawing its curve.
  assert.equal(await page.locator('#sweep .proj-curve path').count(), 4, 'K = 4 curves drawn');
  assert.match(await part('sweep', 'caption'), /lies above 1 \+ 2\/d = 3\.000 \(d = 1\).*necessary, not sufficient/);
  assert.equal(await part('broken', 'error'), 'could not fetch nope.npy: HTTP 404 Not Found');

  // The same seed on the command line gives the same curves.
  const report = await page.locator('#sweep').evaluate((e) => e.report);
  const cli = cliJson('sweep', data('sweep/digit_rotation_plain_h1.f32.npy'), '--param', data('sweep/digit_rotation_angle_deg.npy'),
    '--periodic', '--k', '4', '--seed', '3');
  assert.equal(report.curves.length, 4);
  for (let k = 0; k < 4; k++) {
    const worst = Math.max(...report.curves[k].values.map((v, i) => Math.abs(v - cli.curves[k].values[i])));
    assert.ok(worst < 1e-9, `curve ${k + 1}: page and CLI differ by ${worst}`);
  }
  assert.ok(Math.abs(report.holder_h - cli.holder_h) < 1e-9);
  // "New draw" moves to the next seed.
  await page.locator('#sweep').evaluate((e) => e.shadowRoot.querySelector('.redraw').click());
  await page.waitForFunction(() => document.querySelector('#sweep').report?.seed === 4);
  // The only console error is the deliberate 404 of the broken src.
  assert.deepEqual(ctx.consoleErrors.filter((e) => !/status of 404/.test(e)), []);
  await page.close();
});

test('embed.html shows the sweep example with the reference roughness', async () => {
  const { context, base } = ctx;
  const page = await context.newPage();
  await page.goto(`${base}embed.html`);
  await settledAll(page);
  const el = page.locator('eigenlens-projections');
  assert.equal(await el.locator('[part~="roughness"]').textContent(), SWEEP.roughness_sweep_order.toPrecision(4));
  await page.close();
});

test('<eigenlens-toy>: a small sweep trains in the post and equals the CLI', { timeout: 120_000 }, async () => {
  const { context, base, html } = ctx;
  await html('notes/toy.html', `${postHead('../eigenlens.js')}<body>
    <eigenlens-toy id="toy" sparsity="0,0.9" n="6" m="2" steps="300" batch="128" seed="4"></eigenlens-toy></body></html>`);
  const page = await context.newPage();
  await page.goto(`${base}notes/toy.html`);
  await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('#toy').dataset.state), null, { timeout: 110_000 });
  const report = await page.locator('#toy').evaluate((e) => e.report);
  const cli = cliJson('toy', '--sparsity', '0,0.9', '--n', '6', '--m', '2', '--steps', '300', '--batch', '128', '--seed', '4');
  assert.deepEqual(report.runs.map((r) => r.dims_per_feature), cli.runs.map((r) => r.dims_per_feature));
  assert.equal(await page.locator('#toy [part~="plot"] svg').count(), 1);
  await page.close();
});
