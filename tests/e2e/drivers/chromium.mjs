// The Chromium driver: Debian's chromium, driven by playwright-core over CDP (never downloaded).
// The interface is the one serve.mjs describes; firefox.mjs offers the same.
import { chromium } from 'playwright-core';
import { serveDist, watchCsp, readCsp } from './serve.mjs';

export const engine = 'chromium';
export const executablePath = '/usr/bin/chromium';
export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic'];

/** Playwright's CSS pierces open shadow roots: ` >>> ` is a plain descendant combinator there. */
const css = (sel) => sel.replaceAll(' >>> ', ' ');

/** Launches the browser; `open` gives a tab on dist/ served under `prefix`. */
export async function launch() {
  const browser = await chromium.launch({ executablePath, args: ARGS });
  const version = browser.version();
  return {
    engine, version,
    async open(path = 'index.html', { prefix = '/', viewport } = {}) {
      const { server, origin, base } = await serveDist(prefix);
      const page = await browser.newPage(viewport ? { viewport } : {});
      const consoleErrors = [];
      const pageErrors = [];
      const requests = [];
      page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      page.on('request', (r) => requests.push(r.url()));
      await page.addInitScript(watchCsp);
      if (path !== null) await page.goto(`${base}${path}`);
      return {
        engine, origin, base, raw: page,
        consoleErrors, pageErrors, requests,
        evaluate: (fn, arg) => page.evaluate(fn, arg),
        cspViolations: () => page.evaluate(readCsp),
        waitFor: async (fn, arg, { timeout = 60_000 } = {}) => { await page.waitForFunction(fn, arg, { timeout }); },
        setFiles: (sel, paths) => page.setInputFiles(css(sel), paths),
        click: (sel) => page.click(css(sel)),
        select: (sel, value) => page.selectOption(css(sel), value).then(() => undefined),
        fill: (sel, value) => page.fill(css(sel), value),
        check: (sel, on = true) => page.setChecked(css(sel), on),
        close: async () => { await page.close(); server.close(); },
      };
    },
    close: () => browser.close(),
  };
}
