// The custom elements and the embedding page in headless Chromium, against the BUILT dist/ served
// from a sub-path (/blog/post/), as on a static host, beyond embed.html's two layers with NumPy's
// α (tests/e2e/flows.test.mjs, in both engines): a post at another depth with a broken src (the
// error shows inside the element), refits on attribute change without re-reading, keyboard use,
// phone width, and settings restored from the URL hash.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, copyFileSync } from 'node:fs';
import { openSite, postHead, data, shown, settledMain, tempFile } from './browser.mjs';

const reference = JSON.parse(readFileSync(data('reference.json'), 'utf8'));
const H1 = reference.matrices['digits_mlp/plain_h1_test'];
const H2 = reference.matrices['digits_mlp/plain_h2_test'];
let ctx;

before(async () => { ctx = await openSite({ prefix: '/blog/post/', path: 'embed.html' }); });
after(async () => { await ctx?.close(); });

/** Waits until every <eigenlens-spectrum> on the page is done or failed; returns what each shows. */
async function settled(page) {
  await page.waitForFunction(() => {
    const els = [...document.querySelectorAll('eigenlens-spectrum')];
    return els.length && els.every((e) => e.dataset.state === 'done' || e.dataset.state === 'error');
  }, null, { timeout: 60_000 });
  return page.evaluate(() => [...document.querySelectorAll('eigenlens-spectrum')].map((e) => {
    const part = (name) => e.shadowRoot.querySelector(`[part~="${name}"]`);
    return {
      id: e.id, state: e.dataset.state, dataAlpha: e.dataset.alpha, alpha: part('alpha').textContent,
      detail: part('detail').textContent, error: part('error').hidden ? null : part('error').textContent,
      svgs: e.shadowRoot.querySelectorAll('[part~="plot"] svg').length, renderedAt: e.renderedAt ?? null,
      label: e.shadowRoot.querySelector('.alpha-label')?.textContent ?? null,
    };
  }));
}

test('a post elsewhere on the site: two layers render, a broken src shows the reason inside the element', async () => {
  const { context, base, html } = ctx;
  await html('2024/05/layers.html', `${postHead('../../eigenlens.js')}<body>
    <h1>My layers</h1>
    <eigenlens-spectrum id="h1" src="../../data/plain_h1_test.f32.npy"></eigenlens-spectrum>
    <eigenlens-spectrum id="h2" src="../../data/plain_h2_test.f32.npy" estimator="stringer" lo="11" hi="500" controls="none"></eigenlens-spectrum>
    <eigenlens-spectrum id="missing" src="../../data/no_such_layer.npy"></eigenlens-spectrum>
    <eigenlens-spectrum id="not-npy" src="../../embed.html"></eigenlens-spectrum>
    <eigenlens-spectrum id="no-src"></eigenlens-spectrum></body></html>`);
  const page = await context.newPage();
  await page.goto(`${base}2024/05/layers.html`);
  const shown = Object.fromEntries((await settled(page)).map((e) => [e.id, e]));
  assert.equal(shown.h1.alpha, H1.alpha_fit_stringer.alpha.toFixed(4));
  assert.equal(shown.h2.alpha, H2.alpha_fit_stringer.alpha.toFixed(4));
  assert.equal(await page.locator('#h2 [part~="controls"]').isHidden(), true, 'controls="none"');
  assert.equal(await page.locator('#h2 [part~="toolbar"]').isHidden(), true);
  assert.equal(await page.locator('#h1 [part~="toolbar"]').isVisible(), true);
  assert.equal(shown.missing.state, 'error');
  assert.equal(shown.missing.error, 'could not fetch no_such_layer.npy: HTTP 404 Not Found');
  assert.equal(shown['not-npy'].state, 'error');
  assert.match(shown['not-npy'].error, /^Could not analyse embed\.html: .*'embed\.html' is not a file type eigenlens reads/);
  assert.match(shown['no-src'].error, /needs a src attribute/);
  // The error is what the reader sees: visible text in a box that is not blank.
  const box = await page.locator('#missing').boundingBox();
  assert.ok(box.height > 20, `error box height ${box.height}`);
  assert.equal(await page.locator('#missing [part~="error"]').isVisible(), true);
  // A fixed src renders.
  await page.locator('#missing').evaluate((e) => e.setAttribute('src', '../../data/plain_h1_test.f32.npy'));
  await page.waitForFunction(() => document.querySelector('#missing').dataset.state === 'done');
  assert.equal(await page.locator('#missing [part~="alpha"]').textContent(), H1.alpha_fit_stringer.alpha.toFixed(4));
  await page.close();
});

