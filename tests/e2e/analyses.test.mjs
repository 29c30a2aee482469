// The analyses of issue 4 in the page, end to end in headless Chromium, beyond what
// tests/e2e/flows.test.mjs checks in both engines (the rotation sweep's R, H and verdict against
// NumPy and the CLI; cvPCA's shared variance): the sweep's shuffled rows, new draws and d presets,
// synthetic codes overlaid, axis alignment, the bootstrap band, a drag on the spectrum refitting
// as the CLI does, and layer comparison.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openPage, data, tempFile, npyBytes, shown, settledMain, openInPage } from './browser.mjs';
import { cliJson } from './cli.mjs';

const reference = JSON.parse(readFileSync(data('reference.json'), 'utf8'));
const SWEEP = data('sweep/digit_rotation_plain_h1.f32.npy');
const ANGLE = data('sweep/digit_rotation_angle_deg.npy');
const LAYER = data('digits_mlp/plain_h1_test.f32.npy');
let ctx;

/** A Gaussian code as .npy: N rows, D independent columns with variances n^−α (the spectrum
 *  METHODS' Gaussian code has, in the unit basis), from a seeded generator. */
function gaussianNpy(alpha, rows, cols, seed = 1) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++) {
    const n = (i % cols) + 1;
    values[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()) * n ** (-alpha / 2);
  }
  return npyBytes(`{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`, new Uint8Array(values.buffer));
}

before(async () => {
  ctx = await openPage();
  await settledMain(ctx.page);
  // The sweep the tests below read (its numbers are checked in both engines by flows.test.mjs).
  const { page } = ctx;
  await page.check('#sweep-periodic');
  await page.fill('#sweep-k', '5');
  await page.setInputFiles('#sweep-param', ANGLE);
  await page.setInputFiles('#sweep-file', SWEEP);
  await page.waitForSelector('#smoothness[data-sweep="done"]', { timeout: 60_000 });
});
after(async () => { await ctx?.close(); });

const text = (sel) => ctx.page.locator(sel).textContent();
const sig4 = (x) => Number(x).toPrecision(4);

async function loadMain(path) {
  assert.equal(await openInPage(ctx.page, path), 'render');
}

/** The page's spectrum element, from inside its shadow root. */
const inSpectrum = (sel) => `#spectrum ${sel}`;

test('shuffled rows are drawn in the core\'s own permutation: the roughness of the rows in that order is R shuffled to 1e-12', async () => {
  const { page } = ctx;
  const view = page.locator('#sweep-projections');
  await view.locator('input.shuffle').check();
  const labels = await view.locator('.proj-label').allTextContents();
  assert.equal(labels.length, 5);
  assert.ok(labels.every((l) => /rows shuffled/.test(l)), labels.join(' | '));
  const report = await view.evaluate((e) => e.report);
  const n = report.n_rows;
  const order = report.shuffled_order;
  assert.ok(Array.isArray(order) && order.length === n, 'the sweep report carries shuffled_order (the core adds it)');
  assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), 'a permutation of the rows');
  // R of the rows in that order, from the file itself: Σ‖x_{o(i+1)} − x_{o(i)}‖² / (N − 1) / (2 trace C).
  const npy = readFileSync(SWEEP);
  const start = 10 + npy.readUInt16LE(8);
  const x = new Float32Array(npy.buffer.slice(npy.byteOffset + start, npy.byteOffset + npy.length));
  const d = x.length / n;
  let steps = 0;
  for (let i = 0; i + 1 < n; i++) {
    for (let j = 0; j < d; j++) steps += (x[order[i + 1] * d + j] - x[order[i] * d + j]) ** 2;
  }
  const r = steps / (n - 1) / (2 * report.spectrum.total_variance);
  assert.ok(Math.abs(r - report.roughness_shuffled) <= 1e-12 * report.roughness_shuffled, `${r} vs ${report.roughness_shuffled}`);
  // The curves drawn are each projection's values in that order: every path's y is an affine map of them.
  const ys = await view.evaluate((e) => [...e.shadowRoot.querySelectorAll('g.proj-curve path')].map((p) =>
    p.getAttribute('d').slice(1).split('L').map((xy) => Number(xy.split(',')[1]))));
  ys.forEach((y, k) => {
    const v = order.map((i) => report.curves[k].values[i]);
    const mv = v.reduce((a, b) => a + b, 0) / n;
    const my = y.reduce((a, b) => a + b, 0) / n;
    const b = v.reduce((s, vi, i) => s + (vi - mv) * (y[i] - my), 0) / v.reduce((s, vi) => s + (vi - mv) ** 2, 0);
    const worst = Math.max(...y.map((yi, i) => Math.abs(yi - (my + b * (v[i] - mv)))));
    assert.ok(y.length === n && worst < 0.05, `curve ${k + 1}: ${y.length} points, off by ${worst} px`);
  });
  await view.locator('input.shuffle').uncheck();
});

