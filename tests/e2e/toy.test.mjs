// The toy model in the page, in headless Chromium, beyond the small sweep that
// tests/e2e/flows.test.mjs checks in both engines (its table equals the CLI's, the fraction
// labels clear of the y ticks): each figure and the runs export; the preset control fills in
// Elhage et al.'s geometry experiment; the element's caption is rendered maths; and Plot never
// warns (the implicit-z warning fired on the first draw of a sweep whose runs have α).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openPage, openSite, postHead } from './browser.mjs';
import { cliJson } from './cli.mjs';

let ctx;
const warnings = [];
before(async () => {
  ctx = await openPage('toy.html');
  ctx.page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  // The sweep the exports below save (its numbers and layout are checked in both engines by
  // flows.test.mjs).
  await trainWith(ctx.page, SETTINGS);
});
after(async () => { await ctx?.close(); });

const SETTINGS = { 'toy-n': '8', 'toy-m': '3', 'toy-count': '4', 'toy-steps': '400', 'toy-batch': '256', 'toy-seed': '7' };

async function trainWith(page, settings) {
  for (const [id, value] of Object.entries(settings)) await page.fill(`#${id}`, value);
  await page.click('#toy-train');
  await page.waitForSelector('#toy-result[data-state="running"]', { timeout: 10_000 }).catch(() => {});
  await page.waitForSelector('#toy-result[data-state="done"]', { timeout: 110_000 });
}

