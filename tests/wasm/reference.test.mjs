// The wasm build against NumPy on every reference matrix, at the native tests' tolerances:
// eigenvalues within 1e-8·λ₁, α within 1e-6, rank exact. Kernels that differ between
// targets (simd128 scatter, the eigensolver's vectorised loops) must not cost accuracy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWasm, analyzePath, ROOT } from './wasm.mjs';

const data = (rel) => join(ROOT, 'tests', 'data', rel);
const reference = JSON.parse(readFileSync(data('reference.json'), 'utf8'));

/** A little-endian f64 .npy vector (the reference eigenvalues). */
function npyVector(path) {
  const bytes = readFileSync(path);
  const headerLen = bytes.readUInt16LE(8);
  const start = 10 + headerLen;
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + bytes.length));
}

test('wasm: every reference matrix matches NumPy', async () => {
  const wasm = await loadWasm();
  let checked = 0;
  for (const [name, m] of Object.entries(reference.matrices)) {
    for (const estimator of ['stringer', 'ols']) {
      const got = analyzePath(wasm, data(m.path), { fit: { estimator, lo: 11, hi: 500 } });
      const want = npyVector(data(m.eigenvalues_npy));
      assert.equal(got.eigenvalues.length, want.length, name);
      const worst = Math.max(...got.eigenvalues.map((g, i) => Math.abs(g - want[i])));
      assert.ok(worst <= 1e-8 * want[0], `${name}: max |Δλ| = ${worst} > 1e-8·λ₁`);
      assert.equal(got.numerical_rank, m.numerical_rank, name);
      const fit = m[`alpha_fit_${estimator}`];
      assert.equal(got.alpha_fit.valid, fit.valid, name);
      if (fit.valid) assert.ok(Math.abs(got.alpha_fit.alpha - fit.alpha) <= 1e-6, `${name} ${estimator} α`);
      checked++;
    }
  }
  assert.equal(checked, 34);
});