test('new draw in the sweep figure moves the seed into the page and the link; R does not move', async () => {
  const { page } = ctx;
  const before = await text('#sweep-detail');
  await page.locator('#sweep-projections button.redraw').click();
  await page.waitForFunction((prev) => document.querySelector('#sweep-detail').textContent !== prev, before, { timeout: 60_000 });
  assert.match(await text('#sweep-detail'), /seed 2/);
  assert.equal(await page.inputValue('#seed'), '2');
  assert.match(await page.evaluate(() => location.hash), /seed=2/);
  assert.equal(sig4(await text('#sweep-roughness')), sig4(reference.sweeps['sweep/digit_rotation_plain_h1'].roughness_sweep_order));
});

test('d presets change the bound and the verdict, and d goes into the link', async () => {
  const { page } = ctx;
  await page.selectOption('#d-preset', 'high');
  assert.equal(await page.inputValue('#d'), 'high');
  // The table is redrawn when the core's verdict jobs answer: wait for the rows of d = high.
  await page.waitForSelector('#verdict-table[data-d="high"]', { timeout: 30_000 });
  const rows = await page.locator('#verdict-table tbody tr').allInnerTexts();
  assert.ok(rows.every((r) => /1 \(d high\)/.test(r)), rows.join('\n'));
  assert.match(await page.evaluate(() => location.hash), /d=high/);
  await page.fill('#d', '2');
  await page.locator('#d').dispatchEvent('change');
  assert.equal(await page.inputValue('#d-preset'), '2');
  await page.waitForSelector('#verdict-table[data-d="2"]', { timeout: 30_000 });
  assert.match((await page.locator('#verdict-table tbody').innerText()), /1 \+ 2\/d = 2\.000 \(d = 2\)/);
  await page.selectOption('#d-preset', '1');
});

test('synthetic codes: Fourier α = 2 and α = 4 overlaid on the spectra, their projections drawn', async () => {
  const { page } = ctx;
  for (const alpha of ['2', '4']) {
    await page.fill('#synth-alpha', alpha);
    const want = String(Number(await page.locator('#synth-out').getAttribute('data-count') ?? 0) + 1);
    await page.click('#synth-go');
    await page.waitForFunction((n) => document.querySelector('#synth-out').dataset.count === n, want, { timeout: 60_000 });
  }
  // Yours (the sweep) and the two synthetic codes.
  assert.equal(await page.locator('#synth-spectra svg g.spectrum-series path').count(), 3,
    await page.locator('#synth-spectra').getAttribute('aria-label'));
  assert.equal(await page.locator('#synth-curves svg g.proj-curve path').count(), 4);
  const labels = await page.locator('#synth-curves .proj-label').allTextContents();
  assert.ok(labels.some((l) => /Fourier α = 2 /.test(l)) && labels.some((l) => /Fourier α = 4 /.test(l)), labels.join(' | '));
  const rows = await page.locator('#verdict-table tbody').innerText();
  assert.match(rows, /synthetic: Fourier α = 4/);
  // Each synthetic code is analysed as a sweep with the bootstrap (B = 50): its row carries the
  // interval, and at d = 1 the α = 4 code's whole interval lies above 1 + 2/d = 3.
  const four = page.locator('#verdict-table tbody tr', { hasText: 'synthetic: Fourier α = 4' });
  assert.match(await four.locator('.alpha-cell').textContent(), /^\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]$/);
  assert.equal(await four.getAttribute('data-verdict'), 'above_bound');
  assert.equal(await four.getAttribute('data-source'), 'plain');
});

