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
export async function openPage() {
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
  await page.goto(`${origin}/index.html`);
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
