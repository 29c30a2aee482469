// Benchmark (not a test): the top-k path (issue 16) through the CLI at D = 8192, 16 384 and
// 32 768: time, passes, largest residual and peak resident memory, against the full solver
// (moments + dense eigenvalues) where it fits (D = 8192). The files are Gaussian codes with
// λₙ ∝ n^-1.5 made once by NumPy in bench/out/ (lib.mjs).
//
//   node bench/topk.mjs [--rows 4096] [--top 100] [--full-max 8192]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arg, gaussianNpy, timed, ROOT } from './lib.mjs';

const rows = arg('rows', 4096);
const k = arg('top', 100);
const fullMax = arg('full-max', 8192);
// EIGENLENS_BIN: another build of the CLI (default: the release build).
const cli = process.env.EIGENLENS_BIN ?? join(ROOT, 'target', 'release', 'eigenlens');
const mib = (b) => (b / 2 ** 20).toFixed(0);
const results = [];
console.log(`N = ${rows} rows, top k = ${k}\n| D | path | seconds | passes | max residual (rel.) | peak RSS |\n|---|---|---|---|---|---|`);
for (const cols of [8192, 16384, 32768]) {
  const file = gaussianNpy(rows, cols);
  const [s, out, rss] = timed(cli, ['analyze', file, '--top', String(k), '--json']);
  const r = JSON.parse(out);
  const t = r.top_k;
  const row = { cols, rows, k, path: 'cli --top', seconds: s, passes: t.passes, converged: t.converged,
    max_relative_residual: t.max_relative_residual, peak_rss_bytes: rss, alpha: r.alpha_fit.alpha,
    lambda1: r.eigenvalues[0], lambda_k: r.eigenvalues[k - 1] };
  results.push(row);
  console.log(`| ${cols} | CLI --top ${k} | ${s.toFixed(1)} | ${t.passes} | ${t.max_relative_residual.toExponential(1)} | ${mib(rss)} MiB |`);
  if (cols <= fullMax) {
    const [fs, fout, frss] = timed(cli, ['analyze', file, '--json']);
    const f = JSON.parse(fout);
    const worst = r.eigenvalues.reduce((m, v, i) => Math.max(m, Math.abs(v - f.eigenvalues[i]) / f.eigenvalues[i]), 0);
    results.push({ cols, rows, path: 'cli full', seconds: fs, peak_rss_bytes: frss, alpha: f.alpha_fit.alpha,
      top_k_worst_relative_difference: worst });
    console.log(`| ${cols} | CLI full | ${fs.toFixed(1)} | 1 | top ${k} within ${worst.toExponential(1)} of --top | ${mib(frss)} MiB |`);
  }
}
writeFileSync(join(ROOT, 'bench', `topk-results-${rows}.json`), JSON.stringify(results, null, 2));