test('estimator, lo and hi refit without fetching again; the controls work from the keyboard', async () => {
  const { context, base } = ctx;
  const page = await context.newPage();
  const fetched = [];
  page.on('request', (r) => r.url().endsWith('.npy') && fetched.push(r.url()));
  await page.goto(`${base}embed.html`);
  await settled(page);
  const el = page.locator('eigenlens-spectrum').first();
  const alphaIs = (want) => page.waitForFunction((w) => document.querySelector('eigenlens-spectrum').shadowRoot
    .querySelector('[part~="alpha"]').textContent === w, want);

  await el.evaluate((e) => e.setAttribute('estimator', 'ols'));
  await alphaIs(H1.alpha_fit_ols.alpha.toFixed(4));

  // Keyboard: the estimator select and the range inputs are reachable and change the figure.
  await el.locator('select[name="estimator"]').focus();
  await page.keyboard.press('ArrowUp'); // ols → stringer
  await alphaIs(H1.alpha_fit_stringer.alpha.toFixed(4));
  assert.equal(await el.getAttribute('estimator'), 'stringer', 'the control reflects into the attribute');
  await el.locator('input[name="lo"]').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('4');
  await page.keyboard.press('Tab');
  await el.locator('input[name="hi"]').evaluate((input) => input === input.getRootNode().activeElement || Promise.reject(new Error('Tab did not reach hi')));
  await page.keyboard.press('Control+A');
  await page.keyboard.type('100');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /n = 4…100/.test(document.querySelector('eigenlens-spectrum').shadowRoot.querySelector('[part~="detail"]').textContent));
  assert.equal(await el.getAttribute('lo'), '4');
  assert.equal(await el.getAttribute('hi'), '100');
  assert.deepEqual(fetched.map((u) => u.split('/').pop()).filter((n) => n.startsWith('plain_')).sort(),
    ['plain_h1_test.f32.npy', 'plain_h2_test.f32.npy'], 'each layer fetched once');

  // Every control and the figure carry a label for assistive technology.
  const unlabeled = await el.evaluate((e) => [...e.shadowRoot.querySelectorAll('select, input, button, [role="img"]')]
    .filter((c) => !(c.getAttribute('aria-label') || c.textContent.trim())).map((c) => c.outerHTML));
  assert.deepEqual(unlabeled, []);
  assert.match(await el.locator('[part~="plot"]').getAttribute('aria-label'), /^Eigenspectrum of hidden layer 1 on log-log axes: α = /);
  await page.close();
});

test('phone width (375 px): no horizontal scrolling, figures fit the screen', async () => {
  const { context, base } = ctx;
  const page = await context.newPage({});
  await page.setViewportSize({ width: 375, height: 740 });
  for (const path of ['embed.html', 'index.html']) {
    await page.goto(`${base}${path}`);
    if (path === 'embed.html') await settled(page);
    else await settledMain(page);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), `${path} scrolls sideways`);
    const widths = await page.evaluate(() => [
      ...document.querySelectorAll('#result svg'),
      ...[...document.querySelectorAll('eigenlens-spectrum')].map((e) => e.shadowRoot.querySelector('[part~="plot"] svg')),
    ].map((s) => s.getBoundingClientRect().width));
    assert.ok(widths.length && widths.every((w) => w > 250 && w <= 360), `${path}: figure widths ${widths}`);
  }
  await page.close();
});

test('dark mode: the page and the elements switch palettes', async () => {
  const { context, base } = ctx;
  const page = await context.newPage();
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(`${base}embed.html`);
  await settled(page);
  const colours = await page.evaluate(() => {
    const el = document.querySelector('eigenlens-spectrum');
    const dot = el.shadowRoot.querySelector('[part~="plot"] svg circle');
    return { bg: getComputedStyle(document.body).backgroundColor, dot: getComputedStyle(dot).fill };
  });
  assert.equal(colours.bg, 'rgb(22, 22, 24)');
  assert.equal(colours.dot, 'rgb(86, 180, 233)'); // Okabe–Ito sky blue
  await page.close();
});

/** The palette an element draws with on `page`: its scheme, a dot's fill and the caption's colour. */
const palette = (page, sel = 'eigenlens-spectrum') => page.locator(sel).first().evaluate((e) => ({
  scheme: e.dataset.scheme,
  dot: getComputedStyle(e.shadowRoot.querySelector('[part~="plot"] svg circle')).fill,
  caption: getComputedStyle(e.shadowRoot.querySelector('[part~="caption"]')).color,
}));

