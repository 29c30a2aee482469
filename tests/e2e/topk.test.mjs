// Top-k spectra in the page (issue 16). A D = 16 384 .npy (N = 512 f32, 32 MiB) is too wide for
// the D × D moments (2 · D² · 8 bytes = 4 GiB against the engine's 1 GiB per worker): opened
// through #file, the page must not start the full analysis but propose the top k; one click
// runs it, and its eigenvalues and α must equal the CLI's `analyze FILE --top k --json` (the
// same solver, seed and stopping rule: only the order of additions over the row shares
// differs), with every worker's wasm memory below 1 GiB. A small file with top set must give
// the full solver's top k.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPage, npyBytes, shown, settledMain, matrixNpy } from './browser.mjs';
import { cliJson } from './cli.mjs';

const ROWS = 512;
const COLS = 16384;
let ctx, dir, wide, small;

/**
 * Independent units with variances λ_j = j^-1.5 for j ≤ 128 and 10⁻³ · j^-1.5 beyond (a power
 * law, α = 1.5 for the population, with a cliff after rank 128), from a seeded xorshift
 * generator (uniform on [-√3, √3): unit variance). The cliff makes the solver converge in 5
 * passes with a basis of 424 < N − 1 columns: on a pure power law at N = 512 the basis outgrows
 * the rank and the core's Rayleigh–Ritz fails (CLI and page alike; reported as a core issue).
 */
