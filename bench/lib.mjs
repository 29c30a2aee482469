// Shared pieces of the benchmarks: test files made by NumPy, and timing the CLI, the page and
// NumPy on one file. Benchmarks measure; they never assert.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPage, ROOT } from '../tests/e2e/browser.mjs';
import { mainSettled } from '../tests/e2e/in-page.mjs';

export { ROOT };
export const OUT = join(ROOT, 'bench', 'out');

/** The bench's own Python with NumPy and threadpoolctl (bench/setup-numpy.sh makes it). */
export const PYTHON = join(ROOT, 'bench', '.venv', 'bin', 'python');

/**
 * The environment for a NumPy child with `threads` BLAS threads, as a user's install runs it:
 * without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (set on these machines as a workaround for old
 * OpenBLAS builds; inherited, they pin OpenBLAS to its Haswell kernel). The rest of the bench
 * keeps them.
 */
export function numpyEnv(threads) {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/**
 * What NumPy runs on: threadpoolctl.threadpool_info() in the NumPy environment (OpenBLAS kernel
 * `architecture`, version, threads) and the CPU model from /proc/cpuinfo.
 */
export function numpyMachine() {
  const info = JSON.parse(execFileSync(PYTHON, ['-c', `
import json, numpy, threadpoolctl
print(json.dumps({"numpy": numpy.__version__, "threadpool_info": threadpoolctl.threadpool_info()}))`],
  { env: numpyEnv(2) }).toString());
  let cpu = null;
  try {
    cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? null;
  } catch { /* not Linux */ }
  return { cpu_model: cpu, ...info };
}

/** `--name value` from the command line, as a number, or `dflt`. */
export const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
export const flag = (name) => process.argv.includes(`--${name}`);

/**
 * An f32 .npy of a Gaussian code with λₙ ∝ n^-1.5 in the unit basis, written by NumPy a block
 * of rows at a time through a memory map (so a file larger than memory can be made), once.
 */
export function gaussianNpy(rows, cols) {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `gauss_${rows}x${cols}.f32.npy`);
  if (!existsSync(file)) {
    execFileSync(PYTHON, ['-c', `
import numpy as np
rng = np.random.default_rng(0)
scale = (np.arange(1, ${cols} + 1) ** -0.75).astype(np.float32)
m = np.lib.format.open_memmap(${JSON.stringify(file + '.part')}, mode='w+', dtype='<f4', shape=(${rows}, ${cols}))
step = max(1, (1 << 24) // ${cols})
for a in range(0, ${rows}, step):
    b = min(${rows}, a + step)
    m[a:b] = rng.standard_normal((b - a, ${cols}), dtype=np.float32) * scale
m.flush()
del m
import os; os.replace(${JSON.stringify(file + '.part')}, ${JSON.stringify(file)})`], { stdio: 'inherit' });
  }
  return file;
}

/** Runs a command and returns [seconds, stdout, peak resident memory of the child in bytes]. */
export function timed(cmd, args, env = process.env) {
  const script = `
import resource, subprocess, sys, time
t = time.perf_counter()
out = subprocess.run(sys.argv[1:], check=True, capture_output=True).stdout
dt = time.perf_counter() - t
sys.stdout.buffer.write(b'%r %d\\n' % (dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024) + out)`;
  const raw = execFileSync('python3', ['-c', script, cmd, ...args], { env, maxBuffer: 1 << 30 }).toString();
  const nl = raw.indexOf('\n');
  const [s, rss] = raw.slice(0, nl).split(' ').map(Number);
  return [s, raw.slice(nl + 1), rss];
}

/** The CLI on `file`: [seconds, report, peak RSS bytes]. */
export function timeCli(file) {
  const [s, out, rss] = timed(join(ROOT, 'target', 'release', 'eigenlens'), ['analyze', file, '--json']);
  return [s, JSON.parse(out), rss];
}

/** NumPy (np.load + np.cov + eigvalsh) with `threads` BLAS threads: [seconds, peak RSS]. */
export function timeNumpy(file, threads) {
  const [, out, rss] = timed(PYTHON, ['-c', `
import time, numpy as np
t = time.perf_counter()
x = np.load(${JSON.stringify(file)})
c = np.cov(x, rowvar=False)
lam = np.linalg.eigvalsh(c)[::-1]
print(time.perf_counter() - t)`], numpyEnv(threads));
  return [Number(out.trim()), rss];
}

/**
 * The page end to end in headless Chromium: file chosen → α shown. Returns
 * { seconds, alpha, wasmBytes, longTasks } (main-thread long tasks over 50 ms, in ms).
 */
export async function timePage(file) {
  const { page, close } = await openPage();
  try {
    await page.waitForFunction(mainSettled, null, { timeout: 120_000 });
    await page.evaluate(() => {
      window.longTasks = [];
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.longTasks.push(e.duration); })
        .observe({ type: 'longtask' });
    });
    const t0 = Date.now();
    await page.setInputFiles('#file', file);
    await page.waitForFunction((name) => {
      const e = document.querySelector('#spectrum');
      return (e.report?.source?.name === name && !e.hasAttribute('data-busy')) || e.dataset.state === 'error'
        || !document.querySelector('#error').hidden;
    }, file.split('/').pop(), { timeout: 3_600_000, polling: 50 });
    const seconds = (Date.now() - t0) / 1000;
    if (!(await page.locator('#error').isHidden())) throw new Error(await page.locator('#error').textContent());
    const failed = page.locator('#spectrum [part~="error"]');
    if (await failed.count() && await failed.first().isVisible()) throw new Error(await failed.first().textContent());
    const alpha = Number((await page.locator('#spectrum [part~="alpha"]').first().textContent()).match(/-?\d+(\.\d+)?/)?.[0]);
    const wasmBytes = await page.evaluate(() => window.eigenlensStats.wasmBytes);
    const longTasks = await page.evaluate(() => window.longTasks);
    return { seconds, alpha, wasmBytes, longTasks };
  } finally {
    await close();
  }
}
