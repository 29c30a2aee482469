// Exports against the BUILT dist/ served from a sub-path: SVG that parses as SVG with α in it,
// PNG at twice the on-screen size, JSON whose eigenvalues round-trip exactly, CSV, and embed
// code that, pasted into a fresh page, renders the same figure. For an element and the main page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openSite, postHead, data, settledMain } from './browser.mjs';

const reference = JSON.parse(readFileSync(data('reference.json'), 'utf8'));
const H1 = reference.matrices['digits_mlp/plain_h1_test'];
let ctx;

before(async () => { ctx = await openSite({ prefix: '/blog/post/', path: 'embed.html' }); });
after(async () => { await ctx?.close(); });

/** Clicks an export button and returns {name, bytes} of the file the page saved. */
async function exported(page, button) {
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  return { name: download.suggestedFilename(), bytes: readFileSync(await download.path()) };
}

/** What the browser's own SVG parser makes of `text`. */
const parseSvg = (page, text) => page.evaluate((t) => {
  const doc = new DOMParser().parseFromString(t, 'image/svg+xml');
  return { root: doc.documentElement.localName, ns: doc.documentElement.namespaceURI, error: doc.querySelector('parsererror')?.textContent ?? null,
    text: doc.documentElement.textContent, width: doc.documentElement.getAttribute('width') };
}, text);

/** Width and height from a PNG's IHDR chunk. */
const pngSize = (bytes) => {
  assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], 'PNG signature');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
};

const waitDone = (page, sel = 'eigenlens-spectrum') => page.waitForFunction((s) =>
  [...document.querySelectorAll(s)].every((e) => e.dataset.state === 'done'), sel, { timeout: 60_000 });