const LIGHT = { dot: 'rgb(0, 114, 178)', caption: 'rgb(107, 107, 107)' }; // Okabe–Ito blue, #6b6b6b
const DARK = { dot: 'rgb(86, 180, 233)', caption: 'rgb(160, 160, 160)' }; // sky blue, #a0a0a0

test('an embedded figure follows the host page\'s scheme, not the reader\'s system (issue 12 item 16)', async () => {
  const { context, base, html } = ctx;
  const element = (attrs = '') => `<eigenlens-spectrum src="../data/plain_h1_test.f32.npy" ${attrs}></eigenlens-spectrum>`;
  const pages = {
    'white.html': `<body style="background:#fff;color:#111">${element()}</body>`,
    'plain.html': `<body>${element()}</body>`, // no background, color-scheme normal: the canvas is white
    'dark.html': `<body style="background:#121212;color:#eee">${element()}</body>`,
    'forced.html': `<body style="background:#fff;color:#111">${element('theme="dark"')}</body>`,
    'switch.html': `<style>body.night{background:#101014;color:#ddd}</style><body>${element()}</body>`,
  };
  for (const [name, body] of Object.entries(pages)) await html(`themes/${name}`, `${postHead('../eigenlens.js')}${body}</html>`);
  const open = async (name, scheme) => {
    const page = await context.newPage();
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(`${base}themes/${name}`);
    await page.waitForFunction(() => document.querySelector('eigenlens-spectrum').dataset.state === 'done', null, { timeout: 60_000 });
    return page;
  };
  // A white blog read in system dark mode: light-page colours (not light dots and #a0a0a0 text on white).
  for (const name of ['white.html', 'plain.html']) {
    const page = await open(name, 'dark');
    assert.deepEqual(await palette(page), { scheme: 'light', ...LIGHT }, name);
    await page.close();
  }
  // A dark blog read in system light mode: dark-page colours.
  let page = await open('dark.html', 'light');
  assert.deepEqual(await palette(page), { scheme: 'dark', ...DARK });
  await page.close();
  // theme="dark" forces it.
  page = await open('forced.html', 'light');
  assert.deepEqual(await palette(page), { scheme: 'dark', ...DARK });
  await page.locator('eigenlens-spectrum').evaluate((e) => e.setAttribute('theme', 'light'));
  assert.deepEqual(await palette(page), { scheme: 'light', ...LIGHT });
  await page.close();
  // A blog that switches to dark with a class on <body>: the figure follows.
  page = await open('switch.html', 'light');
  assert.equal((await palette(page)).scheme, 'light');
  await page.evaluate(() => document.body.classList.add('night'));
  await page.waitForFunction(() => document.querySelector('eigenlens-spectrum').dataset.scheme === 'dark');
  assert.deepEqual(await palette(page), { scheme: 'dark', ...DARK });
  await page.close();
});

test('375 px: no page wider than the viewport, with a long file name, the verdict and compare tables (issue 12 item 17)', async () => {
  const { context, base } = ctx;
  const page = await context.newPage();
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto(`${base}index.html`);
  await settledMain(page);
  const long = tempFile(`${'layer_activations_of_a_rather_deep_network_'.repeat(3)}block_11_mlp_output.f32.npy`, new Uint8Array());
  copyFileSync(data('digits_mlp/plain_h1_test.f32.npy'), long);
  await page.setInputFiles('#file', long);
  await page.waitForFunction(() => /block_11/.test(document.querySelector('#spectrum').report?.source?.name ?? ''), null, { timeout: 60_000 });
  await settledMain(page);
  await page.setInputFiles('#compare-files', long);
  await page.waitForSelector('#compare[data-count="1"]', { timeout: 60_000 });
  await page.waitForFunction(() => document.querySelector('#verdict-table').dataset.rows === '1');
  const wide = await page.evaluate(() => {
    const out = { scroll: document.documentElement.scrollWidth };
    for (const sel of ['#spectrum', '#verdict-table', '#compare-table', '#summary', '#sweep-projections', 'footer']) {
      const el = document.querySelector(sel);
      if (el) out[sel] = Math.round(el.getBoundingClientRect().right);
    }
    return out;
  });
  assert.ok(Object.values(wide).every((w) => w <= 375), JSON.stringify(wide));
  await page.goto(`${base}embed.html`);
  await settled(page);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 375, 'embed.html scrolls sideways');
  await page.close();
});

