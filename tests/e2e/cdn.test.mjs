// The npm package as a CDN serves it (issue 17): `npm pack`'s tarball, unpacked, served on one
// loopback port; a blog post on another port embeds <eigenlens-spectrum> from it. With CORS
// headers (as jsDelivr and unpkg send) the figure shows NumPy's α, its worker started from a
// blob: URL of the post's own origin; without them the figure says why, inside the element.
// In Chromium and in Firefox ESR (the drivers of tests/e2e/drivers/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as chromiumDriver from './drivers/chromium.mjs';
import * as firefoxDriver from './drivers/firefox.mjs';
import { serve } from '../../scripts/serve.mjs';
import { ROOT, data } from './browser.mjs';

const H1 = JSON.parse(readFileSync(data('reference.json'), 'utf8')).matrices['digits_mlp/plain_h1_test'];
const CORS = { 'access-control-allow-origin': '*' };

let dir, tarball, packed, cdn, plainCdn, blog;
const origin = (server) => `http://127.0.0.1:${server.address().port}`;

/** A post that embeds the package from `pkg` (a URL ending in /dist-pkg/), with the CSP the README gives. */
function post(pkg, { loader = false } = {}) {
  const from = new URL(pkg).origin;
  const csp = `default-src 'self'; script-src 'self' ${from} 'wasm-unsafe-eval'; worker-src blob: ${from}; ` +
    `connect-src 'self' ${from}; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:`;
  const script = loader ? `<script src="${pkg}loader.js" defer></script>` : `<script type="module" src="${pkg}eigenlens.js"></script>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>a post</title><link rel="icon" href="data:,">${script}</head>
<body><p>Layer 1, live:</p>
<eigenlens-spectrum src="layer.npy" estimator="stringer" lo="11" hi="500"></eigenlens-spectrum></body></html>`;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eigenlens-cdn-'));
  const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(pack.status, 0, pack.stderr);
  [packed] = JSON.parse(pack.stdout);
  tarball = join(dir, packed.filename);
  const untar = spawnSync('tar', ['-xzf', tarball, '-C', dir], { encoding: 'utf8' });
  assert.equal(untar.status, 0, untar.stderr);
  mkdirSync(join(dir, 'blog'));
  copyFileSync(data('digits_mlp/plain_h1_test.f32.npy'), join(dir, 'blog', 'layer.npy'));
  // The package at the path a CDN gives it (/npm/eigenlens@0.1.0/…), with and without CORS.
  cdn = await serve(join(dir, 'package'), 0, '127.0.0.1', { prefix: '/npm/eigenlens@0.1.0/', headers: CORS });
  plainCdn = await serve(join(dir, 'package'), 0, '127.0.0.1', { prefix: '/npm/eigenlens@0.1.0/' });
  blog = await serve(join(dir, 'blog'));
});