test('axes and units of the loaded file: units per separated axis against the random baseline, unit activity', async () => {
  const { page } = ctx;
  await loadMain(LAYER);
  await page.click('#align-go');
  await page.waitForSelector('#alignment[data-state="done"]', { timeout: 60_000 });
  const cols = reference.matrices['digits_mlp/plain_h1_test'].shape?.[1] ?? 256;
  assert.equal(await page.locator('#align-plot svg g.baseline line').count(), 1);
  assert.match(await page.locator('#align-plot svg').textContent(), new RegExp(`\\(D \\+ 2\\)/3 = ${((cols + 2) / 3).toFixed(1)}`));
  // Units per axis only for the axes the core reports as separated from their neighbours.
  const cli = cliJson('align', LAYER, '--top', '50');
  assert.equal(await page.locator('#align-plot svg g.axis-units circle').count(), cli.n_reported);
  assert.equal(await page.locator('#align-plot svg g.axis-unreported line').count(), 50 - cli.n_reported);
  assert.ok(await page.locator('#activity-plot svg g.activity-bar rect').count() > 0);
});

/** Waits until the element's bootstrap readout holds an interval for the fit shown. */
const bootstrapDone = (timeout = 120_000) => ctx.page.waitForFunction(() => document.querySelector('#spectrum').shadowRoot
  .querySelector('[part~="bootstrap-result"]').dataset.lo !== undefined, null, { timeout });

