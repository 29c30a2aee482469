// Moments files in the page (issue 14): a layer reduced where it was produced (count, mean,
// scatter: docs/MOMENTS.md) gives the same spectrum and α as its rows. The shares are written by
// the CLI (`eigenlens moments --rows`) from a reference matrix, chosen together through the
// file input and merged by the core; NumPy's eigenvalues of the whole matrix are the reference
// (tests/data/reference.json, written by tools/numpy_reference.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, data, nextOutcome, openInPage, pageForTests, settledMain } from './browser.mjs';
import { cliJson } from './cli.mjs';

const H1 = JSON.parse(readFileSync(data('reference.json'), 'utf8')).matrices['digits_mlp/plain_h1_test'];
const rows = data(H1.path); // f32 [540, 256]
const ctx = pageForTests();

/** NumPy's eigenvalues of the reference matrix (a 1-D f64 .npy). */
function numpyEigenvalues() {
  const bytes = readFileSync(data(H1.eigenvalues_npy));
  const headerLen = bytes.readUInt16LE(8);
  const body = bytes.subarray(10 + headerLen);
  return Array.from(new Float64Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length)));
}

/** Moments files of rows [a, b) of the reference matrix, written by the CLI. */
function momentsOf(ranges) {
  cliJson('list', rows); // builds the CLI once
  const dir = mkdtempSync(join(tmpdir(), 'eigenlens-moments-'));
  return ranges.map((range, i) => {
    const out = join(dir, `share${i}.safetensors`);
    execFileSync(join(ROOT, 'target', 'release', 'eigenlens'), ['moments', rows, '--rows', range, '--out', out]);
    return out;
  });
}

const report = () => ctx.page.evaluate(() => document.querySelector('#spectrum').report);

/** Chooses several files at once through the drop zone's input; the outcome ('render' or 'error'). */
async function openMany(paths) {
  const { page } = ctx;
  await page.locator('#error').evaluate((e) => { e.hidden = true; e.textContent = ''; });
  const outcome = await nextOutcome(page);
  await page.setInputFiles('#file', paths);
  return outcome();
}

function closeToNumpy(got, want) {
  assert.equal(got.length, want.length);
  const worst = Math.max(...want.map((w, i) => Math.abs(got[i] - w)));
  assert.ok(worst <= 1e-8 * want[0], `worst eigenvalue difference ${worst} (λ₁ = ${want[0]})`);
}

test('one moments file gives the rows’ eigenvalues (within 1e-8·λ₁ of NumPy) and α (within 1e-6 of the CLI on the rows)', async () => {
  const [whole] = momentsOf(['0:540']);
  assert.equal(await openInPage(ctx.page, whole), 'render');
  await settledMain(ctx.page);
  const r = await report();
  assert.equal(r.n_rows, 540);
  assert.equal(r.n_cols, 256);
  closeToNumpy(r.eigenvalues, numpyEigenvalues());
  const cli = cliJson('analyze', rows);
  assert.ok(Math.abs(r.alpha_fit.alpha - cli.alpha_fit.alpha) <= 1e-6, `${r.alpha_fit.alpha} vs ${cli.alpha_fit.alpha}`);
  assert.ok(Math.abs(r.alpha_fit.alpha - H1.alpha_fit_stringer.alpha) <= 1e-6, 'the reference α (NumPy)');
  assert.match(await ctx.page.locator('#warnings').innerText(), /analysed from a moments file/);
});

test('a file the Python package wrote (record + save from a model) gives NumPy’s eigenvalues and the CLI’s α of the activations', async () => {
  const recorded = JSON.parse(readFileSync(data('moments/recorded.json'), 'utf8'));
  assert.equal(await openInPage(ctx.page, data('moments/recorded.safetensors')), 'render');
  await settledMain(ctx.page);
  const r = await report();
  assert.equal(r.n_rows, recorded.n_rows);
  assert.equal(r.source.name, recorded.layer);
  closeToNumpy(r.eigenvalues, recorded.eigenvalues);
  assert.equal(r.alpha_fit.rank_lo, recorded.alpha_cli.rank_lo);
  assert.equal(r.alpha_fit.rank_hi, recorded.alpha_cli.rank_hi);
  assert.ok(Math.abs(r.alpha_fit.alpha - recorded.alpha_cli.alpha) <= 1e-6, `${r.alpha_fit.alpha} vs ${recorded.alpha_cli.alpha}`);
});

test('three shares chosen together are merged: the same eigenvalues and α as one pass over all the rows', async () => {
  const shares = momentsOf(['300:540', '0:120', '120:300']); // any order
  assert.equal(await openMany(shares), 'render');
  await settledMain(ctx.page);
  const r = await report();
  assert.equal(r.n_rows, 540);
  closeToNumpy(r.eigenvalues, numpyEigenvalues());
  assert.ok(Math.abs(r.alpha_fit.alpha - H1.alpha_fit_stringer.alpha) <= 1e-6);
  assert.match(await ctx.page.locator('#warnings').innerText(), /3 moments files merged/);
  const name = await ctx.page.evaluate(() => document.querySelector('#spectrum').dataName());
  assert.equal(name, 'share0.safetensors + 2 more');
});

test('row settings on a moments file are refused, not ignored; a file of rows among several is refused by name', async () => {
  const { page } = ctx;
  const [share] = momentsOf(['0:270']);
  const error = () => page.locator('#spectrum').evaluate((e) => e.shadowRoot.querySelector('.error').textContent);
  const setRowFrom = async (value, want) => {
    const outcome = await nextOutcome(page);
    await page.fill('#row-from', value);
    await page.locator('#row-from').dispatchEvent('change');
    assert.equal(await outcome(), want);
    await settledMain(page);
  };
  assert.equal(await openInPage(page, share), 'render');
  await settledMain(page);
  assert.equal((await report()).n_rows, 270);
  await setRowFrom('10', 'error');
  assert.match(await error(), /a moments file holds no rows: a row range.*apply when the moments are written/);
  await setRowFrom('', 'render');

  assert.equal(await openMany([share, rows]), 'error');
  await settledMain(page);
  assert.match(await error(),
    /plain_h1_test\.f32\.npy: not a moments file; several files are analysed together only when each is a moments file/);
});
