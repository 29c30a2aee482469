// Benchmark (not a test): time to α for the same f32 .npy files in the page (headless
// Chromium, file chosen → α shown), the native CLI, and NumPy (np.load + np.cov + eigvalsh)
// with 1 and 2 threads, in one run; then each kernel alone (covariance, eigenvalues,
// eigenvectors) in wasm (Node's V8, as in Chromium), natively and in NumPy. Prints tables with
// ratios and writes bench/results.json.
//
//   node bench/bench.mjs [--rows 50000] [--large] [--kernel-rows 20000] [--sizes 512,1024]
import { execFileSync } from 'node:child_process';
import { writeFileSync, statSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { arg, flag, gaussianNpy, numpyEnv, numpyMachine, timeCli, timeNumpy, timePage, PYTHON, ROOT } from './lib.mjs';
import { loadWasm } from '../tests/wasm/wasm.mjs';

const rows = arg('rows', 50000);
const kernelRows = arg('kernel-rows', 20000);
const sizesArg = process.argv.indexOf('--sizes');
const sizes = sizesArg > 0 ? process.argv[sizesArg + 1].split(',').map(Number) : [512, 1024, 2048, ...(flag('large') ? [4096] : [])];

const numpy = numpyMachine();
const blas = numpy.threadpool_info.find((p) => p.user_api === 'blas') ?? {};
console.log(`CPU ${numpy.cpu_model}; NumPy ${numpy.numpy}, ${blas.internal_api ?? '?'} ${blas.version ?? '?'} kernel ${blas.architecture ?? '?'}, ${blas.num_threads ?? '?'} threads (bench/.venv, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset)`);

const endToEnd = [];
for (const cols of sizes) {
  const file = gaussianNpy(rows, cols);
  const [cli, cliReport] = timeCli(file);
  const page = await timePage(file);
  const [np1] = timeNumpy(file, 1);
  const [np2] = timeNumpy(file, 2);
  endToEnd.push({
    rows, cols, bytes: statSync(file).size,
    seconds: { page: page.seconds, cli, numpy_1_thread: np1, numpy_2_threads: np2 },
    alpha: { page: page.alpha, cli: cliReport.alpha_fit.alpha },
    page_longest_main_thread_task_ms: Math.max(0, ...page.longTasks),
  });
}

/** NumPy's kernels alone, on the same kind of random matrix. */
function numpyKernels(n, d, threads) {
  return JSON.parse(execFileSync(PYTHON, ['-c', `
import json, time, numpy as np
x = np.random.default_rng(1).random((${n}, ${d})) - 0.5
t = time.perf_counter(); c = np.cov(x, rowvar=False); tc = time.perf_counter() - t
t = time.perf_counter(); np.linalg.eigvalsh(c); te = time.perf_counter() - t
t = time.perf_counter(); np.linalg.eigh(c); tv = time.perf_counter() - t
print(json.dumps({"covariance_s": tc, "eigenvalues_s": te, "eigenvectors_s": tv}))`], { env: numpyEnv(threads) }).toString());
}

const wasm = await loadWasm();
const kernels = [];
for (const d of sizes) {
  const native = JSON.parse(execFileSync(join(ROOT, 'target', 'release', 'examples', 'kernels'),
    ['--json', '--rows', String(kernelRows), String(d)]).toString());
  kernels.push({
    n: kernelRows, d,
    wasm: wasm.benchKernels(kernelRows, d, 1n, true),
    native: Array.isArray(native) ? native[0] : native,
    numpy_1_thread: numpyKernels(kernelRows, d, 1),
  });
}

const wasmBytes = readFileSync(join(ROOT, 'www', 'pkg', 'eigenlens_bg.wasm'));
const results = {
  machine: { cores: (await import('node:os')).cpus().length, cpu_model: numpy.cpu_model },
  numpy: { version: numpy.numpy, threadpool_info: numpy.threadpool_info },
  end_to_end: endToEnd,
  kernels,
  wasm_bytes: { raw: wasmBytes.length, gzip: gzipSync(wasmBytes, { level: 9 }).length },
};
writeFileSync(join(ROOT, 'bench', 'results.json'), JSON.stringify(results, null, 2));

const f = (x, p = 2) => (x == null ? '–' : x.toFixed(p));
console.log(`time to α, N = ${rows} f32 rows (seconds; ratio to NumPy with 2 threads)`);
console.log('| D | page | CLI | NumPy 1 thread | NumPy 2 threads | page ÷ NumPy 2t | CLI ÷ NumPy 2t | α page = CLI | longest main-thread task |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of endToEnd) {
  const s = r.seconds;
  console.log(`| ${r.cols} | ${f(s.page)} | ${f(s.cli)} | ${f(s.numpy_1_thread)} | ${f(s.numpy_2_threads)} | ${f(s.page / s.numpy_2_threads)} | ${f(s.cli / s.numpy_2_threads)} | ${r.alpha.page.toFixed(4)} = ${r.alpha.cli.toFixed(4)} | ${r.page_longest_main_thread_task_ms.toFixed(0)} ms |`);
}
console.log(`\nkernels alone, N = ${kernelRows} (seconds; covariance GFLOP/s = N·D²/s; ratio to NumPy 1 thread)`);
console.log('| D | kernel | wasm | native | NumPy 1 thread | wasm ÷ NumPy | native ÷ NumPy |');
console.log('|---|---|---|---|---|---|---|');
for (const k of kernels) {
  for (const [name, key] of [['covariance', 'covariance_s'], ['eigenvalues', 'eigenvalues_s'], ['eigenvectors', 'eigenvectors_s']]) {
    const [w, n, p] = [k.wasm[key], k.native[key], k.numpy_1_thread[key]];
    const extra = name === 'covariance' ? ` (${f(k.wasm.covariance_gflops, 1)} / ${f(k.native.covariance_gflops, 1)} GFLOP/s)` : '';
    console.log(`| ${k.d} | ${name}${extra} | ${f(w)} | ${f(n)} | ${f(p)} | ${f(w / p)} | ${f(n / p)} |`);
  }
}
console.log(`\nwasm ${results.wasm_bytes.raw} B raw, ${results.wasm_bytes.gzip} B gzip`);
