// Shared set-up for the Chromium-only browser tests (a11y, exports, clipboard, the page's finer
// controls…): the built page served on loopback, and Debian's Chromium driven by playwright-core
// through tests/e2e/drivers/chromium.mjs (no browser is ever downloaded). The main flows run in
// both engines through the drivers directly: tests/e2e/flows.test.mjs.
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import * as chromiumDriver from './drivers/chromium.mjs';
import { ROOT, serveDist } from './drivers/serve.mjs';
import { armOutcome, mainSettled, outcome } from './in-page.mjs';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

export { ROOT };
export const data = (rel) => join(ROOT, 'tests', 'data', rel);

/** Serves dist/, launches Chromium (the Chromium driver), and records console errors (page
 *  errors among them) and every request; `page` is Playwright's. */
export async function openPage(path = 'index.html') {
  const browser = await chromiumDriver.launch();
  const tab = await browser.open(null);
  const page = tab.raw;
  const consoleErrors = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(`${tab.base}${path}`);
  const close = async () => { await tab.close(); await browser.close(); };
  return { page, origin: tab.origin, consoleErrors, requests: tab.requests, close };
}

/**
 * Opens `path` before a file's tests, once its spectrum has settled, and closes it after them:
 * the returned object gets `page`, `origin`, `consoleErrors`, `requests` when the page is open.
 */
export function pageForTests(path = 'index.html') {
  const ctx = {};
  before(async () => {
    Object.assign(ctx, await openPage(path));
    await settledMain(ctx.page);
  });
  after(async () => { await ctx.close?.(); });
  return ctx;
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
  const { server, origin, base } = await serveDist(prefix);
  const browser = await chromium.launch({ executablePath: chromiumDriver.executablePath, args: chromiumDriver.ARGS });
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

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes) => {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

/** A stored (uncompressed) zip of `entries` ({name: bytes}), as np.savez writes an .npz. */
export function zipBytes(entries) {
  const parts = [];
  const central = [];
  let offset = 0;
  for (const [name, data] of Object.entries(entries)) {
    const nameBytes = new TextEncoder().encode(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    parts.push(local, nameBytes, data);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(0x0800, 8);
    dir.writeUInt32LE(crc, 16);
    dir.writeUInt32LE(data.length, 20);
    dir.writeUInt32LE(data.length, 24);
    dir.writeUInt16LE(nameBytes.length, 28);
    dir.writeUInt32LE(offset, 42);
    central.push(dir, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const size = central.reduce((s, b) => s + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(central.length / 2, 8);
  end.writeUInt16LE(central.length / 2, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...central, end]);
}

/** A C-order f32 .npy of `rows` × `cols` from `at(i, j)`. */
export function matrixNpy(rows, cols, at) {
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) values[i * cols + j] = at(i, j);
  return npyBytes(`{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`, new Uint8Array(values.buffer));
}

/** What an <eigenlens-spectrum> shows (`sel`: the element). */
export const shown = (page, sel = '#spectrum') => page.locator(sel).evaluate((e) => {
  const part = (n) => e.shadowRoot.querySelector(`[part~="${n}"]`);
  return {
    state: e.dataset.state, title: part('title').textContent, alpha: part('alpha').textContent, detail: part('detail').textContent,
    caption: part('caption').textContent, error: part('error').hidden ? null : part('error').textContent,
    label: e.shadowRoot.querySelector('.alpha-label')?.textContent ?? null, busy: e.hasAttribute('data-busy'),
  };
});

/** Waits until the page's spectrum element has rendered and is idle. */
export const settledMain = (page, timeout = 60_000) => page.waitForFunction(mainSettled, null, { timeout });

/**
 * Arms a wait for what happens next on index.html (in-page.mjs `armOutcome`: 'render', 'error',
 * 'page-error' or 'chooser'). Returns a function that resolves with which.
 */
export async function nextOutcome(page) {
  await page.evaluate(armOutcome);
  return () => page.evaluate(outcome);
}

/** Opens `path` through the page's drop-zone input and waits for the outcome (see nextOutcome). */
export async function openInPage(page, path) {
  await page.locator('#error').evaluate((e) => { e.hidden = true; e.textContent = ''; });
  const outcome = await nextOutcome(page);
  await page.setInputFiles('#file', path);
  return outcome();
}

/** A .safetensors file of f32 tensors: {name: {shape, values}} (values row-major). */
export function safetensorsBytes(tensors) {
  const header = {};
  const blobs = [];
  let offset = 0;
  for (const [name, { shape, values }] of Object.entries(tensors)) {
    const bytes = Buffer.from(Float32Array.from(values).buffer);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes.length] };
    blobs.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  while (json.length % 8) json += ' ';
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([size, Buffer.from(json), ...blobs]);
}

/** Every element in the document, shadow roots included, matching `selector` (run in the page). */
export const deepCount = (page, selector) => page.evaluate((sel) => {
  let count = 0;
  const visit = (root) => {
    count += root.querySelectorAll(sel).length;
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) visit(el.shadowRoot);
  };
  visit(document);
  return count;
}, selector);
