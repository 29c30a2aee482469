// The npm package as a CDN serves it (issue 17): `npm pack`'s tarball, unpacked, served on one
// loopback port; a blog post on another port embeds <eigenlens-spectrum> from it. With CORS
// headers (as jsDelivr and unpkg send) the figure shows NumPy's α, its worker started from a
// blob: URL of the post's own origin; without them the figure says why, inside the element.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import * as chromiumDriver from './drivers/chromium.mjs';
import { serve } from '../../scripts/serve.mjs';
import { ROOT, data } from './browser.mjs';

const H1 = JSON.parse(readFileSync(data('reference.json'), 'utf8')).matrices['digits_mlp/plain_h1_test'];
const CORS = { 'access-control-allow-origin': '*' };

let dir, tarball, packed, cdn, plainCdn, blog, browser;
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
  browser = await chromium.launch({ executablePath: chromiumDriver.executablePath, args: chromiumDriver.ARGS });
});

after(async () => {
  await browser?.close();
  for (const s of [cdn, plainCdn, blog]) s?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Opens `html` as the post on the blog's origin; records requests, console errors, workers. */
async function openPost(name, html) {
  writeFileSync(join(dir, 'blog', name), html);
  const page = await browser.newPage();
  const requests = [];
  const errors = [];
  const workers = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('worker', (w) => workers.push(w.url()));
  await page.goto(`${origin(blog)}/${name}`);
  await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('eigenlens-spectrum')?.dataset.state),
    null, { timeout: 60_000 });
  const shown = await page.evaluate(() => {
    const e = document.querySelector('eigenlens-spectrum');
    const part = (p) => e.shadowRoot?.querySelector(`[part~="${p}"]`);
    return { state: e.dataset.state, alpha: e.dataset.alpha, alphaText: part('alpha')?.textContent, error: part('error')?.textContent };
  });
  return { page, requests, errors, workers, shown };
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

for (const loader of [false, true]) {
  const form = loader ? 'the classic loader.js line' : 'a <script type="module"> line';
  test(`from another origin with CORS headers (${form}): the post shows NumPy's α, its worker from a blob: URL`, async () => {
    const pkg = `${origin(cdn)}/npm/eigenlens@0.1.0/dist-pkg/`;
    const { page, requests, errors, workers, shown } = await openPost(loader ? 'loader.html' : 'module.html', post(pkg, { loader }));
    try {
      assert.equal(shown.state, 'done', shown.error);
      assert.ok(Math.abs(Number(shown.alpha) - H1.alpha_fit_stringer.alpha) < 1e-9, `${shown.alpha} vs ${H1.alpha_fit_stringer.alpha}`);
      assert.equal(shown.alphaText, H1.alpha_fit_stringer.alpha.toFixed(4));
      assert.ok(workers.length >= 1 && workers.every((u) => u.startsWith(`blob:${origin(blog)}/`)), workers.join(' '));
      assert.ok(requests.includes(`${pkg}worker.js`), 'the blob worker imports the package worker');
      assert.equal(requests.filter((u) => u.endsWith('.wasm')).length, 1, 'the wasm is fetched once');
      // Only the blog and the package's origin: the data never goes to the CDN.
      const foreign = requests.filter((u) => !u.startsWith(`${origin(blog)}/`) && !u.startsWith(`${pkg}`) && !u.startsWith('blob:'));
      assert.deepEqual(foreign, []);
      assert.ok(!requests.some((u) => u.startsWith(origin(cdn)) && u.includes('layer.npy')));
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });
}

test('from another origin WITHOUT CORS headers: the loader line writes a readable error inside the element', async () => {
  const pkg = `${origin(plainCdn)}/npm/eigenlens@0.1.0/dist-pkg/`;
  const { page, shown } = await openPost('nocors.html', post(pkg, { loader: true }));
  try {
    assert.equal(shown.state, 'error');
    assert.match(shown.error, new RegExp(`eigenlens could not be loaded from ${pkg.replace(/[.]/g, '\\.')}eigenlens\\.js`));
    assert.match(shown.error, /CORS headers \(Access-Control-Allow-Origin\)/);
    assert.ok(!shown.error.includes('<'), 'text, not markup');
  } finally {
    await page.close();
  }
});
