// The Jupyter widget in a real JupyterLab (issue 17): the test writes a notebook into a temporary
// directory, starts `jupyter lab` from the test environment on 127.0.0.1 (a free port, a token of
// its own, no browser, no update or news checks), opens the notebook in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core), runs every cell, and waits for the elements:
// Spectrum(NumPy array) (sent as moments), Spectrum(file path) (sent as is) and Compare([...]).
// Each must draw its figure and show the reference α of tests/data/reference.json (NumPy's) to
// 1e-6; the kernel must have sent the static files once for the three widgets, Python must read
// back the α the page showed, and the estimator changed in the figure (OLS) must refit to NumPy's
// OLS α and reach Python's traits. Every request the page makes must stay on 127.0.0.1 (any other
// is recorded and aborted). Needs scripts/test-notebook.sh (it builds the static files and
// installs JupyterLab, ipykernel and ./python[widget] into .venv-test); EIGENLENS_VENV overrides
// the environment; EIGENLENS_NOTEBOOK_SHOT=FILE.png saves a screenshot of the notebook. Prints how
// long each phase took.
/* global document, window */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { ARGS, executablePath } from '../e2e/drivers/chromium.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VENV = process.env.EIGENLENS_VENV ?? join(ROOT, '.venv-test');
const JUPYTER = join(VENV, 'bin', 'jupyter');
const REFERENCE = JSON.parse(readFileSync(join(ROOT, 'tests/data/reference.json'), 'utf8')).matrices;
const H1 = REFERENCE['digits_mlp/plain_h1_test'].alpha_fit_stringer;
const H2 = REFERENCE['digits_mlp/plain_h2_test'].alpha_fit_stringer;
const H1_FILE = join(ROOT, 'tests/data/digits_mlp/plain_h1_test.f32.npy');
const H2_FILE = join(ROOT, 'tests/data/digits_mlp/plain_h2_test.f32.npy');
const TIMEOUT = 240_000;

/** A notebook of code cells (nbformat 4). */
function notebook(cells) {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: cells.map((source, i) => ({ cell_type: 'code', id: `cell-${i}`, metadata: {}, execution_count: null, outputs: [], source })),
  }, null, 1);
}

const CELLS = [
  `import numpy as np\nimport eigenlens.widget as ew\nx = np.load(${JSON.stringify(H1_FILE)})`,
  's = ew.Spectrum(x, label="h1 (moments from NumPy)")\ns',
  `p = ew.Spectrum(${JSON.stringify(H2_FILE)})\np`,
  `c = ew.Compare([x, ${JSON.stringify(H2_FILE)}], labels=["h1", "h2"])\nc`,
];

/** Starts JupyterLab on 127.0.0.1 in `dir`; resolves {server, base, token} once it listens. */
function startLab(dir) {
  const token = randomBytes(16).toString('hex');
  const env = {
    ...process.env,
    PATH: `${join(VENV, 'bin')}:${process.env.PATH}`,
    JUPYTER_CONFIG_DIR: join(dir, '.jupyter'),
    JUPYTER_RUNTIME_DIR: join(dir, '.runtime'),
    JUPYTERLAB_SETTINGS_DIR: join(dir, '.lab-settings'),
    JUPYTERLAB_WORKSPACES_DIR: join(dir, '.lab-workspaces'),
    IPYTHONDIR: join(dir, '.ipython'),
  };
  const args = ['lab', '--no-browser', '--allow-root', '--ServerApp.ip=127.0.0.1', '--ServerApp.port=0',
    `--IdentityProvider.token=${token}`, `--ServerApp.root_dir=${dir}`, '--ServerApp.terminals_enabled=False',
    '--LabApp.expose_app_in_browser=True', '--LabApp.news_url=None', '--LabApp.extension_manager=readonly',
    '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate'];
  const server = spawn(JUPYTER, args, { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`jupyter lab did not start in 120 s:\n${log.slice(-3000)}`)), 120_000);
    const read = (chunk) => {
      log += chunk;
      const m = /http:\/\/127\.0\.0\.1:(\d+)\/lab/.exec(log);
      if (m) {
        clearTimeout(timer);
        ok({ server, base: `http://127.0.0.1:${m[1]}`, token, log: () => log });
      }
    };
    server.stdout.on('data', read);
    server.stderr.on('data', read);
    server.on('error', (e) => { clearTimeout(timer); fail(e); });
    server.on('exit', (code) => { clearTimeout(timer); fail(new Error(`jupyter lab exited (${code}):\n${log.slice(-3000)}`)); });
  });
}

