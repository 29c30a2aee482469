// Time to α from a moments file (issue 14): a D-unit layer's moments (count, mean, D × D
// scatter) written once by `eigenlens moments`, then analysed by the CLI and by the page (from
// choosing the file to α on screen). The file's size is D²·8 bytes plus a little, whatever N.
//   node bench/moments.mjs [--cols 4096] [--rows 8192]
// Benchmarks measure; they never assert. Writes bench/moments-results.json.
import { writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { arg, gaussianNpy, timed, OUT, ROOT } from './lib.mjs';
import { openPage } from '../tests/e2e/browser.mjs';
import { mainSettled } from '../tests/e2e/in-page.mjs';

const cols = arg('cols', 4096);
const rows = arg('rows', 8192);
const cli = join(ROOT, 'target', 'release', 'eigenlens');
const npy = gaussianNpy(rows, cols);
const moments = join(OUT, `moments_${rows}x${cols}.safetensors`);

const [writeSeconds] = timed(cli, ['moments', npy, '--out', moments, '--layer', 'bench']);
const bytes = statSync(moments).size;
const [cliSeconds, out, cliRss] = timed(cli, ['analyze', moments, '--json']);
const cliAlpha = JSON.parse(out).alpha_fit.alpha;
const [rowsSeconds] = timed(cli, ['analyze', npy, '--json']);

const { page, close } = await openPage();
let pageSeconds, pageAlpha, wasmBytes;
try {
  await page.waitForFunction(mainSettled, null, { timeout: 120_000 });
  const t0 = Date.now();
  await page.setInputFiles('#file', moments);
  await page.waitForFunction((d) => {
    const e = document.querySelector('#spectrum');
    const r = e.report; // the demo may have the same width: wait for the moments file's report
    return (r?.source?.dtype === 'moments' && r.n_cols === d && !e.hasAttribute('data-busy')) || e.dataset.state === 'error';
  }, cols, { timeout: 3_600_000, polling: 50 });
  pageSeconds = (Date.now() - t0) / 1000;
  pageAlpha = await page.evaluate(() => document.querySelector('#spectrum').report?.alpha_fit.alpha ?? null);
  wasmBytes = await page.evaluate(() => window.eigenlensStats.wasmBytes);
} finally {
  await close();
}

const result = {
  cpu: cpus()[0]?.model, cores: cpus().length, rows, cols, moments_bytes: bytes,
  cli_write_moments_s: writeSeconds, cli_analyze_moments_s: cliSeconds, cli_analyze_moments_rss: cliRss,
  cli_analyze_rows_s: rowsSeconds, page_moments_to_alpha_s: pageSeconds, page_wasm_bytes: wasmBytes,
  alpha_cli: cliAlpha, alpha_page: pageAlpha,
};
console.log(`moments file for D = ${cols} (from N = ${rows} rows): ${(bytes / 2 ** 20).toFixed(1)} MiB`);
console.log('| step | seconds |\n|---|---|');
console.log(`| CLI: write the moments file | ${writeSeconds.toFixed(2)} |`);
console.log(`| CLI: α from the moments file | ${cliSeconds.toFixed(2)} |`);
console.log(`| CLI: α from the rows (.npy) | ${rowsSeconds.toFixed(2)} |`);
console.log(`| page: α from the moments file | ${pageSeconds.toFixed(2)} |`);
console.log(`α: CLI ${cliAlpha}, page ${pageAlpha}; page wasm memory ${(wasmBytes / 2 ** 20).toFixed(0)} MiB`);
writeFileSync(join(ROOT, 'bench', 'moments-results.json'), JSON.stringify(result, null, 2) + '\n');
