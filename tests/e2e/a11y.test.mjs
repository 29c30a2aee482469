// Accessibility (issue 18): axe-core (Deque's engine, from npm) finds no violation on index.html,
// toy.html and embed.html, in light and dark, at 1280 and 375 px, in the states a user reaches:
// first open, a file analysed, each analysis run (fit range, cvPCA, sweep and synthetic codes,
// axes and units, compare, bootstrap), every figure's data table open, an error shown, the
// array chooser open; the toy trained and its error; the embedded elements rendered.
// One browser per page and scheme; each state is audited at both widths (the viewport is resized,
// the figures re-lay out). The pages forbid inline script (CSP): axe is injected through
// page.evaluate, which the DevTools protocol runs regardless of the page's policy.
// What this does NOT prove: axe checks rules a machine can decide (names, roles, contrast, ARIA
// validity); it cannot judge whether a summary is useful or a screen reader's reading is clear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ROOT, data, openPage, settledMain, openInPage, tempFile, npyBytes, f32 } from './browser.mjs';
import { join } from 'node:path';

const AXE = readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const WIDTHS = [1280, 375];
const LAYER = data('digits_mlp/plain_h1_test.f32.npy');
const LAMBDA1 = JSON.parse(readFileSync(data('reference.json'), 'utf8')).matrices['digits_mlp/plain_h1_test'].eigenvalues_top10[0];

/** Runs axe on the page as it is now at each width; returns the violations found, labelled. */
async function audit(page, state) {
  const found = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(400); // the elements' ResizeObserver re-lays out their figures
    if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE);
    const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] }))
      .violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) })));
    for (const v of violations) found.push({ state, width, ...v });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  return found;
}

/** Opens every figure's "Show data" disclosure (page and shadow roots) so the tables are audited too. */
const openDataTables = (page) => page.evaluate(() => {
  let opened = 0;
  const visit = (root) => {
    for (const d of root.querySelectorAll('details.figure-data')) if (!d.hidden) { d.open = true; opened++; }
    for (const e of root.querySelectorAll('*')) if (e.shadowRoot) visit(e.shadowRoot);
  };
  visit(document);
  return opened;
});

const report = (found) => found.map((v) => `${v.state} @ ${v.width}px: ${v.id} (${v.impact}) ×${v.targets.length}\n    ${v.targets.slice(0, 6).join('\n    ')}`).join('\n');

/** Opens `path` in `scheme`, runs `states` ([name, async (page) => void]) and audits after each. */
async function auditPage(path, scheme, states) {
  const ctx = await openPage(path);
  const found = [];
  try {
    const { page } = ctx;
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width: 1280, height: 900 });
    for (const [state, reach] of states) {
      await reach(page);
      found.push(...await audit(page, state));
    }
  } finally {
    await ctx.close();
  }
  return found;
}

const inSpectrum = (sel) => `#spectrum ${sel}`;

