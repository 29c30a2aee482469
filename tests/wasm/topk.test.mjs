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
