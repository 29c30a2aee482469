// The two wasm builds (scripts/build-wasm.sh): the simd128 build and the relaxed-SIMD build
// (f64x2.relaxed_madd in the scatter and matrix-product kernels) against NumPy on every
// reference matrix, and against each other; and www/simd.js's choice between them.
//
// Node 20's V8 validates relaxed SIMD only with --experimental-wasm-relaxed-simd (measured:
// without it the probe and the relaxed build both fail validation), so the relaxed build runs
// in a child Node with that flag; Chromium ≥ 114 has it on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './wasm.mjs';
import { relaxedSupported, relaxedProbe, wasmUrl } from '../../www/simd.js';

const pkg = join(ROOT, 'www', 'pkg');
const relaxedBytes = readFileSync(join(pkg, 'eigenlens_relaxed_bg.wasm'));

test('simd.js: the probe validates exactly where the relaxed build does', () => {
  assert.equal(relaxedSupported(), WebAssembly.validate(relaxedBytes));
  assert.equal(WebAssembly.validate(readFileSync(join(pkg, 'eigenlens_bg.wasm'))), true);
  // The probe with f64x2.mul and f64x2.add in place of relaxed_madd is valid everywhere: a
  // false from the probe is the instruction, not the module around it.
  const probe = [...relaxedProbe()];
  const i = probe.findIndex((b, k) => b === 0xfd && probe[k + 1] === 0x87 && probe[k + 2] === 0x02);
  const control = [...probe.slice(0, i), 0xfd, 0xf2, 0x01, 0xfd, 0xf0, 0x01, ...probe.slice(i + 3)];
  control[control.indexOf(0x0a) + 1] += 3; // the code section and the body grow by 3 bytes
  control[control.indexOf(0x0a) + 3] += 3;
  assert.equal(WebAssembly.validate(new Uint8Array(control)), true);
  assert.match(String(wasmUrl()), relaxedSupported() ? /eigenlens_relaxed_bg\.wasm$/ : /eigenlens_bg\.wasm$/);
});

// Runs in a Node with relaxed SIMD: both builds on every reference matrix; prints JSON.
const child = `
import { readFileSync } from 'node:fs';
import { loadWasm, analyzePath } from ${JSON.stringify(pathToFileURL(join(ROOT, 'tests', 'wasm', 'wasm.mjs')).href)};
import { relaxedSupported, wasmUrl } from ${JSON.stringify(pathToFileURL(join(ROOT, 'www', 'simd.js')).href)};
const plain = await loadWasm();
const relaxed = await import(${JSON.stringify(pathToFileURL(join(pkg, 'eigenlens.js')).href + '?relaxed')});
await relaxed.default({ module_or_path: readFileSync(wasmUrl()) });
const reference = JSON.parse(readFileSync(${JSON.stringify(join(ROOT, 'tests', 'data', 'reference.json'))}, 'utf8'));
const out = { supported: relaxedSupported(), flags: [plain.relaxedSimd(), relaxed.relaxedSimd()], matrices: {} };
for (const [name, m] of Object.entries(reference.matrices)) {
  const path = ${JSON.stringify(join(ROOT, 'tests', 'data'))} + '/' + m.path;
  const run = (w) => analyzePath(w, path, { fit: { estimator: 'stringer', lo: 11, hi: 500 } });
  const [p, r] = [run(plain), run(relaxed)];
  out.matrices[name] = { plain: p.eigenvalues, relaxed: r.eigenvalues, alpha: [p.alpha_fit.alpha, r.alpha_fit.alpha],
    rank: [p.numerical_rank, r.numerical_rank] };
}
console.log(JSON.stringify(out));
`;

/** A little-endian f64 .npy vector (the reference eigenvalues). */
function npyVector(path) {
  const bytes = readFileSync(path);
  const start = 10 + bytes.readUInt16LE(8);
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + bytes.length));
}

test('relaxed SIMD and simd128 builds: NumPy within 1e-8·λ₁, each other within 1e-12·λ₁', () => {
  const got = JSON.parse(execFileSync(process.execPath,
    ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', child], { maxBuffer: 1 << 28 }).toString());
  assert.equal(got.supported, true, 'the flag turns relaxed SIMD on, and the probe sees it');
  assert.deepEqual(got.flags, [false, true], 'each build says which it is');
  const reference = JSON.parse(readFileSync(join(ROOT, 'tests', 'data', 'reference.json'), 'utf8'));
  let checked = 0;
  for (const [name, m] of Object.entries(reference.matrices)) {
    const want = npyVector(join(ROOT, 'tests', 'data', m.eigenvalues_npy));
    const { plain, relaxed, alpha, rank } = got.matrices[name];
    assert.equal(relaxed.length, want.length, name);
    const worst = (a, b) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));
    assert.ok(worst(relaxed, want) <= 1e-8 * want[0], `${name}: relaxed vs NumPy ${worst(relaxed, want)} > 1e-8·λ₁`);
    assert.ok(worst(relaxed, plain) <= 1e-12 * want[0], `${name}: relaxed vs simd128 ${worst(relaxed, plain)} > 1e-12·λ₁`);
    assert.deepEqual(rank, [m.numerical_rank, m.numerical_rank], name);
    const fit = m.alpha_fit_stringer;
    if (fit.valid) assert.ok(Math.abs(alpha[1] - fit.alpha) <= 1e-6 && Math.abs(alpha[1] - alpha[0]) <= 1e-9, `${name} α`);
    checked++;
  }
  assert.equal(checked, 17);
});
