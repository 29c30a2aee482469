// The standalone HTML report (issue 17, part 3): `eigenlens report` writes it for a reference
// matrix; Chromium opens it from file:// and shows the reference α, refits to the OLS reference
// when the estimator changes (in the embedded wasm), and makes no request but file:// itself
// and blob:/data: URLs (Firefox ESR: the same). The page's "Save report" writes the same kind
// of file (download event) with the same α and the bootstrap interval on screen, and that file
// opens offline too.
// Needs the built site (dist/, with the package files in dist/pkg/) and dist-pkg/:
//   bash scripts/build-wasm.sh && npx vite build && npx vite build -c vite.lib.config.js
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import * as chromiumDriver from './drivers/chromium.mjs';
import * as firefoxDriver from './drivers/firefox.mjs';
import { ROOT, data, openSite, settledMain } from './browser.mjs';

const reference = JSON.parse(readFileSync(data('reference.json'), 'utf8'));
const H1 = reference.matrices['digits_mlp/plain_h1_test'];
const STRINGER = H1.alpha_fit_stringer.alpha; // NumPy, weighted 1/n over n = 11…128
const OLS = H1.alpha_fit_ols.alpha; // np.polyfit over the same ranks
const dir = mkdtempSync(join(tmpdir(), 'eigenlens-report-'));