/** Stops the server and its kernels (its whole process group). */
function stopLab(server) {
  if (server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const kill = setTimeout(() => { try { process.kill(-server.pid, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
    server.once('exit', () => { clearTimeout(kill); done(); });
    try { process.kill(-server.pid, 'SIGTERM'); } catch { clearTimeout(kill); done(); }
  });
}

/** Runs `code` in the notebook's kernel; resolves with its stdout. */
function kernelPrint(page, code) {
  return page.evaluate(async (src) => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    let out = '';
    const future = kernel.requestExecute({ code: src });
    future.onIOPub = (msg) => {
      if (msg.header.msg_type === 'stream') out += msg.content.text;
      if (msg.header.msg_type === 'error') out += `${msg.content.ename}: ${msg.content.evalue}`;
    };
    await future.done;
    return out;
  }, code);
}

test('Spectrum and Compare in JupyterLab show the reference α, from the package\'s own files', { timeout: TIMEOUT }, async (t) => {
  assert.ok(existsSync(JUPYTER), `${JUPYTER} is missing: run scripts/test-notebook.sh (it installs JupyterLab into .venv-test)`);
  const started = performance.now();
  const mark = (what) => t.diagnostic(`${what}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const dir = mkdtempSync(join(tmpdir(), 'eigenlens-notebook-'));
  mkdirSync(join(dir, '.jupyter'));
  // No "get notified about Jupyter news?" toast over the figures (the server fetches no news either).
  const notification = join(dir, '.lab-settings', '@jupyterlab', 'apputils-extension');
  mkdirSync(notification, { recursive: true });
  writeFileSync(join(notification, 'notification.jupyterlab-settings'), JSON.stringify({ fetchNews: 'false' }));
  writeFileSync(join(dir, 'widget.ipynb'), notebook(CELLS));
  const lab = await startLab(dir);
  const browser = await chromium.launch({ executablePath, args: ARGS });
  try {
    mark('jupyter lab listening');
    const context = await browser.newContext();
    const outside = [];
    const origin = new URL(lab.base).origin;
    // Everything the page (and its workers) asks for: loopback goes on, anything else is recorded and refused.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`) || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    const fetched = []; // every http(s) request: none may be for eigenlens's files (the kernel sends them)
    context.on('request', (r) => /^https?:/.test(r.url()) && fetched.push(r.url()));
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`${lab.base}/lab/tree/widget.ipynb?token=${lab.token}`);
    await page.waitForFunction(() => window.jupyterapp?.shell?.currentWidget?.sessionContext?.session?.kernel,
      null, { timeout: 120_000 });
    await page.evaluate(async () => {
      const panel = window.jupyterapp.shell.currentWidget;
      await panel.sessionContext.ready;
      await panel.context.ready;
    });
    mark('notebook open, kernel ready');
    await page.evaluate(() => window.jupyterapp.commands.execute('notebook:run-all-cells'));

    const settled = () => {
      const done = (e) => e.dataset.state === 'done' || e.dataset.state === 'error';
      const all = [...document.querySelectorAll('eigenlens-spectrum, eigenlens-compare')];
      return all.length === 3 && all.every(done);
    };
    try {
      await page.waitForFunction(settled, null, { timeout: 150_000 });
    } catch (e) {
      const seen = await page.evaluate(() => [...document.querySelectorAll('.jp-OutputArea-output')].map((o) => o.textContent.slice(0, 300)));
      throw new Error(`the widgets did not settle: ${JSON.stringify(seen)}; page errors: ${pageErrors.join(' | ')}`, { cause: e });
    }
    mark('three figures drawn');
    const shot = process.env.EIGENLENS_NOTEBOOK_SHOT;
    if (shot) await page.screenshot({ path: shot, fullPage: true });

    const shown = await page.evaluate(() => [...document.querySelectorAll('eigenlens-spectrum, eigenlens-compare')].map((e) => ({
      tag: e.localName,
      state: e.dataset.state,
      error: e.shadowRoot.querySelector('[part~="error"]')?.textContent ?? '',
      alpha: e.dataset.alpha,
      alphas: e.dataset.alphas,
      range: e.dataset.range,
      alphaText: e.shadowRoot.querySelector('[part~="alpha"]')?.textContent,
      title: e.shadowRoot.querySelector('[part~="title"]')?.textContent,
      marks: e.shadowRoot.querySelector('[part~="plot"] svg')?.querySelectorAll('circle, path').length ?? 0,
    })));
    for (const s of shown) assert.equal(s.state, 'done', `${s.tag}: ${s.error}`);
    const [moments, file, compare] = shown;
    assert.equal(moments.title, 'h1 (moments from NumPy)');
    assert.ok(Math.abs(Number(moments.alpha) - H1.alpha) < 1e-6, `h1 from moments: α = ${moments.alpha}, NumPy ${H1.alpha}`);
    assert.equal(moments.alphaText, H1.alpha.toFixed(4));
    assert.equal(file.title, 'plain_h2_test.f32.npy');
    assert.ok(Math.abs(Number(file.alpha) - H2.alpha) < 1e-6, `h2 from the file: α = ${file.alpha}, NumPy ${H2.alpha}`);
    // Both layers are 540 × 256: the common range is the reference's own n = 11…128.
    assert.equal(compare.range, `${H1.rank_lo}…${H1.rank_hi}`);
    const [a1, a2] = JSON.parse(compare.alphas);
    assert.ok(Math.abs(a1 - H1.alpha) < 1e-6 && Math.abs(a2 - H2.alpha) < 1e-6, `compare: ${compare.alphas}`);
    for (const s of shown) assert.ok(s.marks > 10, `${s.tag} drew its figure (${s.marks} marks)`);

    // The kernel sent the three static files once for the three widgets, and Python reads α back.
    const py = await kernelPrint(page, [
      'import time',
      'for _ in range(100):',
      '    if s.alpha is not None and p.alpha is not None and c.alphas: break',
      '    time.sleep(0.1)',
      'print(repr(s.alpha), repr(p.alpha), repr(c.alphas), c.common_range, s.fit["estimator"], ew._assets_sent)',
    ].join('\n'));
    const [sa, pa, ...rest] = py.trim().split(' ');
    assert.ok(Math.abs(Number(sa) - H1.alpha) < 1e-6 && Math.abs(Number(pa) - H2.alpha) < 1e-6, `Python read back: ${py}`);
    assert.match(rest.join(' '), /\[11, 128\] stringer 1$/, `Python read back: ${py}`);
    mark('α read back in Python');

    // The fit chosen in the figure refits in the page and goes back to Python's traits.
    const H1_OLS = REFERENCE['digits_mlp/plain_h1_test'].alpha_fit_ols;
    await page.locator('eigenlens-spectrum').first().locator('[name="estimator"]').selectOption('ols');
    await page.waitForFunction((want) => document.querySelector('eigenlens-spectrum').shadowRoot
      .querySelector('[part~="alpha"]').textContent === want, H1_OLS.alpha.toFixed(4));
    const ols = await kernelPrint(page, [
      'for _ in range(100):',
      '    if s.estimator == "ols" and s.fit["estimator"] == "ols": break',
      '    time.sleep(0.1)',
      'print(s.estimator, repr(s.alpha))',
    ].join('\n'));
    const [estimator, olsAlpha] = ols.trim().split(' ');
    assert.equal(estimator, 'ols', `Python read back: ${ols}`);
    assert.ok(Math.abs(Number(olsAlpha) - H1_OLS.alpha) < 1e-6, `OLS α read back: ${ols}, NumPy ${H1_OLS.alpha}`);
    mark('refitted to OLS in the figure, read back in Python');

    assert.deepEqual(outside, [], 'every request stays on 127.0.0.1');
    assert.deepEqual(fetched.filter((u) => /eigenlens|\.wasm/i.test(u)), [], 'the widget fetches nothing');
    assert.ok(fetched.length > 10, `the page's own requests were seen (${fetched.length})`);
    assert.deepEqual(pageErrors, []);
    t.diagnostic(`α shown: h1 ${moments.alpha} (NumPy ${H1.alpha}), h2 ${file.alpha} (NumPy ${H2.alpha}); compare ${compare.alphas}`);
  } finally {
    await browser.close();
    await stopLab(lab.server);
    rmSync(dir, { recursive: true, force: true });
    mark('done (server stopped)');
  }
});