function wideNpy() {
  const values = new Float32Array(ROWS * COLS);
  const scale = Float32Array.from({ length: COLS }, (_, j) => (j + 1) ** -0.75 * (j < 128 ? 1 : Math.sqrt(1e-3)));
  let s = 88172645;
  for (let i = 0; i < values.length; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    values[i] = ((s >>> 0) / 4294967296 - 0.5) * 2 * Math.sqrt(3) * scale[i % COLS];
  }
  return npyBytes(`{'descr': '<f4', 'fortran_order': False, 'shape': (${ROWS}, ${COLS}), }`, new Uint8Array(values.buffer));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eigenlens-topk-'));
  wide = join(dir, 'wide_512x16384.f32.npy');
  writeFileSync(wide, wideNpy());
  // 3000 × 96, variances ∝ j^-1 with a mixing term, so the eigenvectors are not the axes.
  small = join(dir, 'small_3000x96.f32.npy');
  let s = 12345;
  const u = () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return (s >>> 0) / 4294967296 - 0.5; };
  writeFileSync(small, matrixNpy(3000, 96, (i, j) => u() / Math.sqrt(j + 1) + (j % 3 === 0 ? 0.05 * u() : 0)));
  ctx = await openPage();
});
after(async () => {
  await ctx?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const relErr = (a, b) => Math.abs(a - b) / Math.abs(b);

test('D = 16 384: the page proposes top k instead of the full analysis, and its top k equals the CLI\'s', { timeout: 300_000 }, async () => {
  const { page } = ctx;
  await settledMain(page); // the demo first
  const before = await page.evaluate(() => window.eigenlensStats.wasmBytes);
  await page.setInputFiles('#file', wide);
  await page.waitForFunction(() => document.querySelector('#spectrum').dataset.proposal, null, { timeout: 60_000 });
  const proposed = await shown(page);
  assert.equal(proposed.state, 'error');
  assert.match(proposed.error, /D = 16,384 units: the full covariance needs about 4\.0 GiB/);
  assert.match(proposed.error, /was not started/);
  const k = Number(await page.locator('#spectrum').evaluate((e) => e.dataset.proposal));
  // TopKSolver.defaultK(16384, 256, 768 MiB): the largest k ≤ 256 whose solver fits (METHODS,
  // memory_bytes); with the restarted basis (at most max(4b, 512) columns) k = 256 fits.
  assert.equal(k, 256);
  // Nothing heavy started without the click: no worker grew past what the demo used.
  const idle = await page.evaluate(() => window.eigenlensStats.wasmBytes);
  assert.equal(idle, before, 'the proposal reads only the header');

  await page.locator('#spectrum [part~="topk-accept"]').click();
  await page.waitForFunction(() => {
    const e = document.querySelector('#spectrum');
    return (e.dataset.state === 'done' && e.dataset.topK) || (e.dataset.state === 'error' && !e.dataset.proposal);
  }, null, { timeout: 240_000, polling: 500 });
  const s = await shown(page);
  assert.equal(s.error, null);
  assert.equal(await page.locator('#top-k').inputValue(), String(k), 'the drop zone\'s control follows the click');
  const report = await page.locator('#spectrum').evaluate((e) => e.report);
  const cli = cliJson('analyze', wide, '--top', String(k));
  assert.equal(report.eigenvalues.length, k);
  assert.equal(report.top_k.passes, cli.top_k.passes);
  // Both are Ritz values, each within its residual r_i of an eigenvalue (METHODS, Top-k
  // spectra): equal to 1e-8 relative, or else within the sum of the two residuals (the deep
  // values past the cliff converge to the stopping rule's r_i ≤ 1e-5·θ_i, not to 1e-8).
  let outside = 0;
  report.eigenvalues.forEach((g, i) => {
    const c = cli.eigenvalues[i];
    if (relErr(g, c) <= 1e-8) return;
    outside += 1;
    assert.ok(Math.abs(g - c) <= report.top_k.residuals[i] + cli.top_k.residuals[i],
      `λ_${i + 1}: page ${g}, CLI ${c}, residuals ${report.top_k.residuals[i]}, ${cli.top_k.residuals[i]}`);
  });
  // The fit's ranks (11…128 and beyond) are among those equal to 1e-8.
  report.eigenvalues.slice(0, 128).forEach((g, i) => assert.ok(relErr(g, cli.eigenvalues[i]) <= 1e-8,
    `λ_${i + 1}: page ${g}, CLI ${cli.eigenvalues[i]}`));
  assert.ok(Math.abs(report.alpha_fit.alpha - cli.alpha_fit.alpha) <= 1e-6,
    `α: page ${report.alpha_fit.alpha}, CLI ${cli.alpha_fit.alpha}`);
  assert.match(s.caption, new RegExp(`only the top ${k} of 16,384 eigenvalues computed \\(${cli.top_k.passes} passes`));
  assert.match(s.caption, /participation ratio ≥ [\d.]+, ≤ [\d.]+ · effective rank ≥ [\d.]+, ≤ [\d.]+ · k₉₀ ≥ \d+, ≤ \d+/);
  const { wasmBytes } = await page.evaluate(() => window.eigenlensStats);
  console.log(`D = ${COLS}, N = ${ROWS}, top ${k}: ${report.top_k.passes} passes, wasm ${(wasmBytes / 2 ** 20).toFixed(0)} MiB, ` +
    `${outside} values equal to the CLI's within the residuals but not to 1e-8`);
  assert.ok(wasmBytes > 0 && wasmBytes < 2 ** 30, `wasm memory ${wasmBytes} B (max over workers)`);
});

test('a small file with top set gives the full solver\'s top k', { timeout: 120_000 }, async () => {
  const { page } = ctx;
  await page.locator('#top-k').fill('');
  await page.locator('#top-k').dispatchEvent('change');
  await page.setInputFiles('#file', small);
  await page.waitForFunction(() => {
    const e = document.querySelector('#spectrum');
    return e.report?.source?.name === 'small_3000x96.f32.npy' && e.dataset.state === 'done' && !e.dataset.topK;
  }, null, { timeout: 60_000 });
  const full = await page.locator('#spectrum').evaluate((e) => e.report.eigenvalues);
  await page.locator('#top-k').fill('20');
  await page.locator('#top-k').dispatchEvent('change');
  await page.waitForFunction(() => {
    const e = document.querySelector('#spectrum');
    return e.dataset.state === 'done' && e.dataset.topK === '20';
  }, null, { timeout: 60_000 });
  const top = await page.locator('#spectrum').evaluate((e) => e.report);
  assert.equal(top.eigenvalues.length, 20);
  top.eigenvalues.forEach((g, i) => assert.ok(relErr(g, full[i]) <= 1e-8, `λ_${i + 1}: top k ${g}, full ${full[i]}`));
  assert.equal(top.top_k.converged, true);
  const pr = top.top_k.bounds.participation_ratio;
  assert.ok(pr.low <= pr.high);
});

test('a top-k analysis can be cancelled mid-pass, and the element says so', { timeout: 240_000 }, async () => {
  const { page } = ctx;
  await page.locator('#top-k').fill('');
  await page.locator('#top-k').dispatchEvent('change');
  await page.setInputFiles('#file', wide);
  await page.waitForFunction(() => document.querySelector('#spectrum').dataset.proposal, null, { timeout: 60_000 });
  await page.locator('#spectrum [part~="topk-accept"]').click();
  // Cancel once the status line says a pass is under way.
  await page.waitForFunction(() => /pass \d+ of at most \d+/.test(
    document.querySelector('#spectrum').shadowRoot.querySelector('[part~="status"]')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.locator('#spectrum').evaluate((e) => e.abortJob());
  await page.waitForFunction(() => document.querySelector('#spectrum').dataset.state === 'error', null, { timeout: 30_000 });
  assert.match((await shown(page)).error, /Cancelled reading wide_512x16384\.f32\.npy/);
});