/** `eigenlens report FILE --out OUT` with the package files of dist-pkg/ (release build, once). */
function cliReport(file, out, ...flags) {
  execFileSync('cargo', ['build', '--release', '--quiet', '--bin', 'eigenlens'], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(join(ROOT, 'target', 'release', 'eigenlens'),
    ['report', file, '--out', out, '--assets', join(ROOT, 'dist-pkg'), ...flags]);
  return out;
}

let browser;
after(async () => { await browser?.close(); });

/**
 * Opens `path` from file:// in a fresh context that records every request (page and workers)
 * and the CSP violations; resolves once the figure has rendered.
 */
async function openReport(path) {
  browser ??= await chromium.launch({ executablePath: chromiumDriver.executablePath, args: chromiumDriver.ARGS });
  const context = await browser.newContext();
  const requests = [];
  const errors = [];
  context.on('request', (r) => requests.push(r.url()));
  context.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  context.on('weberror', (e) => errors.push(String(e.error())));
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(pathToFileURL(path).href);
  await page.waitForFunction(() => {
    const e = document.querySelector('eigenlens-spectrum');
    return e && !e.hasAttribute('data-busy') && (e.dataset.state === 'done' || e.dataset.state === 'error');
  }, null, { timeout: 60_000 }).catch(() => {});
  const state = await page.evaluate(() => ({
    state: document.querySelector('eigenlens-spectrum')?.dataset.state ?? 'missing',
    status: document.getElementById('eigenlens-status')?.textContent,
    error: document.querySelector('eigenlens-spectrum')?.shadowRoot.querySelector('[part~="error"]')?.textContent,
  }));
  assert.equal(state.state, 'done', `the figure did not render: ${JSON.stringify(state)}; console: ${errors.join(' | ')}`);
  return { context, page, requests, errors };
}

const alphaOf = (page) => page.evaluate(() => Number(document.querySelector('eigenlens-spectrum').dataset.alpha));

/** Only the file itself, and blob:/data: URLs the file makes from its own contents. */
function assertNoRequests(requests, path) {
  const self = pathToFileURL(path).href;
  const outside = requests.filter((u) => u !== self && !u.startsWith('blob:') && !u.startsWith('data:'));
  assert.deepEqual(outside, [], 'requests beyond the file itself and blob:/data:');
}

test('a report written by the CLI opens from file://, shows the reference α, refits to OLS offline, requests nothing', async () => {
  const path = cliReport(data('digits_mlp/plain_h1_test.f32.npy'), join(dir, 'h1.html'));
  const { context, page, requests, errors } = await openReport(path);
  try {
    assert.ok(Math.abs(await alphaOf(page) - STRINGER) < 1e-9, `α ${await alphaOf(page)} vs NumPy ${STRINGER}`);
    // The static text says the same α as written by the CLI.
    assert.match(await page.textContent('dd.alpha'), /^2\.394 \(stringer, n = 11…128\)/);
    // The estimator control refits in the embedded wasm: OLS, NumPy's polyfit value.
    const el = page.locator('eigenlens-spectrum');
    await el.locator('select[name="estimator"]').selectOption('ols');
    await page.waitForFunction((want) => Math.abs(Number(document.querySelector('eigenlens-spectrum').dataset.alpha) - want) < 1e-9,
      OLS, { timeout: 30_000 });
    assert.match(await el.locator('[part~="alpha"]').textContent(), /^2\.4744/);
    // The static numbers stay as written.
    assert.match(await page.textContent('dd.alpha'), /^2\.394 /);
    assertNoRequests(requests, path);
    assert.deepEqual(await page.evaluate(() => window.__csp), [], 'CSP violations');
    assert.deepEqual(errors, [], 'console errors');
  } finally {
    await context.close();
  }
});

test('the page\'s Save report writes a file with the same α, which opens offline', async () => {
  const site = await openSite({ prefix: '/', path: 'index.html' });
  let saved;
  try {
    await settledMain(site.page);
    // A bootstrap of the fit on screen goes into the saved report as analyze --bootstrap puts it.
    await site.page.locator('#spectrum .boot-go').click();
    await site.page.waitForFunction(() => document.querySelector('#spectrum').interval !== null, null, { timeout: 120_000 });
    const interval = await site.page.evaluate(() => document.querySelector('#spectrum').interval);
    const button = site.page.locator('#spectrum [part~="toolbar"] [data-export="report"]');
    const [download] = await Promise.all([site.page.waitForEvent('download', { timeout: 60_000 }), button.click()]);
    assert.equal(download.suggestedFilename(), 'plain_h1_test.f32.spectrum.report.html');
    saved = join(dir, download.suggestedFilename());
    copyFileSync(await download.path(), saved);
    const html = readFileSync(saved, 'utf8');
    const json = /<script type="application\/json" id="eigenlens-report">([^]*?)<\/script>/.exec(html)[1];
    const report = JSON.parse(json);
    assert.ok(Math.abs(report.alpha_fit.alpha - STRINGER) < 1e-9);
    assert.equal(report.eigenvalues.length, 256);
    // The page's report is the one on screen, with its bootstrap interval, shown as static text too.
    const shown = await site.page.evaluate(() => Number(document.querySelector('#spectrum').dataset.alpha));
    assert.equal(report.alpha_fit.alpha, shown);
    assert.deepEqual([report.alpha_interval.lo, report.alpha_interval.hi], [interval.lo, interval.hi]);
    assert.equal(report.bootstrap.b, 50);
    assert.ok(html.includes(`[${interval.lo.toFixed(4)}, ${interval.hi.toFixed(4)}] (95 %, α̂ ± z·se`), 'interval as text');
  } finally {
    await site.close();
  }
  const { context, page, requests } = await openReport(saved);
  try {
    assert.ok(Math.abs(await alphaOf(page) - STRINGER) < 1e-9);
    assertNoRequests(requests, saved);
  } finally {
    await context.close();
  }
});

test('the CLI\'s report works in Firefox ESR from file:// too: reference α, OLS refit', async () => {
  const puppeteer = (await import('puppeteer-core')).default;
  const ff = await puppeteer.launch({
    browser: 'firefox', executablePath: firefoxDriver.executablePath, headless: true,
    extraPrefsFirefox: { 'app.update.enabled': false, 'datareporting.policy.dataSubmissionEnabled': false,
      'toolkit.telemetry.enabled': false, 'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false },
  });
  try {
    const page = await ff.newPage();
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    const path = join(dir, 'h1.html');
    await page.goto(pathToFileURL(path).href);
    const alpha = () => page.evaluate(() => Number(document.querySelector('eigenlens-spectrum')?.dataset.alpha));
    await page.waitForFunction(() => document.querySelector('eigenlens-spectrum')?.dataset.state === 'done', { timeout: 60_000 });
    assert.ok(Math.abs(await alpha() - STRINGER) < 1e-9, `α ${await alpha()}`);
    await page.evaluate(() => {
      const select = document.querySelector('eigenlens-spectrum').shadowRoot.querySelector('select[name="estimator"]');
      select.value = 'ols';
      select.dispatchEvent(new Event('change'));
    });
    await page.waitForFunction((want) => Math.abs(Number(document.querySelector('eigenlens-spectrum').dataset.alpha) - want) < 1e-9,
      { timeout: 30_000 }, OLS);
    // Firefox itself asks for data: URLs (its built-in fonts, the favicon the file names as data:,).
    assertNoRequests(requests, path);
  } finally {
    await ff.close();
  }
});

test('report sizes (logged): the reference matrix and a synthetic D = 4096', () => {
  const h1 = statSync(join(dir, 'h1.html')).size;
  const wide = join(dir, 'wide.npy');
  execFileSync(join(ROOT, 'target', 'release', 'eigenlens'),
    ['synth', 'gaussian', '--alpha', '1', '--rows', '4500', '--cols', '4096', '--out', wide]);
  const big = statSync(cliReport(wide, join(dir, 'wide.html'))).size;
  console.log(`report sizes: plain_h1_test (D = 256) ${h1} bytes; synthetic D = 4096 ${big} bytes`);
  assert.ok(h1 > 0 && big > h1);
});