const INDEX_STATES = [
  ['first open', (page) => settledMain(page)],
  ['a file analysed', async (page) => assert.equal(await openInPage(page, LAYER), 'render')],
  ['fit range applied', async (page) => {
    await page.waitForSelector('#fit-range[data-range]');
    const before = await page.getAttribute('#fit-range', 'data-range');
    await page.click('#fitrange-apply');
    await page.waitForFunction((b) => document.querySelector('#fit-range').dataset.range !== b, before, { timeout: 30_000 });
    await settledMain(page);
  }],
  ['cvPCA run', async (page) => {
    await page.setInputFiles('#cvpca-a', data('digits_mlp/dropout_h2_test_mcdrop_rep1.f32.npy'));
    await page.setInputFiles('#cvpca-b', data('digits_mlp/dropout_h2_test_mcdrop_rep2.f32.npy'));
    await page.waitForSelector('#cvpca[data-state="done"]', { timeout: 60_000 });
  }],
  ['sweep and synthetic codes run', async (page) => {
    await page.setInputFiles('#sweep-param', data('sweep/digit_rotation_angle_deg.npy'));
    await page.setInputFiles('#sweep-file', data('sweep/digit_rotation_plain_h1.f32.npy'));
    await page.waitForSelector('#smoothness[data-sweep="done"]', { timeout: 60_000 });
    await page.click('#synth-go');
    await page.waitForFunction(() => document.querySelector('#synth-out').dataset.count === '1', null, { timeout: 60_000 });
  }],
  ['axes and units run', async (page) => {
    await page.click('#align-go');
    await page.waitForSelector('#alignment[data-state="done"]', { timeout: 60_000 });
  }],
  ['compare run', async (page) => {
    await page.setInputFiles('#compare-files', [LAYER, data('digits_mlp/plain_h2_test.f32.npy')]);
    await page.waitForSelector('#compare[data-count="2"]', { timeout: 60_000 });
  }],
  ['bootstrap run', async (page) => {
    await page.fill(inSpectrum('input[name="b"]'), '20');
    await page.click(inSpectrum('button.boot-go'));
    await page.waitForFunction(() => document.querySelector('#spectrum').shadowRoot
      .querySelector('[part~="bootstrap-result"]').dataset.lo !== undefined, null, { timeout: 120_000 });
  }],
  ['every figure\'s data table open', async (page) => {
    assert.ok(await openDataTables(page) >= 10, 'the page\'s figures each have a "Show data" disclosure');
    // The element's table holds the spectrum drawn: rank 1 is λ₁ of the layer, NumPy's
    // np.linalg.eigvalsh of its covariance (reference.json, eigenvalues_top10[0]), to 6 digits.
    const dots = await page.evaluate(() => [...document.querySelector('#spectrum').shadowRoot.querySelectorAll('.figure-table')]
      .filter((t) => t.caption.textContent.startsWith('dot'))
      .map((t) => ({ head: [...t.tHead.rows[0].cells].map((c) => c.textContent), rows: t.tBodies[0].rows.length,
        first: [...t.tBodies[0].rows[0].cells].map((c) => c.textContent) })));
    assert.equal(dots.length, 1, JSON.stringify(dots));
    assert.deepEqual(dots[0].head, ['rank n', 'eigenvalue λₙ']);
    assert.deepEqual(dots[0].first, ['1', LAMBDA1.toPrecision(6)]);
    assert.ok(dots[0].rows > 100, `${dots[0].rows} eigenvalues listed`);
  }],
  ['an error in the element', async (page) => {
    const nan = tempFile('nan.npy', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 2), }", f32([1, 2, NaN, 1, 3, 1, 0, 5])));
    assert.equal(await openInPage(page, nan), 'error');
  }],
  ['an error on the page', async (page) => {
    assert.equal(await openInPage(page, tempFile('junk.npy', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))), 'page-error');
  }],
  ['the array chooser open', async (page) => {
    assert.equal(await openInPage(page, data('formats/digits_plain_h1_h2_compressed.npz')), 'chooser');
  }],
];

const TOY_STATES = [
  ['first open', (page) => page.waitForSelector('#toy-train')],
  ['the toy trained, data tables open', async (page) => {
    for (const [id, value] of Object.entries({ 'toy-n': '8', 'toy-m': '3', 'toy-count': '2', 'toy-steps': '60', 'toy-batch': '64', 'toy-seed': '7' })) {
      await page.fill(`#${id}`, value);
    }
    await page.click('#toy-train');
    await page.waitForSelector('#toy-result[data-state="done"]', { timeout: 110_000 });
    await openDataTables(page);
  }],
  ['an error shown', async (page) => {
    // n = 0 is below the input's min, so the browser would block the submit: the event is sent
    // straight to the form's handler, and the core's own check answers (the error a user meets
    // with a browser that does not validate, or a value the core rejects).
    await page.fill('#toy-n', '0');
    await page.locator('#toy-controls').dispatchEvent('submit');
    await page.waitForSelector('#toy-error:not([hidden])', { timeout: 30_000 });
  }],
];

const EMBED_STATES = [
  ['elements rendered, data tables open', async (page) => {
    await page.waitForFunction(() => [...document.querySelectorAll('eigenlens-spectrum, eigenlens-projections, eigenlens-toy')]
      .every((e) => e.dataset.state === 'done' || e.dataset.state === 'error'), null, { timeout: 120_000 });
    await openDataTables(page);
  }],
];

for (const scheme of ['light', 'dark']) {
  test(`index.html, ${scheme}: no axe-core violation in any state, at 1280 and 375 px`, { timeout: 600_000 }, async () => {
    const found = await auditPage('index.html', scheme, INDEX_STATES);
    assert.equal(found.length, 0, `axe-core violations:\n${report(found)}`);
  });
  test(`toy.html, ${scheme}: no axe-core violation first, trained, or with an error`, { timeout: 300_000 }, async () => {
    const found = await auditPage('toy.html', scheme, TOY_STATES);
    assert.equal(found.length, 0, `axe-core violations:\n${report(found)}`);
  });
  test(`embed.html, ${scheme}: no axe-core violation in the page or its elements`, { timeout: 300_000 }, async () => {
    const found = await auditPage('embed.html', scheme, EMBED_STATES);
    assert.equal(found.length, 0, `axe-core violations:\n${report(found)}`);
  });
}
