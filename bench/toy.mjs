// Benchmark (not a test): the toy model's full default sweep (n = 20, m = 5, 20 sparsities ×
// 10 000 steps, batch 1024) trained in the page (headless Chromium, its worker pool) and by the
// CLI, timed side by side; the page's numbers are checked equal to the CLI's.
//
//   node bench/toy.mjs
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPage, ROOT } from '../tests/e2e/browser.mjs';

const cliStart = process.hrtime.bigint();
const cli = JSON.parse(execFileSync(join(ROOT, 'target', 'release', 'eigenlens'), ['toy', '--json'], { maxBuffer: 1 << 28 }).toString());
const cliSeconds = Number(process.hrtime.bigint() - cliStart) / 1e9;

const { page, close } = await openPage('toy.html');
const workers = await page.evaluate(() => Math.min(navigator.hardwareConcurrency || 2, 4));
await page.click('#toy-train');
await page.waitForSelector('#toy-result[data-state="done"]', { timeout: 1_800_000 });
const pageSeconds = Number(await page.locator('#toy-result').getAttribute('data-seconds'));
const shown = await page.locator('#toy-table tbody tr .dims').allTextContents();
await close();

const same = shown.every((v, i) => v === cli.runs[i].dims_per_feature.toFixed(4));
const results = { cli_seconds: cliSeconds, page_seconds: pageSeconds, page_workers: workers, page_equals_cli: same };
writeFileSync(join(ROOT, 'bench', 'toy-results.json'), JSON.stringify(results, null, 2));
console.log(`toy model, full default sweep: CLI ${cliSeconds.toFixed(1)} s (one thread), page ${pageSeconds.toFixed(1)} s (${workers} workers); page = CLI: ${same}`);
