// The analysis sections say what the science backs (issue 11 items 1–4 and 11, page side), in
// headless Chromium, each against the native CLI (the same core) or NumPy's numbers:
// - Axes and units: a monosemantic code with equal unit variances (tests/data/science, written by
//   make_sections_fixtures.py) reads "the unit basis is privileged" and no units per axis (no
//   axis is separated); the same data randomly rotated reads ratio ≈ 1, "not privileged".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, data, settledMain, openInPage } from './browser.mjs';
import { cliJson } from './cli.mjs';

const MONO = data('science/monosemantic_equal_var.f32.npy');
const ROTATED = data('science/monosemantic_rotated.f32.npy');
let ctx;

before(async () => {
  ctx = await openPage();
  await settledMain(ctx.page);
});
after(async () => { await ctx?.close(); });

const text = (sel) => ctx.page.locator(sel).textContent();

/** Loads `path` above, measures its top `top` axes and units with the page's default K = 20. */
async function measure(path, top) {
  const { page } = ctx;
  await page.fill('#align-top', String(top));
  assert.equal(await openInPage(page, path), 'render');
  await page.click('#align-go');
  await page.waitForSelector('#alignment:is([data-state="done"], [data-state="error"])', { timeout: 120_000 });
  assert.equal(await page.getAttribute('#alignment', 'data-state'), 'done', await text('#align-error'));
}

test('a monosemantic code with equal unit variances: the unit basis is privileged, no units per axis reported', async () => {
  const { page } = ctx;
  assert.equal(await page.inputValue('#align-k'), '20', 'K = 20 rotations by default');
  // The top 20 of D = 40 axes: the bottom edge of the sample spectrum (λ_40) is spread wider
  // than the bulk and passes the gap rule; the top axes are what units per axis is read on.
  await measure(MONO, 20);
  const cli = cliJson('align', MONO, '--top', '20');
  const bp = cli.basis_privilege;
  assert.equal(bp.k, 20);
  assert.equal(bp.privileged, true, 'the CLI calls it privileged');
  assert.ok(bp.ratio > 5, `ratio ${bp.ratio}: the units are far heavier-tailed than rotations`);
  assert.equal(cli.n_reported, 0, 'equal variances: no eigenvalue is separated from its neighbours');
  assert.equal(await text('#align-privilege'), 'the unit basis is privileged');
  assert.equal(await text('#align-ratio'), bp.ratio.toFixed(3));
  assert.equal(await text('#align-rotated'), `[${bp.rotated[0].toFixed(3)}, ${bp.rotated[1].toFixed(3)}]`);
  assert.equal(await text('#align-privilege-text'), bp.text);
  assert.equal(await text('#align-axes-text'), cli.axes_text);
  assert.match(cli.axes_text, /none of the top 20 axes is separated/);
  // Units per axis: not one value drawn; all 20 axes marked as not separated.
  assert.equal(await page.locator('#align-plot svg g.axis-units circle').count(), 0);
  assert.equal(await page.locator('#align-plot svg g.axis-unreported line').count(), 20);
  assert.equal(await page.locator('#privilege-plot svg g.rotation-ratio circle').count(), 20);
  assert.match(await text('#align-status'), /0 of 20 axes separated; no axis separated/);
});

test('the same code randomly rotated: ratio ≈ 1 inside the rotations\' range, not privileged', async () => {
  await measure(ROTATED, 20);
  const cli = cliJson('align', ROTATED, '--top', '20');
  const bp = cli.basis_privilege;
  assert.equal(bp.privileged, false);
  assert.ok(Math.abs(bp.ratio - 1) < 0.1 && bp.rotated[0] <= bp.ratio && bp.ratio <= bp.rotated[1], `ratio ${bp.ratio}, rotations ${bp.rotated}`);
  assert.equal(await text('#align-privilege'), 'the unit basis is not privileged');
  assert.equal(await text('#align-ratio'), bp.ratio.toFixed(3));
  assert.equal(await text('#align-rotated'), `[${bp.rotated[0].toFixed(3)}, ${bp.rotated[1].toFixed(3)}]`);
  assert.equal(await text('#align-privilege-text'), bp.text);
  assert.match(bp.text, /does not show that units are polysemantic/);
});

test('a real layer: units per axis drawn for exactly the axes the core reports', async () => {
  const { page } = ctx;
  const LAYER = data('digits_mlp/plain_h1_test.f32.npy');
  await measure(LAYER, 50);
  const cli = cliJson('align', LAYER, '--top', '50');
  const reported = cli.axes.filter((a) => a.reported);
  assert.ok(reported.length > 0 && reported.length < 50, `${reported.length} reported`);
  assert.equal(await page.locator('#align-plot svg g.axis-units circle').count(), reported.length);
  assert.equal(await page.locator('#align-plot svg g.axis-unreported line').count(), 50 - reported.length);
  assert.equal(await text('#align-axes-text'), cli.axes_text);
  assert.equal(await text('#align-ratio'), cli.basis_privilege.ratio.toFixed(3));
});

test('no "polysemantic regime" anywhere on the page', async () => {
  const body = await ctx.page.evaluate(() => document.body.innerText);
  assert.doesNotMatch(body, /polysemantic regime/i);
  assert.doesNotMatch(body, /fully mixed/i);
  assert.deepEqual(ctx.consoleErrors, []);
});
