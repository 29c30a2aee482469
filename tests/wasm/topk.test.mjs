// The wasm top-k solver (src/wasm/topk.rs) driven as the page will drive it: the first pass
// fed to the solver itself, the product passes split over two "workers" (TopKPassWorker on
// each half of the rows, their shares merged by addShare). On the real MiniLM layer (3000 ×
// 384) it must give what the native CLI gives (`eigenlens analyze
// tests/data/minilm/blk5_out_tokens.f32.npy --top 50`: 8 passes, converged) and NumPy's top 50
// (reference.json) within 1e-8 relative, as tests/topk.rs holds the native path to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWasm, ROOT } from './wasm.mjs';

const data = (rel) => join(ROOT, 'tests', 'data', rel);

/** A little-endian .npy (f32 or f64, C order) as [shape, Float64Array]. */
function npy(path) {
  const bytes = readFileSync(path);
  const headerLen = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLen).toString('latin1');
  const shape = header.match(/'shape':\s*\(([^)]*)\)/)[1].split(',').filter((s) => s.trim()).map(Number);
  const body = bytes.buffer.slice(bytes.byteOffset + 10 + headerLen, bytes.byteOffset + bytes.length);
  const values = header.includes("'<f4'") ? new Float32Array(body) : new Float64Array(body);
  return [shape, Float64Array.from(values)];
}

test('wasm top-k: passes split over two workers give the native result', async () => {
  const wasm = await loadWasm();
  const [[n, d], x] = npy(data('minilm/blk5_out_tokens.f32.npy'));
  const want = npy(data('reference/eigenvalues/minilm__blk5_out_tokens.f32.npy'))[1];
  const k = 50;
  const solver = new wasm.TopKSolver(d, k, { fit: { estimator: 'stringer', lo: 11, hi: 500 } });
  const rows = (a, b) => x.subarray(a * d, b * d);
  let done = false;
  while (!done) {
    const input = solver.passInput();
    assert.ok(input, 'a pass is asked for until the solver is done');
    if (solver.passKind() === 0) {
      for (let a = 0; a < n; a += 700) solver.passBlock(rows(a, Math.min(n, a + 700)), Math.min(n, a + 700) - a);
    } else {
      for (const [a, b] of [[0, 1500], [1500, n]]) {
        const worker = new wasm.TopKPassWorker(input);
        worker.addRows(rows(a, b), b - a);
        solver.addShare(worker.share());
        worker.free();
      }
    }
    done = solver.endPass();
  }
  const report = solver.finish();
  const t = report.top_k;
  assert.equal(t.passes, 8, 'the native CLI takes 8 passes at k = 50');
  assert.equal(t.converged, true);
  assert.equal(report.eigenvalues.length, k);
  report.eigenvalues.forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= 1e-8 * want[i], `λ_${i + 1} = ${g} vs ${want[i]}`));
  const pr = t.bounds.participation_ratio;
  assert.ok(pr.low <= pr.high && report.participation_ratio === pr.low);
  assert.throws(() => new wasm.TopKSolver(d, d + 1, {}), /k must be at least 1 and at most/);
  solver.free();
});

// D ≫ N (issue 16, defect (a)): 100 rows of 2000 units, rank C = 99. Before the deflation and
// the shifted Rayleigh–Ritz (src/linalg/topk.rs) the wasm path's tridiagonal QL stopped at its
// iteration cap on the projected matrix. Rows: Park–Miller uniforms (seed 12345, exact in
// doubles), x_ij = (u − 0.5)·(j + 1)^−0.75. Expected values: NumPy, np.linalg.eigvalsh of
// np.cov(x, rowvar=False) on the same rows (the script is in the test's comment below):
//   s = 12345; for i in range(n*d): s = 16807*s % 2147483647; x[i] = s/2147483647
//   x = (x.reshape(n, d) - 0.5) * (np.arange(d) + 1.0)**-0.75
// λ₁…λ₁₀, λ₉₈, λ₉₉ within 1e-8 relative; λ₁₀₀ … λ₁₅₀ are 0 (NumPy: ~3e-18) and must be
// round-off, below λ₁·max(N, D)·ε = 3.4e-14.
test('wasm top-k: 100 rows of 2000 units, k = 150 past the rank, match NumPy', async () => {
  const wasm = await loadWasm();
  const [n, d, k] = [100, 2000, 150];
  const x = new Float64Array(n * d);
  let s = 12345;
  for (let i = 0; i < n * d; i++) {
    s = (16807 * s) % 2147483647;
    x[i] = (s / 2147483647 - 0.5) * ((i % d) + 1) ** -0.75;
  }
  const want = [
    0.07556895377686329, 0.025610370753906042, 0.01820731549438477, 0.011558170777261338, 0.00814268652520989,
    0.0056710405939268405, 0.004468912426625863, 0.004140518713245087, 0.003319040259236322, 0.002802774337399493,
  ];
  const want98 = [9.034721289703555e-5, 8.778469042018935e-5];
  const solver = new wasm.TopKSolver(d, k, {});
  let done = false;
  while (!done) {
    assert.ok(solver.passInput());
    solver.passBlock(x, n);
    done = solver.endPass();
  }
  const report = solver.finish();
  const ev = report.eigenvalues;
  assert.equal(report.top_k.converged, true);
  assert.equal(ev.length, k);
  want.forEach((w, i) => assert.ok(Math.abs(ev[i] - w) <= 1e-8 * w, `λ_${i + 1} = ${ev[i]} vs NumPy ${w}`));
  want98.forEach((w, i) => assert.ok(Math.abs(ev[97 + i] - w) <= 1e-8 * w, `λ_${98 + i} = ${ev[97 + i]} vs ${w}`));
  const floor = want[0] * d * 2.220446049250313e-16;
  for (let i = 99; i < k; i++) assert.ok(Math.abs(ev[i]) <= floor, `λ_${i + 1} = ${ev[i]} should be round-off`);
  solver.free();
});