test('a link with settings in the hash restores estimator, range, d and seed; α is that refit', async () => {
  const { context, base } = ctx;
  const page = await context.newPage();
  await page.goto(`${base}index.html#estimator=ols&lo=5&hi=200&d=1&seed=3`);
  await settledMain(page);
  const control = (name) => page.inputValue(`#spectrum [name="${name}"]`);
  assert.equal(await control('estimator'), 'ols');
  assert.equal(await control('lo'), '5');
  assert.equal(await control('hi'), '200');
  assert.equal(await control('preset'), 'custom');
  await page.setInputFiles('#file', data('digits_mlp/plain_h1_test.f32.npy'));
  await page.waitForFunction(() => document.querySelector('#spectrum').report?.source?.name === 'plain_h1_test.f32.npy', null, { timeout: 60_000 });
  await settledMain(page);
  // n_hi is capped at ⌊D/2⌋ = 128 (METHODS.md).
  assert.match((await shown(page)).detail, /^\d\.\d{3} \(ols, n = 5…128\) · 124 points/);

  // The α shown is the OLS fit of log λ on log n over 5…128 of the page's own eigenvalues.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#spectrum [part~="toolbar"] [data-export="json"]')]);
  const report = JSON.parse(readFileSync(await download.path(), 'utf8'));
  const pts = report.eigenvalues.slice(4, 128).map((l, i) => [Math.log(i + 5), Math.log(l)]);
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  const slope = pts.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / pts.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  assert.ok(Math.abs(-slope - report.alpha_fit.alpha) < 1e-9, `${-slope} vs ${report.alpha_fit.alpha}`);
  assert.equal((await shown(page)).alpha, report.alpha_fit.alpha.toFixed(4));

  // Changing a setting rewrites the hash in place, keeping d and seed; the link reproduces the view.
  const historyLength = await page.evaluate(() => history.length);
  await page.locator('#spectrum select[name="estimator"]').selectOption('stringer');
  await page.waitForFunction(() => /\(stringer,/.test(document.querySelector('#spectrum').shadowRoot.querySelector('[part~="detail"]').textContent));
  await page.waitForFunction(() => /estimator=stringer/.test(location.hash));
  const hash = new URLSearchParams((await page.evaluate(() => location.hash)).slice(1));
  assert.deepEqual(Object.fromEntries(hash), { estimator: 'stringer', preset: 'custom', lo: '5', hi: '200', d: '1', seed: '3' });
  assert.equal(await page.evaluate(() => history.length), historyLength, 'replaceState: no history entry');
  const shownStringer = (await shown(page)).alpha;

  // The refit path (the same eigenvalues, refitted) agrees with the fresh analysis.
  await page.locator('#spectrum select[name="estimator"]').selectOption('ols');
  await page.waitForFunction((want) => document.querySelector('#spectrum').shadowRoot.querySelector('[part~="alpha"]').textContent === want,
    report.alpha_fit.alpha.toFixed(4));

  // A new tab with the stringer link, the same file: the same α.
  const other = await context.newPage();
  await other.goto(`${base}index.html#${hash}`);
  await settledMain(other);
  assert.equal(await other.inputValue('#spectrum [name="estimator"]'), 'stringer');
  await other.setInputFiles('#file', data('digits_mlp/plain_h1_test.f32.npy'));
  await other.waitForFunction(() => document.querySelector('#spectrum').report?.source?.name === 'plain_h1_test.f32.npy', null, { timeout: 60_000 });
  await settledMain(other);
  assert.equal((await shown(other)).alpha, shownStringer);

  // Row range, NaN dropping and a preset come back too; a changed hash applies at once.
  await other.goto(`${base}index.html#preset=alpha-req&rows=100:300&drop_nonfinite=1`);
  await other.reload();
  await settledMain(other);
  assert.equal(await other.inputValue('#spectrum [name="preset"]'), 'alpha-req');
  assert.equal(await other.inputValue('#spectrum [name="lo"]'), '11', 'α-ReQ starts at n = 11 (reptrix: np.arange(10, 100), 0-based)');
  assert.equal(await other.inputValue('#spectrum [name="hi"]'), '100');
  assert.equal(await other.inputValue('#row-from'), '100');
  assert.equal(await other.inputValue('#row-to'), '300');
  assert.equal(await other.isChecked('#drop-nonfinite'), true);
  assert.match((await shown(other)).caption, /^f32 \[540, 256\] · 200 × 256 · /, 'the demo read with the link\'s rows');
  await other.evaluate(() => { location.hash = 'estimator=ols&lo=6&hi=60'; });
  await other.waitForFunction(() => /\(ols, n = 6…60\)/.test(document.querySelector('#spectrum').shadowRoot.querySelector('[part~="detail"]').textContent));
  await other.close();
  await page.close();
});
