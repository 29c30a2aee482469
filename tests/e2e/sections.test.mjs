// The analysis sections say what the science backs (issue 11 items 1–4 and 11, page side), in
// headless Chromium, each against the native CLI (the same core) or NumPy's numbers:
// - Axes and units: a monosemantic code with equal unit variances (tests/data/science, written by
//   make_sections_fixtures.py) reads "the unit basis is privileged" and no units per axis (no
//   axis is separated); the same data randomly rotated reads ratio ≈ 1, "not privileged".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { openPage, data, settledMain, openInPage } from './browser.mjs';
import { cliJson } from './cli.mjs';

const MONO = data('science/monosemantic_equal_var.f32.npy');
const FOURIER4 = data('science/fourier_alpha4.f32.npy');
const ROTATED = data('science/monosemantic_rotated.f32.npy');
const reference = JSON.parse(readFileSync(data('reference.json'), 'utf8'));
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

/** Analyses `path` as the page's sweep (with `repeat`, or none), waits for the element's answer. */
async function sweep(path, repeat = null) {
  const { page } = ctx;
  // Each change starts a run and cancels the one before; an intermediate pairing (the new file
  // with the old repeat) may fail on the way, so wait for the report of exactly this pair.
  await page.setInputFiles('#sweep-repeat', repeat ? [repeat] : []);
  await page.setInputFiles('#sweep-file', path);
  const want = [basename(path), repeat ? basename(repeat) : null];
  await page.waitForFunction(([name, rep]) => {
    const r = document.querySelector('#sweep-projections')?.report;
    return document.querySelector('#smoothness').dataset.sweep === 'done' && r?.sourceName === name && r?.repeatName === rep;
  }, want, { timeout: 120_000 }).catch(async (e) => { throw new Error(`${e.message}; page says: ${await text('#sweep-error')}`); });
  // The verdict table is redrawn when the core's verdict jobs answer.
  await page.waitForFunction(() => document.querySelector('#verdict-table tbody tr[data-source]') !== null, null, { timeout: 30_000 });
}