test('an element\'s exports: SVG with α, PNG at 2×, JSON exact, CSV', async () => {
  const { page } = ctx;
  await waitDone(page);
  const el = page.locator('eigenlens-spectrum').first();
  const button = (name) => el.locator(`[part~="toolbar"] [data-export="${name}"]`);

  const svg = await exported(page, button('svg'));
  assert.equal(svg.name, 'plain_h1_test.f32.spectrum.svg');
  const parsed = await parseSvg(page, svg.bytes.toString('utf8'));
  assert.equal(parsed.error, null);
  assert.equal(parsed.root, 'svg');
  assert.equal(parsed.ns, 'http://www.w3.org/2000/svg');
  assert.match(parsed.text, /α = 2\.394 \(stringer, n = 11…128\)/);
  assert.doesNotMatch(svg.bytes.toString('utf8'), /var\(--/, 'colours resolved: the file stands alone');

  const png = await exported(page, button('png'));
  assert.equal(png.name, 'plain_h1_test.f32.spectrum.png');
  const onScreen = await el.evaluate((e) => {
    const r = e.shadowRoot.querySelector('[part~="plot"] svg').getBoundingClientRect();
    return { width: r.width, height: r.height };
  });
  const twice = { width: Math.round(2 * onScreen.width), height: Math.round(2 * onScreen.height) };
  assert.deepEqual(pngSize(png.bytes), twice);

  const json = await exported(page, button('json'));
  const text = json.bytes.toString('utf8');
  const exact = await el.evaluate((e, t) => {
    const r = e.report, back = JSON.parse(t);
    return {
      n: back.eigenvalues.length,
      same: back.eigenvalues.length === r.eigenvalues.length
        && back.eigenvalues.every((v, i) => Object.is(v, r.eigenvalues[i])),
      alpha: Object.is(back.alpha_fit.alpha, r.alpha_fit.alpha),
      keys: Object.keys(r).every((k) => k in back),
    };
  }, text);
  assert.deepEqual(exact, { n: 256, same: true, alpha: true, keys: true });
  // …and they are NumPy's eigenvalues (to the core's documented 1e-8·λ₁).
  const back = JSON.parse(text);
  const npy = readFileSync(data(H1.eigenvalues_npy));
  const start = 10 + npy.readUInt16LE(8);
  assert.match(npy.subarray(10, start).toString('latin1'), /'descr': '<f8'/);
  const numpy = new Float64Array(npy.buffer.slice(npy.byteOffset + start, npy.byteOffset + npy.length));
  assert.equal(numpy.length, 256);
  numpy.forEach((v, i) => assert.ok(Math.abs(v - back.eigenvalues[i]) <= 1e-8 * numpy[0], `λ${i + 1}`));

  const csv = (await exported(page, button('csv'))).bytes.toString('utf8');
  const lines = csv.trim().split('\n');
  assert.match(lines.find((l) => l.startsWith('# fit:')), /estimator=stringer rank_lo=11 rank_hi=128 valid=true alpha=2\.394/);
  const table = lines.filter((l) => !l.startsWith('#'));
  assert.equal(table[0], 'rank,eigenvalue,in_fit,fitted');
  assert.equal(table.length, 257);
  const rows = table.slice(1).map((l) => l.split(','));
  assert.ok(rows.every((r, i) => Number(r[0]) === i + 1 && Object.is(Number(r[1]), back.eigenvalues[i])), 'CSV eigenvalues exact');
  assert.equal(rows.filter((r) => r[2] === '1').length, 118);
});

test('the copied embed code, pasted into a fresh page, renders the same figure', async () => {
  const { page, context, base, html } = ctx;
  const el = page.locator('eigenlens-spectrum').first();
  // Settings other than the defaults, chosen in the element's own controls.
  await el.locator('select[name="estimator"]').selectOption('ols');
  await el.locator('input[name="lo"]').fill('5');
  await el.locator('input[name="hi"]').fill('200');
  await el.locator('input[name="hi"]').press('Enter');
  await page.waitForFunction(() => /\(ols, n = 5…128\)/.test(document.querySelector('eigenlens-spectrum').shadowRoot.querySelector('[part~="detail"]').textContent));
  const before = await el.evaluate((e) => ({ alpha: e.dataset.alpha, label: e.shadowRoot.querySelector('.alpha-label').textContent }));

  await el.locator('[data-export="embed"]').click();
  await el.locator('[part~="toolbar"] [role="status"]').filter({ hasText: /copied/ }).waitFor();
  const clip = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(await el.locator('[part~="embed-code"]').inputValue(), clip, 'the code is also shown, read-only');
  // Paths on the site, never its origin (issue 12 item 15): they work from a post at any depth.
  const path = new URL(base).pathname;
  assert.equal(clip, `<script type="module" src="${path}eigenlens.js"></script>\n` +
    `<eigenlens-spectrum src="${path}data/plain_h1_test.f32.npy" estimator="ols" lo="5" hi="200" label="hidden layer 1"></eigenlens-spectrum>`);
  assert.doesNotMatch(clip, /https?:|127\.0\.0\.1/);

  await html('drafts/fresh.html', `${postHead()}<body><p>Pasted:</p>\n${clip}\n</body></html>`);
  const fresh = await context.newPage();
  await fresh.goto(`${base}drafts/fresh.html`);
  await waitDone(fresh);
  const after = await fresh.locator('eigenlens-spectrum').evaluate((e) => ({ alpha: e.dataset.alpha, label: e.shadowRoot.querySelector('.alpha-label').textContent }));
  assert.deepEqual(after, before);
  await fresh.close();
});

test('the main page exports its figures and results, and its embed code names paths on the site, never its origin', async () => {
  const { context, base } = ctx;
  const page = await context.newPage();
  await page.goto(`${base}index.html`);
  await settledMain(page);
  await page.setInputFiles('#file', data('digits_mlp/plain_h1_test.f32.npy'));
  await page.waitForFunction(() => document.querySelector('#spectrum').report?.source?.name === 'plain_h1_test.f32.npy', null, { timeout: 60_000 });
  await settledMain(page);

  const bar = page.locator('#spectrum [part~="toolbar"]');
  const svg = await exported(page, bar.locator('[data-export="svg"]'));
  assert.equal(svg.name, 'plain_h1_test.f32.spectrum.svg');
  const parsed = await parseSvg(page, svg.bytes.toString('utf8'));
  assert.equal(parsed.error, null);
  assert.match(parsed.text, /α = 2\.394/);
  const cumulativeBar = page.locator('#result > .plots .exports');
  const cumulative = await parseSvg(page, (await exported(page, cumulativeBar.locator('[data-export="svg"]'))).bytes.toString('utf8'));
  assert.equal(cumulative.error, null);
  assert.match(cumulative.text, /k₉₀ = 10/);

  for (const [button, figure] of [[bar, '#spectrum [part~="plot"] svg'], [cumulativeBar, '#cumulative-plot svg']]) {
    const png = pngSize((await exported(page, button.locator('[data-export="png"]'))).bytes);
    const r = await page.locator(figure).boundingBox();
    assert.deepEqual(png, { width: Math.round(2 * r.width), height: Math.round(2 * r.height) });
  }

  const json = JSON.parse((await exported(page, bar.locator('[data-export="json"]'))).bytes.toString('utf8'));
  assert.equal(json.alpha_fit.alpha.toFixed(4), H1.alpha_fit_stringer.alpha.toFixed(4));
  assert.equal(json.eigenvalues.length, 256);
  const csv = (await exported(page, bar.locator('[data-export="csv"]'))).bytes.toString('utf8');
  assert.equal(csv.split('\n').filter((l) => /^\d/.test(l)).length, 256);

  await bar.locator('[data-export="embed"]').click();
  await page.locator('#spectrum [part~="embed-code"]').waitFor();
  const code = await page.locator('#spectrum [part~="embed-code"]').inputValue();
  assert.equal(code, `<script type="module" src="${new URL(base).pathname}eigenlens.js"></script>\n` +
    '<eigenlens-spectrum src="plain_h1_test.f32.npy" estimator="stringer" lo="11" hi="500"></eigenlens-spectrum>');
  assert.doesNotMatch(code, /https?:|127\.0\.0\.1/, 'never the tool\'s own origin (issue 12 item 15)');
  assert.match(await bar.locator('.export-status').textContent(), /where this site serves eigenlens\.js; keep plain_h1_test\.f32\.npy next to the post/);
  assert.deepEqual(ctx.consoleErrors, []);
  assert.deepEqual(ctx.requests.filter((u) => !u.startsWith(base) && !/^(blob|data):/.test(u)), [], 'no request left the site (exports are Blob URLs)');
  await page.close();
});

test('the guide says where the script and the file go on a blog', async () => {
  const { context, base } = ctx;
  const page = await context.newPage();
  await page.goto(`${base}embed.html`);
  const guide = await page.locator('#copy-embed-guide').textContent();
  assert.match(guide, /paths on this site, never its address/);
  assert.match(await page.locator('#copy-embed-guide + ul').textContent(), /\/eigenlens\/eigenlens\.js/);
  await page.close();
});