async function bootstrap() {
  const { page } = ctx;
  await page.click(inSpectrum('button.boot-go'));
  await bootstrapDone();
  const readout = await text(inSpectrum('[part~="bootstrap-result"]'));
  const m = /^α = (\d+\.\d\d) \[(\d+\.\d\d), (\d+\.\d\d)\] \(95 %, B = 50/.exec(readout);
  assert.ok(m, readout);
  assert.equal(m[1], Number((await shown(page)).alpha).toFixed(2));
  assert.equal(await page.locator(inSpectrum('[part~="plot"] svg g.alpha-band path')).count(), 1);
  return { shown: readout, alpha: Number(m[1]), lo: Number(m[2]), hi: Number(m[3]) };
}

test('bootstrap: a Gaussian code (N ≫ D): the interval contains α and is drawn as a band', async () => {
  assert.equal(await ctx.page.inputValue(inSpectrum('input[name="b"]')), '50');
  await loadMain(tempFile('gaussian_alpha2.npy', gaussianNpy(2, 2000, 100)));
  const { shown, alpha, lo, hi } = await bootstrap();
  assert.ok(lo <= alpha && alpha <= hi, shown);
  assert.ok(lo <= 2 && 2 <= hi + 0.02, shown);
  // N = 20·D: no warning that N is too small for the interval.
  const warnings = await ctx.page.locator(inSpectrum('[part~="bootstrap-warnings"] li')).allTextContents();
  assert.ok(!warnings.some((w) => /is below 5/.test(w)), JSON.stringify(warnings));
});

test('bootstrap: on a layer with N ≈ 2D the page shows the core\'s warning that the interval is too narrow', async () => {
  await loadMain(LAYER);
  const { shown, alpha, lo, hi } = await bootstrap();
  assert.ok(lo <= alpha && alpha <= hi, `α̂ ± z·se contains α̂: ${shown}`);
  const warnings = await ctx.page.locator(inSpectrum('[part~="bootstrap-warnings"] li')).allTextContents();
  assert.ok(warnings.some((w) => /^N\/D = 2\.1 \(N = 540 rows, D = 256 units\) is below 5: .*too narrow/.test(w)), JSON.stringify(warnings));
});

test('drag on the spectrum sets n_lo…n_hi, refits at once, and agrees with the CLI', async () => {
  const { page } = ctx;
  const before = (await shown(page)).alpha;
  await page.locator(inSpectrum('[part~="plot"]')).scrollIntoViewIfNeeded();
  const [x0, x1, y] = await page.evaluate(() => {
    const svg = document.querySelector('#spectrum').shadowRoot.querySelector('[part~="plot"] svg');
    const x = svg.scale('x');
    const m = svg.getScreenCTM();
    const [ya, yb] = svg.scale('y').range;
    const at = (n) => {
      const p = svg.createSVGPoint();
      p.x = x.apply(n);
      p.y = (ya + yb) / 2;
      return p.matrixTransform(m);
    };
    const a = at(5), b = at(60);
    return [a.x, b.x, a.y];
  });
  await page.mouse.move(x0, y);
  await page.mouse.down();
  await page.mouse.move((x0 + x1) / 2, y, { steps: 4 });
  await page.mouse.move(x1, y, { steps: 4 });
  await page.mouse.up();
  await page.waitForFunction((prev) => document.querySelector('#spectrum').shadowRoot.querySelector('[part~="alpha"]').textContent !== prev,
    before, { timeout: 30_000 });
  const lo = Number(await page.inputValue(inSpectrum('input[name="lo"]')));
  const hi = Number(await page.inputValue(inSpectrum('input[name="hi"]')));
  assert.ok(Math.abs(lo - 5) <= 1 && Math.abs(hi - 60) <= 1, `dragged to ${lo}…${hi}`);
  assert.equal(await page.inputValue(inSpectrum('select[name="preset"]')), 'custom');
  assert.match(await page.evaluate(() => location.hash), new RegExp(`lo=${lo}&hi=${hi}`));
  await page.waitForFunction((want) => document.querySelector('#spectrum').shadowRoot.querySelector('[part~="detail"]').textContent.includes(want),
    `n = ${lo}…${hi}`);
  const cli = cliJson('analyze', LAYER, '--lo', String(lo), '--hi', String(hi));
  assert.equal((await shown(page)).alpha, cli.alpha_fit.alpha.toFixed(4));
  // The bootstrap band belonged to the old range: it is gone; the readout says whose it was.
  assert.equal(await page.locator(inSpectrum('[part~="plot"] svg g.alpha-band')).count(), 0);
  assert.match(await text(inSpectrum('[part~="bootstrap-result"]')), /^For the previous fit, α = 2\.394 \(stringer, n = 11…128\)/);
  await page.locator(inSpectrum('select[name="preset"]')).selectOption('stringer');
  await settledMain(page);
});

test('layer comparison: two files give two points per measure; a rename relabels the chart', async () => {
  const { page } = ctx;
  await page.setInputFiles('#compare-files', [LAYER, data('digits_mlp/plain_h2_test.f32.npy')]);
  await page.waitForSelector('#compare[data-count="2"]', { timeout: 60_000 });
  for (const key of ['alpha', 'pr', 'erank']) {
    assert.equal(await page.locator(`#compare-${key} svg g.compare-point circle`).count(), 2);
  }
  const alphas = await page.locator('#compare-table tbody tr td.alpha-cell').allTextContents();
  assert.deepEqual(alphas, ['plain_h1_test', 'plain_h2_test'].map((k) => `${reference.matrices[`digits_mlp/${k}`].alpha_fit_stringer.alpha.toFixed(3)} (stringer, n = 11…128)`));
  await page.locator('.compare-name').nth(1).fill('hidden layer 2');
  assert.match(await page.locator('#compare-alpha svg').textContent(), /2\. hidden layer 2/);
  assert.match(await page.locator('#compare-pr').getAttribute('aria-label'), /hidden layer 2 4\.728/);
  assert.doesNotMatch(await page.locator('#compare-alpha svg').textContent(), /plain_h2_test/);
});

test('phone width: the analyses fit without horizontal scrolling', async () => {
  const { page } = ctx;
  await page.setViewportSize({ width: 375, height: 800 });
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => {
    const root = document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow} px`);
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('every control has a label, every figure an accessible name; no console errors', async () => {
  const { page } = ctx;
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('section.analysis input, section.analysis select, section.analysis button, #bootstrap-controls input, #bootstrap-controls button')]
    .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || (el.tagName === 'BUTTON' && el.textContent.trim())))
    .map((el) => el.id || el.outerHTML.slice(0, 60)));
  assert.deepEqual(unlabelled, []);
  const figures = await page.evaluate(() => [...document.querySelectorAll('section.analysis .figure')].filter((f) => f.querySelector('svg'))
    .map((f) => [f.id, f.getAttribute('role'), f.getAttribute('aria-label')]));
  assert.ok(figures.length >= 7, JSON.stringify(figures));
  assert.ok(figures.every(([, role, label]) => role === 'img' && label && label.length > 10), JSON.stringify(figures));
  assert.deepEqual(ctx.consoleErrors, []);
  assert.deepEqual(ctx.requests.filter((u) => !u.startsWith(ctx.origin + '/')), []);
});
