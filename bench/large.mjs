// Benchmark (not a test): a 6 GiB f32 .npy at D = 2048 (786 432 rows) through the CLI and the
// page, reporting time and peak memory (CLI: resident set; page: the worker's wasm memory).
// The file is made once by NumPy in bench/out/ (6 GiB of disk).
//
//   node bench/large.mjs [--rows 786432] [--cols 2048]
import { writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { arg, gaussianNpy, timeCli, timePage, ROOT } from './lib.mjs';

const cols = arg('cols', 2048);
const rows = arg('rows', Math.round((6 * 2 ** 30) / (cols * 4)));
const file = gaussianNpy(rows, cols);
const bytes = statSync(file).size;
const [cliSeconds, cli, cliRss] = timeCli(file);
const page = await timePage(file);
const mib = (b) => (b / 2 ** 20).toFixed(1);
const results = {
  file: { rows, cols, bytes },
  cli: { seconds: cliSeconds, peak_rss_bytes: cliRss, alpha: cli.alpha_fit.alpha },
  page: { seconds: page.seconds, wasm_memory_bytes: page.wasmBytes, alpha: page.alpha, long_tasks_ms: page.longTasks },
};
writeFileSync(join(ROOT, 'bench', `large-results-${rows}x${cols}.json`), JSON.stringify(results, null, 2));
console.log(`${rows} × ${cols} f32, ${(bytes / 2 ** 30).toFixed(2)} GiB`);
console.log('| path | seconds | peak memory | α |\n|---|---|---|---|');
console.log(`| CLI | ${cliSeconds.toFixed(1)} | ${mib(cliRss)} MiB resident | ${cli.alpha_fit.alpha.toFixed(4)} |`);
console.log(`| page | ${page.seconds.toFixed(1)} | ${mib(page.wasmBytes)} MiB wasm | ${page.alpha.toFixed(4)} |`);
