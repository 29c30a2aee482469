// The engine (www/engine.js) in headless Chromium, served straight from www/ (no bundler):
// per-job cancel through an AbortSignal leaves other jobs running, the pool respawns workers
// on demand, the split path (the core's plan, parts, merge) is taken for a large file and
// gives the trace of the covariance, and the 'rules', 'verdict' and 'list' messages answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';
import { ROOT } from './wasm.mjs';

const LAYER = join(ROOT, 'tests', 'data', 'digits_mlp', 'plain_h1_test.f32.npy'); // 540 × 256

async function openEngine() {
  const server = await serve(join(ROOT, 'www'));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.route(`${origin}/engine-test.html`, (r) =>
    r.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>engine</title>' }));
  await page.route(`${origin}/layer.npy`, (r) =>
    r.fulfill({ status: 200, contentType: 'application/octet-stream', body: readFileSync(LAYER) }));
  await page.goto(`${origin}/engine-test.html`);
  await page.evaluate(async () => {
    window.engine = await import('/engine.js');
    const blob = await (await fetch('/layer.npy')).blob();
    window.layer = new File([blob], 'plain_h1_test.f32.npy');
  });
  return { page, errors, close: async () => { await browser.close(); server.close(); } };
}

test('an AbortSignal cancels its own job only; the pool respawns', { timeout: 180_000 }, async () => {
  const { page, errors, close } = await openEngine();
  try {
    const out = await page.evaluate(async () => {
      const { run, poolSize } = window.engine;
      const fit = { estimator: 'stringer', lo: 11, hi: 500 };
      const settle = (p) => p.then((v) => ({ ok: v }), (e) => ({ error: e.message }));
      // A long bootstrap (B = 5000) and an analysis, side by side; a third job waits in the queue.
      const long = new AbortController();
      const queued = new AbortController();
      const boot = settle(run({ type: 'bootstrap', file: window.layer, options: { b: 5000, seed: 1, fit, level: 0.95 } },
        null, { signal: long.signal }));
      const analysis = settle(run({ type: 'analyze', file: window.layer, options: { fit } }));
      const waiting = settle(run({ type: 'bootstrap', file: window.layer, options: { b: 5000, seed: 2, fit } },
        null, { signal: queued.signal }));
      await new Promise((r) => setTimeout(r, 500));
      const t0 = performance.now();
      long.abort();
      queued.abort();
      const cancelled = await boot;
      const cancelMs = performance.now() - t0;
      const [a, w] = await Promise.all([analysis, waiting]);
      // After the cancel, a fresh worker answers; a signal aborted before the start never runs.
      const again = await settle(run({ type: 'analyze', file: window.layer, options: { fit } }));
      const pre = new AbortController();
      pre.abort();
      const before = await settle(run({ type: 'rules' }, null, { signal: pre.signal }));
      return { pool: poolSize(), cancelled, cancelMs, a, w, again, before };
    });
    assert.ok(out.pool >= 2, `pool ${out.pool}`);
    assert.deepEqual(out.cancelled, { error: 'cancelled' });
    assert.ok(out.cancelMs < 1000, `cancel took ${out.cancelMs} ms`);
    assert.deepEqual(out.w, { error: 'cancelled' });
    assert.equal(out.a.ok?.n_rows, 540, JSON.stringify(out.a).slice(0, 200));
    assert.equal(out.again.ok?.n_rows, 540);
    assert.equal(out.again.ok.alpha_fit.alpha, out.a.ok.alpha_fit.alpha);
    assert.deepEqual(out.before, { error: 'cancelled' });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a large file is split by the core plan and merged; rules, verdict, list answer', { timeout: 180_000 },
  async () => {
    const { page, errors, close } = await openEngine();
    try {
      const out = await page.evaluate(async () => {
        const { run, cancel, stats } = window.engine;
        // 20000 × 256 f32 (5.1 M values ≥ two shares of 2²¹): a seeded LCG, column j scaled by j^-0.75.
        const [n, d] = [20000, 256];
        const x = new Float32Array(n * d);
        let s = 12345;
        for (let i = 0; i < x.length; i++) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          x[i] = (s / 2 ** 32 - 0.5) * ((i % d) + 1) ** -0.75;
        }
        let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${n}, ${d}), }`;
        while ((10 + header.length + 1) % 64) header += ' ';
        header += '\n';
        const head = new Uint8Array(10 + header.length);
        head.set([0x93, 78, 85, 77, 80, 89, 1, 0, header.length & 0xff, header.length >> 8]);
        head.set(new TextEncoder().encode(header), 10);
        const file = new File([head, x], 'BIG.NPY');
        // The trace of the covariance: the sum of the column variances, in float64 here.
        let trace = 0;
        for (let j = 0; j < d; j++) {
          let m = 0;
          for (let i = 0; i < n; i++) m += x[i * d + j];
          m /= n;
          let v = 0;
          for (let i = 0; i < n; i++) v += (x[i * d + j] - m) ** 2;
          trace += v / (n - 1);
        }
        let progressed = { rows: 0 };
        const report = await run({ type: 'analyze', file, key: null, options: { fit: { estimator: 'ols', lo: 11, hi: 500 } } },
          (p) => { progressed = p; });
        const workersUsed = stats.workersUsed;
        const rules = await run({ type: 'rules' });
        const verdict = await run({ type: 'verdict', alpha: 2.5, lo: 2.4, hi: 2.6, source: 'plain', d: 1 });
        const list = await run({ type: 'list', file: window.layer });
        const badOptions = await run({ type: 'analyze', file: window.layer, options: { fit: { estimator: 'x', lo: 1, hi: 2 } } })
          .then(() => '', (e) => e.message);
        // cancel() stops everything at once.
        const all = Promise.allSettled([
          run({ type: 'bootstrap', file: window.layer, options: { b: 5000 } }),
          run({ type: 'bootstrap', file: window.layer, options: { b: 5000, seed: 3 } }),
        ]);
        await new Promise((r) => setTimeout(r, 200));
        cancel();
        const stopped = (await all).map((r) => r.reason?.message);
        const sum = report.eigenvalues.reduce((a, b) => a + b, 0);
        return {
          report: { n: report.n_rows, sum, source: report.source, estimator: report.alpha_fit.estimator },
          trace, progressed, workersUsed, rules, verdict, list, badOptions, stopped,
        };
      });
      assert.equal(out.workersUsed, 2, 'the core plan splits 20000 × 256 over 2 workers');
      assert.equal(out.report.n, 20000);
      assert.deepEqual(out.progressed, { done: 20000 * 256 * 4, total: 20000 * 256 * 4, rows: 20000 }, 'progress sums the shares');
      assert.ok(Math.abs(out.report.sum - out.trace) <= 1e-9 * out.trace, `Σλ ${out.report.sum} vs trace ${out.trace}`);
      assert.deepEqual([out.report.source.rows, out.report.source.cols], [20000, 256]);
      assert.equal(out.report.estimator, 'ols');
      assert.deepEqual(out.rules.estimators.map((e) => e.name), ['stringer', 'ols']);
      assert.ok(out.rules.fit_presets.every((p) => 'source' in p && p.lo < p.hi));
      assert.equal(out.verdict.threshold, 3);
      assert.equal(out.verdict.verdict, 'below_bound');
      assert.deepEqual(out.list.map((a) => [a.rows, a.cols]), [[540, 256]]);
      assert.match(out.badOptions, /'fit\.estimator'/);
      assert.deepEqual(out.stopped, ['cancelled', 'cancelled']);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
