// Benchmark (not a test): time to α for the same f32 .npy in the page (headless Chromium,
// file chosen → α shown), the native CLI, and NumPy (np.load + np.cov + eigvalsh) with 1 and
// 2 threads, in one run. Prints a table with ratios and writes bench/results.json.
//
//   node bench/bench.mjs [--rows 20000] [--cols 1024]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, statSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { openPage, ROOT } from '../tests/e2e/browser.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const rows = arg('rows', 20000);
const cols = arg('cols', 1024);
const out = join(ROOT, 'bench', 'out');
mkdirSync(out, { recursive: true });
const file = join(out, `gauss_${rows}x${cols}.f32.npy`);

if (!existsSync(file)) {
  // A Gaussian code with λₙ ∝ n^-1.5 in the unit basis: cheap to make, realistic to analyse.
  execFileSync('python3', ['-c', `
import numpy as np
rng = np.random.default_rng(0)
x = rng.standard_normal((${rows}, ${cols}), dtype=np.float32) * (np.arange(1, ${cols} + 1) ** -0.75).astype(np.float32)
np.save(${JSON.stringify(file)}, x)`]);
}

const seconds = (f) => { const t = process.hrtime.bigint(); const r = f(); return [Number(process.hrtime.bigint() - t) / 1e9, r]; };

function numpy(threads) {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  const script = `
import time, numpy as np
t = time.perf_counter()
x = np.load(${JSON.stringify(file)})
c = np.cov(x, rowvar=False)
lam = np.linalg.eigvalsh(c)[::-1]
print(time.perf_counter() - t)`;
  return Number(execFileSync('python3', ['-c', script], { env }).toString().trim());
}

const cli = join(ROOT, 'target', 'release', 'eigenlens');
const [cliTime, cliJson] = seconds(() => JSON.parse(execFileSync(cli, ['analyze', file, '--json'], { maxBuffer: 1 << 28 }).toString()));

const { page, close } = await openPage();
await page.waitForSelector('#result[data-state="done"]', { timeout: 120_000 });
const t0 = Date.now();
await page.setInputFiles('#file', file);
await page.waitForFunction((name) => document.querySelector('#result-name').textContent.includes(name),
  file.split('/').pop(), { timeout: 600_000, polling: 50 });
const pageTime = (Date.now() - t0) / 1000;
const pageAlpha = Number(await page.locator('#alpha-value').textContent());
await close();

const np1 = numpy(1);
const np2 = numpy(2);
const wasm = readFileSync(join(ROOT, 'www', 'pkg', 'eigenlens_bg.wasm'));
const results = {
  file: { rows, cols, bytes: statSync(file).size },
  seconds: { page: pageTime, cli: cliTime, numpy_1_thread: np1, numpy_2_threads: np2 },
  ratio_to_numpy_2_threads: { page: pageTime / np2, cli: cliTime / np2 },
  ratio_to_numpy_1_thread: { page: pageTime / np1, cli: cliTime / np1 },
  alpha: { page: pageAlpha, cli: cliJson.alpha_fit.alpha },
  wasm_bytes: { raw: wasm.length, gzip: gzipSync(wasm, { level: 9 }).length },
};
writeFileSync(join(ROOT, 'bench', 'results.json'), JSON.stringify(results, null, 2));
console.log(`time to α, ${rows} × ${cols} f32 (${(results.file.bytes / 1e6).toFixed(1)} MB)`);
console.log('| path | seconds | × NumPy 1 thread | × NumPy 2 threads |\n|---|---|---|---|');
for (const [k, v] of Object.entries(results.seconds)) {
  console.log(`| ${k} | ${v.toFixed(2)} | ${(v / np1).toFixed(2)} | ${(v / np2).toFixed(2)} |`);
}
console.log(`α page ${pageAlpha}, CLI ${cliJson.alpha_fit.alpha.toFixed(4)}; wasm ${results.wasm_bytes.raw} B raw, ${results.wasm_bytes.gzip} B gzip`);
