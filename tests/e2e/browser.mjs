// Shared set-up for the browser tests: the built page served on loopback, and Debian's
// Chromium driven by playwright-core (no browser is ever downloaded).
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const data = (rel) => join(ROOT, 'tests', 'data', rel);

/** Serves dist/, launches Chromium, and records console errors and every request. */
export async function openPage(path = 'index.html') {
  const server = await serve(join(ROOT, 'dist'));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
  const page = await browser.newPage();
  const consoleErrors = [];
  const requests = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`${origin}/${path}`);
  const close = async () => { await browser.close(); server.close(); };
  return { page, origin, consoleErrors, requests, close };
}

/** Writes bytes to a temporary file and returns its path (setInputFiles takes a path). */
export function tempFile(name, bytes) {
  const dir = mkdtempSync(join(tmpdir(), 'eigenlens-e2e-'));
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** A version-1.0 .npy file: header dict text and raw data bytes. */
export function npyBytes(dict, dataBytes = new Uint8Array()) {
  let header = dict;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const out = new Uint8Array(10 + header.length + dataBytes.length);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(dataBytes, 10 + header.length);
  return out;
}

export const f32 = (values) => new Uint8Array(Float32Array.from(values).buffer);

/** The built site served from a sub-path (as on a static host), with a browser context that
 *  accepts downloads and may use the clipboard. `html(path, text)` answers one URL under the
 *  site with a page of your own (a blog post pasting the embed code, say). */
export async function openSite({ prefix = '/blog/post/', path = 'embed.html', viewport } = {}) {
  const server = await serve(join(ROOT, 'dist'), 0, '127.0.0.1', { prefix });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const base = `${origin}${prefix}`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
  const context = await browser.newContext({ acceptDownloads: true, ...(viewport ? { viewport } : {}) });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  const consoleErrors = [];
  const requests = [];
  context.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  context.on('weberror', (e) => consoleErrors.push(String(e.error())));
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  if (path) await page.goto(`${base}${path}`);
  const html = (rel, text) => context.route(`${base}${rel}`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: text }));
  const close = async () => { await browser.close(); server.close(); };
  return { page, context, origin, base, html, consoleErrors, requests, close };
}

/** The page head every test page shares: the site's Content-Security-Policy and the one script line. */
export const postHead = (scriptSrc) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:">
<title>a post</title><link rel="icon" href="data:,">${scriptSrc ? `<script type="module" src="${scriptSrc}"></script>` : ''}</head>`;
