// The analyses of issue 4 in the page, end to end in headless Chromium: a rotation sweep with
// its angle file (K curves, R against NumPy, H, the verdict as the CLI words it), cvPCA of two
// MC-dropout repeats (shared variance against NumPy), synthetic codes overlaid, axis alignment,
// the bootstrap band, a drag on the spectrum refitting as the CLI does, and layer comparison.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openPage, data, tempFile, npyBytes } from './browser.mjs';
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
  const uniform = () => { a = (a + 0x6d2b79f5) >>> 0; let t = Math.imul(a ^ (a >>> 15), a | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296; };
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++) {
    const n = (i % cols) + 1;
    values[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()) * n ** (-alpha / 2);
  }
  return npyBytes(`{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`, new Uint8Array(values.buffer));
}

before(async () => {
  ctx = await openPage();
  await ctx.page.waitForSelector('#result[data-state="done"]', { timeout: 60_000 });
});
after(async () => { await ctx?.close(); });

const text = (sel) => ctx.page.locator(sel).textContent();
const sig4 = (x) => Number(x).toPrecision(4);

async function loadMain(path) {
  const { page } = ctx;
  const before = await text('#result-name');
  await page.setInputFiles('#file', path);
  await page.waitForFunction((prev) => document.querySelector('#result-name').textContent !== prev, before, { timeout: 60_000 });
}

test('rotation sweep with its angle file: K = 5 curves, R equals NumPy to 4 digits, H and the verdict shown', async () => {
  const { page } = ctx;
  await page.check('#sweep-periodic');
  await page.fill('#sweep-k', '5');
  await page.setInputFiles('#sweep-param', ANGLE);
  await page.setInputFiles('#sweep-file', SWEEP);
  await page.waitForSelector('#smoothness[data-sweep="done"]', { timeout: 60_000 });

  assert.equal(await page.locator('#sweep-curves svg g.proj-curve path').count(), 5);
  assert.deepEqual((await page.locator('#sweep-curves .proj-label').allTextContents()).map((t) => t.split(' · ')[0]), ['y1', 'y2', 'y3', 'y4', 'y5']);
  const ref = reference.sweeps['sweep/digit_rotation_plain_h1'];
  const shown = await text('#sweep-roughness');
  assert.equal(sig4(shown), sig4(ref.roughness_sweep_order), `R shown ${shown}, NumPy ${ref.roughness_sweep_order}`);

  // The page (wasm) and the CLI (native) are the same core: seeded numbers agree too. A mismatch
  // here with R right means www/pkg is older than src/ (bash scripts/build-wasm.sh).
  const cli = cliJson('sweep', SWEEP, '--param', ANGLE, '--periodic', '--k', '5', '--seed', '1');
  assert.equal(sig4(cli.roughness), sig4(ref.roughness_sweep_order));
  assert.equal(sig4(await text('#sweep-roughness-shuffled')), sig4(cli.roughness_shuffled),
    'R of shuffled rows differs between page and CLI: is www/pkg built from the current src/?');
  assert.equal(await text('#sweep-h'), cli.holder_h.toFixed(3));
  assert.match(await text('#sweep-h-predicted'), new RegExp(`^${cli.predicted_h.toFixed(3)} `));
  const curveR = (await page.locator('#sweep-curves .proj-label').allTextContents()).map((t) => Number(t.split('roughness ')[1]));
  assert.deepEqual(curveR, cli.curves.map((c) => Number(c.roughness.toPrecision(3))));
  // The verdict for the sweep reads exactly as the core words it (d = 1).
  const verdicts = await page.locator('#verdict-table .verdict-text').allTextContents();
  assert.ok(verdicts.includes(cli.verdict.text), `verdicts ${JSON.stringify(verdicts)}; core: ${cli.verdict.text}`);
  assert.match(cli.verdict.text, /necessary condition, not a sufficient one/);
});

test('shuffle rows draws the rough baseline; new draw moves the seed into the link', async () => {
  const { page } = ctx;
  await page.check('#sweep-shuffle');
  const labels = await page.locator('#sweep-curves .proj-label').allTextContents();
  assert.equal(labels.length, 5);
  assert.ok(labels.every((l) => /rows shuffled/.test(l) && Number(l.split('roughness ')[1]) > 0.5), labels.join(' | '));
  await page.uncheck('#sweep-shuffle');
  const before = await text('#sweep-detail');
  await page.click('#sweep-redraw');
  await page.waitForFunction((prev) => document.querySelector('#sweep-detail').textContent !== prev, before, { timeout: 60_000 });
  assert.match(await text('#sweep-detail'), /seed 2/);
  assert.equal(await page.inputValue('#seed'), '2');
  assert.match(await page.evaluate(() => location.hash), /seed=2/);
  // R does not depend on the directions drawn.
  assert.equal(sig4(await text('#sweep-roughness')), sig4(reference.sweeps['sweep/digit_rotation_plain_h1'].roughness_sweep_order));
});

