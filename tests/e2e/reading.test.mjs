// How a file is read, where eigenlens guesses or reads as stored: the page says what it guessed
// (header, index column, orientation) and each guess is a control beside the drop zone, which
// re-reads the file, goes into the link, and gives the CLI's numbers for the same flags. Files
// from the real writers (tests/data/writers/, written by make_fixtures.py; NumPy's eigenvalues of
// the intended matrices in its expected.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { data, settledMain, openInPage, nextOutcome, shown, pageForTests } from './browser.mjs';
import { cliJson } from './cli.mjs';

const expected = JSON.parse(readFileSync(data('writers/expected.json'), 'utf8')).matrices;
const writers = (name) => data(`writers/${name}`);
const ctx = pageForTests();

const report = () => ctx.page.evaluate(() => document.querySelector('#spectrum').report);
const warnings = () => ctx.page.locator('#warnings').innerText();

/** Sets a drop-zone control (a checkbox when `value` is boolean) and waits for the re-read. */
async function setControl(id, value, want = 'render') {
  const { page } = ctx;
  const outcome = await nextOutcome(page);
  if (typeof value === 'boolean') await page.locator(`#${id}`).setChecked(value);
  else if (await page.locator(`#${id}`).evaluate((e) => e.tagName === 'SELECT')) await page.selectOption(`#${id}`, value);
  else {
    await page.fill(`#${id}`, value);
    await page.locator(`#${id}`).dispatchEvent('change');
  }
  assert.equal(await outcome(), want);
  await settledMain(page);
}

/** Every eigenvalue within 1e-9 (relative to λ₁) of NumPy's. */
function sameEigenvalues(got, want) {
  assert.equal(got.length, want.length);
  const worst = Math.max(...want.map((w, i) => Math.abs(got[i] - w)));
  assert.ok(worst <= 1e-9 * want[0], `worst difference ${worst} (λ₁ = ${want[0]})`);
}

test('pandas to_csv default: the page says it guessed a header and an index column, and the index column is a control', async () => {
  const { page } = ctx;
  assert.equal(await openInPage(page, writers('pandas_default.csv')), 'render');
  let r = await report();
  assert.equal(r.n_cols, 16);
  sameEigenvalues(r.eigenvalues, expected.x.eigenvalues);
  const said = await warnings();
  assert.match(said, /guessed: the first row \(, 0, 1, 2, …\) is a header.*set header to no/);
  assert.match(said, /guessed: the first column is a row index.*set index column to none/);

  await setControl('read-index-col', 'none');
  r = await report();
  assert.equal(r.n_cols, 17, 'the index column read as a unit');
  // The CLI's λ₁ for the same flags, to round-off: natively the scatter fuses its multiply-adds
  // (AVX2+FMA), so the last bits may differ from the wasm's.
  const cliTop = cliJson('analyze', writers('pandas_default.csv'), '--index-col', 'none').eigenvalues[0];
  assert.ok(Math.abs(r.eigenvalues[0] - cliTop) <= 1e-12 * cliTop, `${r.eigenvalues[0]} vs the CLI's ${cliTop}`);
  assert.match(await page.evaluate(() => location.hash), /index_col=none/);
  assert.doesNotMatch(await warnings(), /row index/, 'no guess about the index column once it is set');

  await setControl('read-index-col', '');
  assert.equal((await report()).n_cols, 16);
  assert.doesNotMatch(await page.evaluate(() => location.hash), /index_col/);
});

test('a units × samples .npy: the page hints at the transpose, and the control reads it as NumPy\'s X', async () => {
  const { page } = ctx;
  assert.equal(await openInPage(page, writers('neurons_by_time.npy')), 'render');
  let r = await report();
  assert.deepEqual([r.n_rows, r.n_cols], [16, 128]);
  assert.match(await warnings(), /D = 128 units but only N = 16 rows: .*transpose it/);

  await setControl('read-transpose', true);
  r = await report();
  assert.deepEqual([r.n_rows, r.n_cols], [128, 16]);
  sameEigenvalues(r.eigenvalues, expected.x.eigenvalues);
  assert.match(r.source.flattened, /transpose/);
  assert.match(await page.evaluate(() => location.hash), /transpose=1/);
  await setControl('read-transpose', false);
});