after(async () => {
  for (const s of [cdn, plainCdn, blog]) s?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Opens `html` as the post on the blog's origin in `browser` (a driver's); records requests and
 *  errors (and, in Chromium, the workers' URLs). */
async function openPost(browser, name, html) {
  writeFileSync(join(dir, 'blog', name), html);
  const tab = await browser.open(null);
  const workers = [];
  if (browser.engine === 'chromium') tab.raw.on('worker', (w) => workers.push(w.url()));
  await tab.raw.goto(`${origin(blog)}/${name}`);
  await tab.waitFor(() => ['done', 'error'].includes(document.querySelector('eigenlens-spectrum')?.dataset.state));
  const shown = await tab.evaluate(() => {
    const e = document.querySelector('eigenlens-spectrum');
    const part = (p) => e.shadowRoot?.querySelector(`[part~="${p}"]`);
    return { state: e.dataset.state, alpha: e.dataset.alpha, alphaText: part('alpha')?.textContent, error: part('error')?.textContent };
  });
  return { tab, workers, shown };
}

test('npm pack ships exactly the package files: the elements, the worker, the wasm, the loader', () => {
  const files = packed.files.map((f) => f.path).sort();
  assert.deepEqual(files, ['README.md', 'dist-pkg/eigenlens.js', 'dist-pkg/eigenlens_bg.wasm', 'dist-pkg/loader.js',
    'dist-pkg/worker.js', 'package.json']);
  const manifest = JSON.parse(readFileSync(join(dir, 'package', 'package.json'), 'utf8'));
  assert.equal(manifest.exports['.'], './dist-pkg/eigenlens.js');
  assert.equal(manifest.dependencies, undefined, 'the bundle carries Plot: nothing to install');
  // Each bundle is one module with no imports, so a CDN (or a blob: URL) serves it alone.
  for (const f of ['eigenlens.js', 'worker.js']) {
    const text = readFileSync(join(dir, 'package', 'dist-pkg', f), 'utf8');
    assert.doesNotMatch(text, /^\s*import\s*[{*\w]|\bimport\s*\(\s*["'`]\./m, `${f} imports another file`);
  }
  console.log(`# npm pack: ${packed.filename} ${(packed.size / 1024).toFixed(0)} KiB, unpacked ${(packed.unpackedSize / 1024).toFixed(0)} KiB`);
});

for (const driver of [chromiumDriver, firefoxDriver]) {
  const { engine } = driver;
  let browser;
  before(async () => { browser = await driver.launch(); });
  after(async () => { await browser?.close(); });

  for (const loader of [false, true]) {
    const form = loader ? 'the classic loader.js line' : 'a <script type="module"> line';
    test(`${engine}: from another origin with CORS headers (${form}): the post shows NumPy's α`, async () => {
      const pkg = `${origin(cdn)}/npm/eigenlens@0.1.0/dist-pkg/`;
      const { tab, workers, shown } = await openPost(browser, `${engine}-${loader ? 'loader' : 'module'}.html`, post(pkg, { loader }));
      try {
        assert.equal(shown.state, 'done', shown.error);
        assert.ok(Math.abs(Number(shown.alpha) - H1.alpha_fit_stringer.alpha) < 1e-9, `${shown.alpha} vs ${H1.alpha_fit_stringer.alpha}`);
        assert.equal(shown.alphaText, H1.alpha_fit_stringer.alpha.toFixed(4));
        // Chromium names the workers: each is a blob: URL of the post's own origin.
        if (engine === 'chromium') {
          assert.ok(workers.length >= 1 && workers.every((u) => u.startsWith(`blob:${origin(blog)}/`)), workers.join(' '));
        }
        assert.ok(tab.requests.includes(`${pkg}worker.js`), 'the blob worker imports the package worker');
        assert.equal(tab.requests.filter((u) => u.endsWith('.wasm')).length, 1, 'the wasm is fetched once');
        // Only the blog and the package's files (and data:/blob: URLs, which are not requests
        // to anyone: Firefox lists its own data: font): the data never goes to the CDN.
        const local = (u) => u.startsWith(`${origin(blog)}/`) || u.startsWith(pkg) || /^(blob|data):/.test(u);
        const foreign = tab.requests.filter((u) => !local(u));
        assert.deepEqual(foreign, []);
        assert.deepEqual([...tab.consoleErrors, ...tab.pageErrors ?? []], []);
        assert.deepEqual(await tab.cspViolations(), []);
      } finally {
        await tab.close();
      }
    });
  }

  test(`${engine}: from another origin WITHOUT CORS headers: the loader line writes a readable error inside the element`, async () => {
    const pkg = `${origin(plainCdn)}/npm/eigenlens@0.1.0/dist-pkg/`;
    const { tab, shown } = await openPost(browser, `${engine}-nocors.html`, post(pkg, { loader: true }));
    try {
      assert.equal(shown.state, 'error');
      assert.match(shown.error, new RegExp(`eigenlens could not be loaded from ${pkg.replace(/[.]/g, '\\.')}eigenlens\\.js`));
      assert.match(shown.error, /CORS headers \(Access-Control-Allow-Origin\)/);
    } finally {
      await tab.close();
    }
  });
}