test('d presets change the bound and the verdict, and d goes into the link', async () => {
  const { page } = ctx;
  await page.selectOption('#d-preset', 'high');
  assert.equal(await page.inputValue('#d'), 'high');
  const rows = await page.locator('#verdict-table tbody tr').allInnerTexts();
  assert.ok(rows.every((r) => /1 \(d high\)/.test(r)), rows.join('\n'));
  assert.match(await page.evaluate(() => location.hash), /d=high/);
  await page.fill('#d', '2');
  await page.locator('#d').dispatchEvent('change');
  assert.equal(await page.inputValue('#d-preset'), '2');
  assert.match((await page.locator('#verdict-table tbody').innerText()), /1 \+ 2\/d = 2\.000 \(d = 2\)/);
  await page.selectOption('#d-preset', '1');
});

test('cvPCA of the two MC-dropout repeats: the shared-variance fraction equals NumPy to 4 decimals', async () => {
  const { page } = ctx;
  const pair = reference.cvpca_pairs['digits_mlp/dropout_h2_mcdrop'];
  await page.setInputFiles('#cvpca-a', data(`${pair.rep1}.f32.npy`));
  await page.setInputFiles('#cvpca-b', data(`${pair.rep2}.f32.npy`));
  await page.waitForSelector('#cvpca[data-state="done"]', { timeout: 60_000 });
  const shared = Number(await text('#cvpca-shared'));
  assert.equal(shared.toFixed(4), pair.shared_variance_fraction.toFixed(4));
  assert.ok(Math.abs(shared - pair.shared_variance_fraction) < 1e-6);
  // α on the cvPCA spectrum as the CLI fits it (stringer); reference.json's α on the cv
  // spectrum is the OLS fit (np.polyfit), which the CLI reproduces with --estimator ols.
  const cli = cliJson('cvpca', data(`${pair.rep1}.f32.npy`), data(`${pair.rep2}.f32.npy`));
  assert.equal(await text('#cvpca-alpha'), `${cli.alpha_fit.alpha.toFixed(3)} (stringer, n = 11…128)`);
  assert.equal(await text('#cvpca-alpha-plain'), `${cli.alpha_fit_plain.alpha.toFixed(3)} (stringer, n = 11…128)`);
  const ols = cliJson('cvpca', data(`${pair.rep1}.f32.npy`), data(`${pair.rep2}.f32.npy`), '--estimator', 'ols');
  assert.ok(Math.abs(ols.alpha_fit.alpha - pair.alpha_fit_on_cv_spectrum.alpha) < 1e-6);
  assert.ok(await page.locator('#cvpca-plot svg .cv-signal circle').count() > 50);
  assert.match(await page.locator('#cvpca-plot').getAttribute('aria-label'), /shared variance 94\.48 %/);
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
});

test('axis alignment of the loaded file: units per axis against the random baseline, unit activity', async () => {
  const { page } = ctx;
  await loadMain(LAYER);
  await page.click('#align-go');
  await page.waitForSelector('#alignment[data-state="done"]', { timeout: 60_000 });
  const cols = reference.matrices['digits_mlp/plain_h1_test'].shape?.[1] ?? 256;
  assert.equal(await page.locator('#align-plot svg g.baseline line').count(), 1);
  assert.match(await page.locator('#align-plot svg').textContent(), new RegExp(`\\(D \\+ 2\\)/3 = ${((cols + 2) / 3).toFixed(1)}`));
  assert.equal(await page.locator('#align-plot svg g.axis-units circle').count(), 50);
  assert.ok(await page.locator('#activity-plot svg g.activity-bar rect').count() > 0);
});