test('exports: SVG and PNG of each figure, the runs as JSON and CSV', { timeout: 60_000 }, async () => {
  const { page } = ctx;
  const save = async (locator) => {
    const [download] = await Promise.all([page.waitForEvent('download'), locator.click()]);
    return { name: download.suggestedFilename(), bytes: readFileSync(await download.path()) };
  };
  const bars = page.locator('#toy-result .exports');
  assert.equal(await bars.count(), 5, 'four figure toolbars and one for the runs');
  const svg = await save(page.locator('#toy-dims-plot + .exports button[data-export="svg"]'));
  assert.equal(svg.name, 'toy-model-n8-m3-dims-per-feature.svg');
  const svgText = svg.bytes.toString();
  assert.match(svgText, /^<\?xml/);
  for (const label of ['3/8', '2/5', 'floor m/n', 'lower bound']) assert.ok(svgText.includes(label), `${label} in the SVG`);
  assert.ok(!/var\(--/.test(svgText), 'colours resolved');
  const png = await save(page.locator('#toy-dims-plot + .exports button[data-export="png"]'));
  assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  // A figure with a colour legend exports the legend with the plot, in one SVG.
  const features = await save(page.locator('#toy-features-plot + .exports button[data-export="svg"]'));
  assert.equal((features.bytes.toString().match(/<svg/g) ?? []).length, 3, 'composite: the legend and the plot inside one <svg>');
  assert.match(features.bytes.toString(), /importance rank/);
  const gramPng = await save(page.locator('#toy-gram-plot + .exports button[data-export="png"]'));
  assert.equal(gramPng.bytes[1], 0x50);
  const json = JSON.parse((await save(page.locator('#toy-result > .exports button[data-export="json"]'))).bytes.toString());
  assert.equal(json.settings.n, 8);
  assert.equal(json.runs.length, 4);
  assert.deepEqual(json.runs[0].features_at_fractions.map((f) => f.label), ['1', '3/4', '2/3', '1/2', '2/5', '3/8']);
  const csv = (await save(page.locator('#toy-result > .exports button[data-export="csv"]'))).bytes.toString();
  const lines = csv.trim().split('\n');
  assert.match(lines[0], /^# eigenlens toy model: n=8 m=3/);
  assert.match(lines[1], /lower bound/);
  assert.equal(lines[2], 'sparsity,inv_density,dims_per_feature,predicted_dims_per_feature,dims_per_feature_floor,final_loss,'
    + 'hidden_alpha,hidden_participation_ratio,features_stored,at_1,at_3_4,at_2_3,at_1_2,at_2_5,at_3_8');
  assert.equal(lines.length, 3 + 4);
  assert.equal(Number(lines[3].split(',')[2]), json.runs[0].dims_per_feature);
  assert.deepEqual(ctx.consoleErrors, []);
});

test('the preset control fills in Elhage et al.\'s geometry experiment, and edits make it custom', { timeout: 60_000 }, async () => {
  const { page } = ctx;
  const values = () => page.evaluate(() => ['toy-n', 'toy-m', 'toy-decay', 'toy-count', 'toy-steps', 'toy-batch']
    .map((id) => document.getElementById(id).value));
  await page.selectOption('#toy-preset', 'elhage-geometry');
  await page.waitForFunction(() => document.querySelector('#toy-controls').dataset.preset === 'elhage-geometry');
  assert.deepEqual(await values(), ['200', '20', '1', '20', '10000', '1024']);
  assert.equal(await page.locator('#toy-preset-note').isVisible(), true);
  await page.fill('#toy-n', '24');
  assert.equal(await page.locator('#toy-preset').inputValue(), 'custom');
  await page.selectOption('#toy-preset', 'default');
  await page.waitForFunction(() => document.querySelector('#toy-controls').dataset.preset === 'default');
  assert.deepEqual(await values(), ['20', '5', '0.7', '20', '10000', '1024']);
  assert.equal(await page.locator('#toy-preset-note').isVisible(), false);
});

test('m = 20: α is fitted, drawn without a Plot warning from the first run on', { timeout: 120_000 }, async () => {
  const { page } = ctx;
  await page.selectOption('#toy-preset', 'elhage-geometry');
  await page.waitForFunction(() => document.querySelector('#toy-controls').dataset.preset === 'elhage-geometry');
  await trainWith(page, { 'toy-n': '24', 'toy-count': '2', 'toy-steps': '60', 'toy-batch': '32', 'toy-seed': '3' });
  const cli = cliJson('toy', '--preset', 'elhage-geometry', '--n', '24', '--sparsities', '2', '--steps', '60', '--batch', '32', '--seed', '3');
  const alphas = await page.locator('#toy-table tbody tr .alpha').allTextContents();
  assert.deepEqual(alphas, cli.runs.map((r) => r.hidden_alpha.toFixed(4)));
  assert.equal(await page.locator('#toy-alpha-note').textContent(), '');
  // Edited after choosing the preset: the command spells every value out.
  assert.match(await page.locator('#toy-cli').textContent(), /^eigenlens toy --n 24 --m 20 --decay 1 --sparsities 2 /);
  assert.deepEqual(warnings, [], 'no console warnings (Plot\'s implicit z channel)');
  assert.deepEqual(ctx.consoleErrors, []);
});

test('<eigenlens-toy preset="elhage-geometry">: the preset\'s model, and a caption in rendered maths', { timeout: 120_000 }, async () => {
  const site = await openSite({ prefix: '/blog/', path: null });
  try {
    await site.html('toy-post.html', `${postHead('./eigenlens.js')}<body>
      <eigenlens-toy id="toy" preset="elhage-geometry" n="24" sparsity="0.5,0.9" steps="40" batch="32" seed="2"></eigenlens-toy></body></html>`);
    const { page } = site;
    const warned = [];
    page.on('console', (m) => m.type() === 'warning' && warned.push(m.text()));
    await page.goto(`${site.base}toy-post.html`);
    await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('#toy').dataset.state), null, { timeout: 110_000 });
    const { settings, caption, html, runs } = await page.locator('#toy').evaluate((e) => ({
      settings: e.report.settings, runs: e.report.runs.length,
      caption: e.shadowRoot.querySelector('[part~="caption"]').textContent,
      html: e.shadowRoot.querySelector('[part~="caption"]').innerHTML,
    }));
    const got = [settings.n, settings.m, settings.importance_decay, settings.steps, settings.sparsities];
    assert.deepEqual(got, [24, 20, 1, 40, [0.5, 0.9]]);
    assert.equal(runs, 2);
    // Rendered: ‖W‖ with a superscript 2 and a subscript F, h with a subscript b; no markup as text.
    assert.match(html, /‖<var>W<\/var>‖<sup>2<\/sup><sub>F<\/sub>/);
    assert.match(html, /h<sub>b<\/sub>\(<var>S<\/var>\)/);
    assert.ok(!/[_^]|&lt;|<\/?\w+>/.test(caption), `no raw markup in the text: ${caption}`);
    assert.match(caption, /sticky fractions 1, 3\/4, 2\/3, 1\/2, 2\/5, 3\/8/);
    assert.match(caption, /lower bound/);
    assert.match(caption, /m\/n = 0\.8333/);
    assert.deepEqual(warned, []);
    assert.deepEqual(site.consoleErrors, []);
  } finally {
    await site.close();
  }
});
