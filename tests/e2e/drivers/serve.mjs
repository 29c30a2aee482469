// What both drivers share: dist/ served on loopback (optionally under a sub-path, as on a static
// host), and the one interface a tab offers (see chromium.mjs and firefox.mjs).
import { serve } from '../../../scripts/serve.mjs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Serves the built page (dist/) under `prefix`; resolves to { server, origin, base }. */
export async function serveDist(prefix = '/') {
  const server = await serve(join(ROOT, 'dist'), 0, '127.0.0.1', { prefix });
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { server, origin, base: `${origin}${prefix.endsWith('/') ? prefix : `${prefix}/`}` };
}

/*
 * A tab, as both drivers return it from `browser.open(path, { prefix })`:
 *   engine, origin, base        'chromium' | 'firefox'; the server's origin; origin + prefix
 *   evaluate(fn, arg)           runs fn(arg) in the page, resolves to its (awaited) JSON-able result
 *   waitFor(fn, arg, {timeout}) until fn(arg) in the page is truthy (default 60 s)
 *   setFiles(sel, paths)        sets a file input to one path or several (fires input and change)
 *   click(sel) select(sel, value) fill(sel, value) check(sel, on = true)
 *   consoleErrors, pageErrors   console.error texts; uncaught errors and rejections
 *   cspViolations()             the Content-Security-Policy violations the document saw (an engine's
 *                               own CSP console message need not reach either driver's console log)
 *   requests                    the URL of every request the page (and its workers) made;
 *                               Chromium lists a request its CSP blocked, Firefox does not (use
 *                               cspViolations too), and Firefox never lists a fetch to a bad port
 *   raw                         the engine's own page object (Chromium-only tests only)
 *   close()
 * A selector crosses into an element's shadow root with ` >>> ` (Puppeteer's deep combinator;
 * the Chromium driver turns it into Playwright's CSS, which pierces open shadow roots itself).
 */

/** Run in every document before its scripts (both drivers install it): records each CSP
 *  violation as "directive blocked-URI". */
export function watchCsp() {
  window.__eigenlensCsp = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__eigenlensCsp.push(`${e.violatedDirective} ${e.blockedURI}`));
}

/** The violations watchCsp recorded in the current document. */
export const readCsp = () => window.__eigenlensCsp ?? ['the CSP watch did not run'];