test('a Fourier code with α = 4 as a sweep: H beside its reference, the bound labelled a bound, above_bound at d = 1', async () => {
  const { page } = ctx;
  assert.equal(await page.inputValue('#d'), '1');
  assert.equal(await page.inputValue('#sweep-bootstrap'), '50');
  await sweep(FOURIER4);
  const cli = cliJson('sweep', FOURIER4);
  assert.equal(await text('#sweep-h'), cli.holder_h.toFixed(3));
  assert.equal(await text('#sweep-h-ref'), cli.holder_h_reference.toFixed(3));
  assert.equal(await text('#sweep-h-bound'), cli.holder_h_bound.toFixed(3));
  const [h, ref] = [Number(await text('#sweep-h')), Number(await text('#sweep-h-ref'))];
  assert.ok(Math.abs(h - ref) < 0.05, `H ${h} against the reference ${ref}`);
  assert.match(await text('#sweep-h-reference'), /bound min\(1, \(α − 1\)\/2\) = 1\.000 \(an upper bound/);
  assert.equal(await text('#sweep-holder-text'), cli.holder_text);
  assert.equal(await text('#sweep-roughness-text'), cli.roughness_text);
  assert.match(cli.roughness_text, /does not say that the code is smooth/);
  // The verdict: from the plain α (no repeat) and its bootstrap interval, the core's words.
  assert.equal(cli.verdict.verdict, 'above_bound');
  assert.equal(await page.getAttribute('#sweep-verdict', 'data-verdict'), 'above_bound');
  assert.equal(await text('#sweep-verdict-text'), cli.verdict.text);
  assert.ok((await text('#sweep-verdict-source')).startsWith(`(plain α (no repeat given); interval: ${cli.alpha_interval.method.replaceAll('_', ' ')}, B = 50`),
    await text('#sweep-verdict-source'));
  const row = page.locator('#verdict-table tbody tr', { hasText: 'sweep: fourier_alpha4' });
  assert.equal(await row.getAttribute('data-verdict'), 'above_bound');
  assert.equal(await row.locator('.verdict-text').textContent(), cli.verdict.text);
  const [lo, hi] = cli.verdict.interval;
  assert.equal(await row.locator('.alpha-cell').textContent(), `${cli.verdict.alpha.toFixed(3)} [${lo.toFixed(3)}, ${hi.toFixed(3)}]`);
  assert.ok(await page.locator('#sweep-structure svg g.structure-reference path').count() === 1);
});

test('a repeat of the sweep: the verdict uses the cross-validated α and says so', async () => {
  const { page } = ctx;
  const pair = reference.cvpca_pairs['digits_mlp/dropout_h2_mcdrop'];
  const [a, b] = [data(`${pair.rep1}.f32.npy`), data(`${pair.rep2}.f32.npy`)];
  await sweep(a, b);
  const cli = cliJson('sweep', a, '--repeat', b);
  assert.equal(cli.verdict.alpha_source, 'cross_validated');
  assert.equal(await page.getAttribute('#sweep-verdict', 'data-verdict'), cli.verdict.verdict);
  assert.equal(await text('#sweep-verdict-text'), cli.verdict.text);
  assert.match(await text('#sweep-verdict-text'), /^cross-validated α = /);
  assert.match(await text('#sweep-verdict-source'), /cross-validated α of dropout_h2_test_mcdrop_rep1\.f32\.npy and its repeat dropout_h2_test_mcdrop_rep2\.f32\.npy/);
  const row = page.locator('#verdict-table tbody tr', { hasText: 'sweep: dropout_h2_test_mcdrop_rep1' });
  await row.waitFor({ timeout: 30_000 });
  assert.equal(await row.getAttribute('data-source'), 'cross_validated');
  assert.equal(await row.locator('.verdict-text').textContent(), cli.verdict.text);
  await page.setInputFiles('#sweep-repeat', []);
});

/** Runs the page's cvPCA on the files `a`, `b` (none: again, on the files chosen) with its settings. */
async function cvpca(a, b) {
  const { page } = ctx;
  if (a) {
    await page.setInputFiles('#cvpca-a', a);
    await page.setInputFiles('#cvpca-b', b);
  } else {
    await page.click('#cvpca-go');
  }
  await page.waitForFunction(() => {
    const s = document.querySelector('#cvpca').dataset.state;
    return s === 'error' || (s === 'done' && !document.querySelector('#cvpca-go').disabled);
  }, null, { timeout: 120_000 });
  assert.equal(await page.getAttribute('#cvpca', 'data-state'), 'done', await text('#cvpca-error'));
}

test('cvPCA of a reference pair: α fitted on the shuffle mean equals the CLI to 1e-9; noise spectrum, suggested range, warnings', async () => {
  const { page } = ctx;
  const pair = reference.cvpca_pairs['digits_mlp/dropout_h2_mcdrop'];
  const [a, b] = [data(`${pair.rep1}.f32.npy`), data(`${pair.rep2}.f32.npy`)];
  assert.equal(await page.inputValue('#cvpca-shuffles'), '5', 'Stringer\'s shuff_cvPCA draws 5');
  await cvpca(a, b);
  const cli = cliJson('cvpca', a, b, '--shuffles', '5', '--seed', '1');
  assert.equal(cli.alpha_fit.spectrum, 'shuffle_mean');
  const alpha = Number(await page.getAttribute('#cvpca-alpha', 'data-alpha'));
  assert.ok(Math.abs(alpha - cli.alpha_fit.alpha) <= 1e-9, `page ${alpha}, CLI ${cli.alpha_fit.alpha}`);
  assert.equal(await text('#cvpca-alpha'), cli.alpha_fit.label);
  assert.equal(await page.getAttribute('#cvpca-alpha', 'data-spectrum'), 'shuffle_mean');
  assert.equal(await text('#cvpca-alpha-on'), 'fitted on the mean of 5 repeat-swap shuffles\' cv spectra (as Stringer et al. fit)');
  assert.equal(await text('#cvpca-alpha-unshuffled'), cli.alpha_fit_unshuffled.label);
  assert.equal(await text('#cvpca-alpha-plain'), cli.alpha_fit_plain.label);
  const [lo, hi] = cli.suggested_range;
  assert.equal(await text('#cvpca-suggested'), `n = ${lo}…${hi}`);
  assert.deepEqual(await page.locator('#cvpca-warnings li').allTextContents(), cli.warnings);
  assert.ok(cli.noise_limited_from > 0);
  assert.match(await text('#cvpca-noise-limited'), new RegExp(`^from n = ${cli.noise_limited_from} on, .*flatten`));
  assert.equal(await page.locator('#cvpca-plot svg g.cv-noise path').count(), 1, 'the noise spectrum is drawn');
  assert.equal(await page.locator('#cvpca-plot svg g.cv-noise-limited line').count(), 1);
  assert.equal(await page.locator('#cvpca-plot svg g.cv-suggested rect').count(), 1);

  // |cv_n|, as Stringer's get_powerlaw fits log(abs(ss)).
  await page.check('#cvpca-abs');
  await cvpca();
  const abs = cliJson('cvpca', a, b, '--shuffles', '5', '--seed', '1', '--abs');
  assert.equal(abs.alpha_fit.abs, true);
  const absAlpha = Number(await page.getAttribute('#cvpca-alpha', 'data-alpha'));
  assert.ok(Math.abs(absAlpha - abs.alpha_fit.alpha) <= 1e-9, `page ${absAlpha}, CLI ${abs.alpha_fit.alpha}`);
  assert.match(await text('#cvpca-alpha-on'), /on \|cv_n\| \(Stringer’s log\(abs\(ss\)\)\)$/);
  await page.uncheck('#cvpca-abs');
  const body = await page.evaluate(() => document.querySelector('#cvpca').innerText);
  assert.doesNotMatch(body, /drops below zero there instead/);
});

test('compare layers: one common fit range across files, N/D per file, the estimator named; equal to the CLI', async () => {
  const { page } = ctx;
  const A = data('minilm/blk5_out_tokens.f32.npy'); // 3000 × 384: alone it would be fitted over n = 11…192
  const B = data('digits_mlp/plain_h1_test.f32.npy'); // 540 × 256: caps n_hi at ⌊D/2⌋ = 128
  await page.setInputFiles('#compare-files', [A, B]);
  await page.waitForSelector('#compare[data-count="2"]', { timeout: 120_000 });
  const cli = cliJson('compare', A, B);
  assert.deepEqual([cli.rank_lo, cli.rank_hi], [11, 128]);
  assert.equal(await page.getAttribute('#compare', 'data-range'), `${cli.rank_lo}…${cli.rank_hi}`);
  const alone = cliJson('analyze', A);
  assert.equal(alone.alpha_fit.rank_hi, 192, 'the wider file alone would use more ranks');
  const cells = page.locator('#compare-table tbody td.alpha-cell');
  assert.deepEqual(await cells.allTextContents(), cli.layers.map((l) => l.alpha_fit.label));
  const alphas = (await cells.evaluateAll((tds) => tds.map((td) => Number(td.dataset.alpha))));
  alphas.forEach((a, i) => assert.ok(Math.abs(a - cli.layers[i].alpha_fit.alpha) <= 1e-9, `file ${i + 1}: page ${a}, CLI ${cli.layers[i].alpha_fit.alpha}`));
  const sizes = await page.locator('#compare-table tbody td.size-cell').allTextContents();
  assert.deepEqual(sizes, cli.layers.map((l) => `${l.n_rows.toLocaleString('en')} × ${l.n_cols} (N/D ${l.n_over_d.toPrecision(3)})`));
  const status = await text('#compare-status');
  assert.match(status, /α: stringer fit over one common range n = 11…128 in every file \(n_hi limited by plain_h1_test\.f32\.npy: ⌊D\/2⌋ = 128\)/);
  assert.deepEqual(await page.locator('#compare-warnings li').allTextContents(), cli.warnings);
  // Each file resampled on its own over the common range: the CLI's intervals, seed for seed.
  await page.fill('#compare-boot-b', '20');
  await page.click('#compare-boot-go');
  await page.waitForSelector('#compare[data-boot="done"]', { timeout: 120_000 });
  const booted = cliJson('compare', A, B, '--bootstrap', '20', '--seed', '1');
  const intervals = await page.locator('#compare-table tbody td.interval-cell')
    .evaluateAll((tds) => tds.map((td) => [Number(td.dataset.lo), Number(td.dataset.hi)]));
  intervals.forEach(([lo, hi], i) => {
    const want = booted.layers[i].alpha_interval;
    assert.ok(Math.abs(lo - want.lo) <= 1e-9 && Math.abs(hi - want.hi) <= 1e-9, `file ${i + 1}: [${lo}, ${hi}] vs CLI [${want.lo}, ${want.hi}]`);
  });
  await page.click('#compare-clear');
});

test('no "polysemantic regime" anywhere on the page', async () => {
  const body = await ctx.page.evaluate(() => document.body.innerText);
  assert.doesNotMatch(body, /polysemantic regime/i);
  assert.doesNotMatch(body, /fully mixed/i);
  assert.doesNotMatch(body, /H ≥ 1|differentiable; H/i);
  assert.deepEqual(ctx.consoleErrors, []);
});
