// Benchmark (not a test): the top-k path (issue 16) through the CLI at D = 8192, 16 384 and
// 32 768: time, passes, largest residual and peak resident memory, against the full solver
// (moments + dense eigenvalues) where it fits (D = 8192). The files are Gaussian codes with
// λₙ ∝ n^-1.5 made once by NumPy in bench/out/ (lib.mjs).
//
// With --page, the page too (headless Chromium, the built page: scripts/build-wasm.sh && npx vite
// build) at D = 8192 and 16 384: the same file opened through #file with the drop zone's "top k"
// control set, timed from the file chosen to the spectrum shown; its passes and the largest wasm
// memory of any worker (window.eigenlensStats.wasmBytes).
//
//   node bench/topk.mjs [--rows 4096] [--top 100] [--full-max 8192] [--page] [--page-max 16384] [--cli-max 32768]
//     [--only 32768] (one width; the others' rows in bench/topk-results-N.json are kept)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arg, flag, gaussianNpy, timed, ROOT } from './lib.mjs';
import { openPage } from '../tests/e2e/browser.mjs';
import { mainSettled } from '../tests/e2e/in-page.mjs';

const rows = arg('rows', 4096);
const k = arg('top', 100);
const fullMax = arg('full-max', 8192);
const pageMax = arg('page-max', 16384);
const cliMax = arg('cli-max', 32768);
const only = arg('only', 0);

/** The page's top k of `file`: {seconds, passes, wasmBytes, alpha, eigenvalues}. */
async function pageTopK(file) {
  const { page, close } = await openPage();
  try {
    await page.waitForFunction(mainSettled, null, { timeout: 120_000 });
    await page.locator('#top-k').fill(String(k));
    const t0 = Date.now();
    await page.setInputFiles('#file', file);
    await page.waitForFunction((name) => {
      const e = document.querySelector('#spectrum');
      return (e.report?.source?.name === name && e.dataset.topK && !e.hasAttribute('data-busy')) || e.dataset.state === 'error';
    }, file.split('/').pop(), { timeout: 3_600_000, polling: 100 });
    const seconds = (Date.now() - t0) / 1000;
    const r = await page.evaluate(() => document.querySelector('#spectrum').report);
    if (!r?.top_k) throw new Error(await page.locator('#spectrum').evaluate((e) => e.shadowRoot.querySelector('[part~="error"]').textContent));
    const { wasmBytes } = await page.evaluate(() => window.eigenlensStats);
    return { seconds, passes: r.top_k.passes, wasmBytes, alpha: r.alpha_fit.alpha, eigenvalues: r.eigenvalues,
      max_relative_residual: r.top_k.max_relative_residual };
  } finally {
    await close();
  }
}
// EIGENLENS_BIN: another build of the CLI (default: the release build).
const cli = process.env.EIGENLENS_BIN ?? join(ROOT, 'target', 'release', 'eigenlens');
const mib = (b) => (b / 2 ** 20).toFixed(0);
const results = [];
console.log(`N = ${rows} rows, top k = ${k}\n| D | path | seconds | passes | max residual (rel.) | peak RSS |\n|---|---|---|---|---|---|`);
for (const cols of [8192, 16384, 32768].filter((c) => c <= cliMax && (!only || c === only))) {
  const file = gaussianNpy(rows, cols);
  const [s, out, rss] = timed(cli, ['analyze', file, '--top', String(k), '--json']);
  const r = JSON.parse(out);
  const t = r.top_k;
  const row = { cols, rows, k, path: 'cli --top', seconds: s, passes: t.passes, converged: t.converged,
    max_relative_residual: t.max_relative_residual, peak_rss_bytes: rss, alpha: r.alpha_fit.alpha,
    lambda1: r.eigenvalues[0], lambda_k: r.eigenvalues[k - 1] };
  results.push(row);
  console.log(`| ${cols} | CLI --top ${k} | ${s.toFixed(1)} | ${t.passes} | ${t.max_relative_residual.toExponential(1)} | ${mib(rss)} MiB |`);
  if (flag('page') && cols <= pageMax) {
    const p = await pageTopK(file);
    const worst = p.eigenvalues.reduce((m, v, i) => Math.max(m, Math.abs(v - r.eigenvalues[i]) / r.eigenvalues[i]), 0);
    results.push({ cols, rows, k, path: 'page top', seconds: p.seconds, passes: p.passes, wasm_bytes: p.wasmBytes,
      alpha: p.alpha, max_relative_residual: p.max_relative_residual, worst_relative_difference_from_cli: worst });
    console.log(`| ${cols} | page top ${k} | ${p.seconds.toFixed(1)} | ${p.passes} | ${p.max_relative_residual.toExponential(1)}` +
      ` (λ within ${worst.toExponential(1)} of the CLI) | wasm ${mib(p.wasmBytes)} MiB (max over workers) |`);
  }
  if (cols <= fullMax) {
    const [fs, fout, frss] = timed(cli, ['analyze', file, '--json']);
    const f = JSON.parse(fout);
    const worst = r.eigenvalues.reduce((m, v, i) => Math.max(m, Math.abs(v - f.eigenvalues[i]) / f.eigenvalues[i]), 0);
    results.push({ cols, rows, path: 'cli full', seconds: fs, peak_rss_bytes: frss, alpha: f.alpha_fit.alpha,
      top_k_worst_relative_difference: worst });
    console.log(`| ${cols} | CLI full | ${fs.toFixed(1)} | 1 | top ${k} within ${worst.toExponential(1)} of --top | ${mib(frss)} MiB |`);
  }
}
const out = join(ROOT, 'bench', `topk-results-${rows}.json`);
// With --only, the rows of the other widths already recorded stay.
const kept = only && existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')).filter((r) => r.cols !== only) : [];
writeFileSync(out, JSON.stringify([...kept, ...results], null, 2));