test('an [S, T, H] tensor: skipping the first position gives the CLI\'s --skip-positions 1 and NumPy\'s X[:, 1:]', async () => {
  const { page } = ctx;
  assert.equal(await openInPage(page, writers('tokens.npy')), 'render');
  assert.equal((await report()).n_rows, 8 * 16);
  await setControl('read-skip', '1');
  const r = await report();
  assert.equal(r.n_rows, 8 * 15);
  sameEigenvalues(r.eigenvalues, expected.tokens_skip1.eigenvalues);
  const cli = cliJson('analyze', writers('tokens.npy'), '--skip-positions', '1');
  assert.equal(r.alpha_fit.label, cli.alpha_fit.label);
  await setControl('read-skip', '');
});

test('an [S, T, H] tensor centred per position: NumPy\'s within-position spectrum, and in the link', async () => {
  const { page } = ctx;
  const want = JSON.parse(readFileSync(data('science/centred_positions.json'), 'utf8')).cases;
  assert.equal(await openInPage(page, writers('tokens.npy')), 'render');
  await setControl('pre-centre-positions', true);
  const r = await report();
  assert.equal(r.preprocessing.positions_centred, true);
  sameEigenvalues(r.eigenvalues, want.whole.eigenvalues);
  assert.match(await page.evaluate(() => location.hash), /centre_positions=1/);
  assert.match(await page.locator('#summary').textContent(), /spectrum ofeach position centred/);
  await setControl('read-skip', '1');
  sameEigenvalues((await report()).eigenvalues, want.skip1.eigenvalues);
  await setControl('read-skip', '');
  await setControl('pre-centre-positions', false);
  assert.ok(Math.abs((await report()).total_variance - want.plain_total_variance) < 1e-9 * want.plain_total_variance);
});

test('z-scored units and removed components: the CLI\'s spectrum, and the bootstrap says why it does not run', async () => {
  const { page } = ctx;
  const file = data('digits_mlp/plain_h1_test.f32.npy');
  assert.equal(await openInPage(page, file), 'render');
  await setControl('pre-standardize', true);
  let r = await report();
  let cli = cliJson('analyze', file, '--standardize');
  assert.equal(r.preprocessing.standardized, true);
  assert.ok(Math.abs(r.total_variance - cli.total_variance) <= 1e-9 * cli.total_variance, `${r.total_variance} vs ${cli.total_variance}`);
  assert.equal(r.alpha_fit.label, cli.alpha_fit.label);
  await setControl('pre-standardize', false);

  await setControl('pre-remove-top', '2');
  r = await report();
  cli = cliJson('analyze', file, '--remove-top', '2');
  assert.equal(r.preprocessing.removed_top, 2);
  const sig = (values) => values.map((v) => v.toPrecision(10));
  assert.deepEqual(sig(r.preprocessing.removed_eigenvalues), sig(cli.preprocessing.removed_eigenvalues));
  assert.equal(r.alpha_fit.label, cli.alpha_fit.label);
  assert.equal(await page.locator('#spectrum button.boot-go').isDisabled(), true);
  assert.match(await page.locator('#spectrum [part~="bootstrap-result"]').textContent(), /without z-scoring, removed components or centred positions/);
  assert.match(await page.evaluate(() => location.hash), /remove_top=2/);
  await setControl('pre-remove-top', '');
});

test('a text-table setting on a binary file is refused by name, and clearing it reads the file again', async () => {
  const { page } = ctx;
  assert.equal(await openInPage(page, writers('neurons_by_time.npy')), 'render');
  await setControl('read-header', 'yes', 'error');
  const s = await shown(page);
  assert.match(s.error, /header and index column apply to text tables; 'neurons_by_time\.npy' is a/);
  await setControl('read-header', 'auto');
  assert.equal((await shown(page)).error, null);
});
