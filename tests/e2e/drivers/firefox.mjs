// The Firefox driver: Debian's firefox-esr, driven headless by puppeteer-core over WebDriver BiDi
// (never downloaded; Playwright cannot drive a stock Firefox). The interface is the one serve.mjs
// describes; chromium.mjs offers the same.
import puppeteer from 'puppeteer-core';
import { serveDist, watchCsp, readCsp } from './serve.mjs';

export const engine = 'firefox';
export const executablePath = '/usr/bin/firefox-esr';

/** Launches the browser; `open` gives a tab on dist/ served under `prefix`. */
export async function launch() {
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath, headless: true,
    // No network beyond loopback on its own: no update checks, telemetry or remote settings.
    extraPrefsFirefox: {
      'app.update.enabled': false, 'browser.shell.checkDefaultBrowser': false,
      'datareporting.policy.dataSubmissionEnabled': false, 'toolkit.telemetry.enabled': false,
      'network.captive-portal-service.enabled': false, 'network.connectivity-service.enabled': false,
    },
  });
  const version = await browser.version();
  return {
    engine, version,
    async open(path = 'index.html', { prefix = '/', viewport } = {}) {
      const { server, origin, base } = await serveDist(prefix);
      const page = await browser.newPage();
      await page.setViewport(viewport ?? { width: 1280, height: 720 });
      const consoleErrors = [];
      const pageErrors = [];
      const requests = [];
      page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      page.on('request', (r) => requests.push(r.url()));
      await page.evaluateOnNewDocument(watchCsp);
      if (path !== null) await page.goto(`${base}${path}`);
      const handle = async (sel) => {
        const h = await page.waitForSelector(sel, { timeout: 30_000 });
        if (!h) throw new Error(`no element matches ${sel}`);
        return h;
      };
      return {
        engine, origin, base, raw: page,
        consoleErrors, pageErrors, requests,
        evaluate: (fn, arg) => page.evaluate(fn, arg),
        cspViolations: () => page.evaluate(readCsp),
        waitFor: async (fn, arg, { timeout = 60_000 } = {}) => { await page.waitForFunction(fn, { timeout }, arg); },
        setFiles: async (sel, paths) => (await handle(sel)).uploadFile(...[paths].flat()),
        click: async (sel) => (await handle(sel)).click(),
        select: async (sel, value) => { await (await handle(sel)).select(value); },
        fill: (sel, value) => page.locator(sel).fill(value),
        check: async (sel, on = true) => {
          const h = await handle(sel);
          if (await h.evaluate((e) => e.checked) !== on) await h.click();
        },
        close: async () => { await page.close(); server.close(); },
      };
    },
    close: () => browser.close(),
  };
}