async function bootstrap() {
  const { page } = ctx;
  await page.click('#boot-go');
  await page.waitForFunction(() => document.querySelector('#bootstrap-result').dataset.lo !== undefined, null, { timeout: 120_000 });
  const shown = await text('#bootstrap-result');
  const m = /^α = (\d+\.\d\d) \[(\d+\.\d\d), (\d+\.\d\d)\] \(95 %, B = 50/.exec(shown);
  assert.ok(m, shown);
  assert.equal(m[1], Number(await text('#alpha-value')).toFixed(2));
  assert.equal(await page.locator('#spectrum-plot svg g.alpha-band path').count(), 1);
  return { shown, alpha: Number(m[1]), lo: Number(m[2]), hi: Number(m[3]) };
}

test('bootstrap: a Gaussian code (N ≫ D): the interval contains α and is drawn as a band', async () => {
  assert.equal(await ctx.page.inputValue('#boot-b'), '50');
  await loadMain(tempFile('gaussian_alpha2.npy', gaussianNpy(2, 2000, 100)));
  const { shown, alpha, lo, hi } = await bootstrap();
  assert.ok(lo <= alpha && alpha <= hi, shown);
  assert.ok(lo <= 2 && 2 <= hi + 0.02, shown);
  assert.doesNotMatch(shown, /misses/);
});

test('bootstrap: on a layer with N ≈ 2D the page says so when the interval misses α', async () => {
  await loadMain(LAYER);
  const { shown, alpha, lo, hi } = await bootstrap();
  if (alpha < lo || alpha > hi) assert.match(shown, /misses α itself.*540 × 256/);
  else assert.doesNotMatch(shown, /misses/);
});

test('drag on the spectrum sets n_lo…n_hi, refits at once, and agrees with the CLI', async () => {
  const { page } = ctx;
  const before = await text('#alpha-value');
  const [x0, x1, y] = await page.evaluate(() => {
    const svg = document.querySelector('#spectrum-plot svg');
    const x = svg.scale('x');
    const m = svg.getScreenCTM();
    const [ya, yb] = svg.scale('y').range;
    const at = (n) => { const p = svg.createSVGPoint(); p.x = x.apply(n); p.y = (ya + yb) / 2; return p.matrixTransform(m); };
    const a = at(5), b = at(60);
    return [a.x, b.x, a.y];
  });
  await page.mouse.move(x0, y);
  await page.mouse.down();
  await page.mouse.move((x0 + x1) / 2, y, { steps: 4 });
  await page.mouse.move(x1, y, { steps: 4 });
  await page.mouse.up();
  await page.waitForFunction((prev) => document.querySelector('#alpha-value').textContent !== prev, before, { timeout: 30_000 });
  const lo = Number(await page.inputValue('#lo')), hi = Number(await page.inputValue('#hi'));
  assert.ok(Math.abs(lo - 5) <= 1 && Math.abs(hi - 60) <= 1, `dragged to ${lo}…${hi}`);
  assert.equal(await page.inputValue('#preset'), 'custom');
  assert.match(await page.evaluate(() => location.hash), new RegExp(`lo=${lo}&hi=${hi}`));
  await page.waitForFunction((want) => document.querySelector('#alpha-detail').textContent.includes(want), `n = ${lo}…${hi}`);
  const cli = cliJson('analyze', LAYER, '--lo', String(lo), '--hi', String(hi));
  assert.equal(await text('#alpha-value'), cli.alpha_fit.alpha.toFixed(4));
  // The bootstrap band belonged to the old range: it is gone.
  assert.equal(await page.locator('#spectrum-plot svg g.alpha-band').count(), 0);
  await page.selectOption('#preset', 'stringer');
});

test('layer comparison: two files give two points per measure; a rename relabels the chart', async () => {
  const { page } = ctx;
  await page.setInputFiles('#compare-files', [LAYER, data('digits_mlp/plain_h2_test.f32.npy')]);
  await page.waitForSelector('#compare[data-count="2"]', { timeout: 60_000 });
  for (const key of ['alpha', 'pr', 'erank']) {
    assert.equal(await page.locator(`#compare-${key} svg g.compare-point circle`).count(), 2);
  }
  const alphas = await page.locator('#compare-table tbody tr td:nth-child(3)').allTextContents();
  assert.deepEqual(alphas, ['plain_h1_test', 'plain_h2_test'].map((k) => reference.matrices[`digits_mlp/${k}`].alpha_fit_stringer.alpha.toFixed(3)));
  await page.locator('.compare-name').nth(1).fill('hidden layer 2');
  assert.match(await page.locator('#compare-alpha svg').textContent(), /2\. hidden layer 2/);
  assert.match(await page.locator('#compare-pr').getAttribute('aria-label'), /hidden layer 2 4\.728/);
  assert.doesNotMatch(await page.locator('#compare-alpha svg').textContent(), /plain_h2_test/);
});

test('phone width: the analyses fit without horizontal scrolling', async () => {
  const { page } = ctx;
  await page.setViewportSize({ width: 375, height: 800 });
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
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
