// The page's main flows, one set of scenarios run in two engines (issue 19): Chromium (Debian's,
// through playwright-core) and Firefox ESR (Debian's, through puppeteer-core over WebDriver BiDi).
// Each scenario talks to the page only through the driver interface (tests/e2e/drivers/serve.mjs)
// and asserts the same known answers in both: NumPy's α (reference.json) and the CLI's numbers.
// Every number a scenario reads off the page is also recorded per engine, and the last test asserts
// the two engines showed the same text to the last digit shown.
//
// Flows: first open with the demo, a file through the input, a refit, a multi-array file through
// the chooser, bad files' messages, cvPCA and the sweep on the reference files, the toy model's
// small sweep, the custom elements from a sub-path, and the request log.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as chromium from './drivers/chromium.mjs';
import * as firefox from './drivers/firefox.mjs';
import { data, tempFile, npyBytes, f32 } from './browser.mjs';
import { armOutcome, mainSettled, outcome } from './in-page.mjs';
import { cliJson } from './cli.mjs';

const reference = JSON.parse(readFileSync(data('reference.json'), 'utf8'));
const H1 = reference.matrices['digits_mlp/plain_h1_test'];
const H2 = reference.matrices['digits_mlp/plain_h2_test'];
const LAYER = data('digits_mlp/plain_h1_test.f32.npy');
const sig4 = (x) => Number(x).toPrecision(4);

/** What each engine showed: { engine: { key: text } }, compared in the last test. */
const shownBy = {};
/** Wall time of each engine's run of the scenarios, browser launch to last close (ms). */
const duration = {};

// ---- In-page reads (plain functions: each driver runs them with evaluate) --------------------

/** What an <eigenlens-spectrum> shows. */
const shownFn = (sel) => {
  const e = document.querySelector(sel);
  const part = (n) => e.shadowRoot.querySelector(`[part~="${n}"]`);
  return {
    state: e.dataset.state, title: part('title').textContent, alpha: part('alpha').textContent, detail: part('detail').textContent,
    caption: part('caption').textContent, error: part('error').hidden ? null : part('error').textContent,
    label: e.shadowRoot.querySelector('.alpha-label')?.textContent ?? null, busy: e.hasAttribute('data-busy'),
    svgs: part('plot').querySelectorAll('svg').length,
  };
};
const shown = (tab, sel = '#spectrum') => tab.evaluate(shownFn, sel);

const settledMain = (tab) => tab.waitFor(mainSettled);

/** Arms a wait for what happens next on index.html (in-page.mjs); returns a function that resolves with it. */
async function nextOutcome(tab) {
  await tab.evaluate(armOutcome);
  return () => tab.evaluate(outcome);
}

/** Opens `path` through the drop zone's file input and waits for the outcome (see nextOutcome). */
async function openInPage(tab, path) {
  await tab.evaluate(() => {
    const e = document.querySelector('#error');
    e.hidden = true;
    e.textContent = '';
  });
  const outcome = await nextOutcome(tab);
  await tab.setFiles('#file', path);
  return outcome();
}

const text = (tab, sel) => tab.evaluate((s) => document.querySelector(s).textContent, sel);
const spectrumPart = (tab, name) => tab.evaluate((n) => document.querySelector('#spectrum').shadowRoot
  .querySelector(`[part~="${n}"]`).textContent, name);
/** Requests that left the served origin (data: and blob: URLs never leave the page). */
const foreign = (tab, base = `${tab.origin}/`) => tab.requests.filter((u) => !u.startsWith(base) && !/^(data|blob):/.test(u));

const BAD = [
  ['empty.npy', new Uint8Array(), 'the file is empty (0 bytes)'],
  ['magic.npy', new TextEncoder().encode('PK\x03\x04 not an npy'), 'not a valid npy file: its first bytes are not the npy magic string'],
  ['truncated.npy', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (100, 4), }", f32(new Array(150).fill(1))),
    'truncated data: the header promises 1600 bytes of data but the file holds 600 (37 complete rows)'],
  ['list.npy', npyBytes('[1, 2, 3]'), 'bad npy header: the header is not a dict'],
  ['complex.npy', npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (2, 2), }", new Uint8Array(32)),
    "unsupported dtype '<c8': eigenlens reads float (f16, bf16, f32, f64), integer and bool arrays"],
  ['object.npy', npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (2, 2), }"),
    "unsupported dtype '|O': eigenlens reads float (f16, bf16, f32, f64), integer and bool arrays"],
  ['vector.npy', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", f32([1, 2, 3, 4, 5])), /a 1-D array is a single vector/],
  ['one_row.npy', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }", f32([1, 2, 3])),
    'too few rows: the matrix has N = 1 row(s); a covariance needs at least 2'],
  ['nan.npy', npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", f32([1, 1, 1, 1, 1, 1, 1, 1, 1, NaN, 1, 1])),
    'non-finite value NaN at row 2, column 1 (0-based); fix the data or choose to drop rows with NaN/Inf'],
].map(([name, bytes, message]) => [name, tempFile(name, bytes), message]);

const TOY = { 'toy-n': '8', 'toy-m': '3', 'toy-count': '4', 'toy-steps': '400', 'toy-batch': '256', 'toy-seed': '7' };

for (const driver of [chromium, firefox]) {
  const { engine } = driver;
  const got = (shownBy[engine] = {});
  describe(engine, () => {
    let browser;
    let tab;
    let t0;
    before(async () => {
      t0 = performance.now();
      browser = await driver.launch();
      tab = await browser.open('index.html');
    });
    after(async () => {
      await tab?.close();
      await browser?.close();
      duration[engine] = performance.now() - t0;
    });

    test(`${engine}: first open shows the demo (a real layer) with NumPy's α`, async (t) => {
      t.diagnostic(`${browser.version}`);
      await settledMain(tab);
      const s = await shown(tab);
      assert.equal(s.state, 'done');
      assert.match(s.title, /^demo: hidden layer 1 of a small MLP/);
      // The demo is tests/data/digits_mlp/plain_h1_test.f32.npy, served with the site.
      assert.equal(s.alpha, H1.alpha_fit_stringer.alpha.toFixed(4));
      assert.equal(s.svgs, 1);
      assert.match(await text(tab, '#privacy'), /nothing is uploaded/);
      assert.match(await text(tab, '#summary'), /N × D540 × 256/);
      Object.assign(got, { demoAlpha: s.alpha, demoDetail: s.detail });
    });

    test(`${engine}: a .npy through the file input gives NumPy's α and the core's α text`, async () => {
      assert.equal(await openInPage(tab, LAYER), 'render');
      const s = await shown(tab);
      assert.equal(s.title, 'plain_h1_test.f32.npy');
      assert.equal(s.alpha, H1.alpha_fit_stringer.alpha.toFixed(4));
      assert.match(s.label, /^α = 2\.394 \(stringer, n = 11…128\)$/);
      assert.match(s.detail, /^2\.394 \(stringer, n = 11…128\) · 118 points · R² = 0\.\d{4}$/);
      const summary = await text(tab, '#summary');
      assert.match(summary, /participation ratio7\.113/);
      Object.assign(got, { fileAlpha: s.alpha, fileDetail: s.detail, fileSummary: summary });
    });

    test(`${engine}: a refit: estimator OLS gives NumPy's OLS α, the presets are the core's`, async () => {
      const waitDetail = (src) => tab.waitFor((re) => new RegExp(re).test(document.querySelector('#spectrum').shadowRoot
        .querySelector('[part~="detail"]').textContent), src);
      await tab.select('#spectrum >>> select[name="estimator"]', 'ols');
      await tab.waitFor((want) => document.querySelector('#spectrum').shadowRoot.querySelector('[part~="alpha"]').textContent === want,
        H1.alpha_fit_ols.alpha.toFixed(4));
      got.olsDetail = await spectrumPart(tab, 'detail');
      assert.match(got.olsDetail, /^2\.474 \(ols, n = 11…128\)/);
      await tab.select('#spectrum >>> select[name="estimator"]', 'stringer');
      await waitDetail('\\(stringer, n = 11…128\\)');
      const presets = await tab.evaluate(() => [...document.querySelector('#spectrum').shadowRoot
        .querySelectorAll('select[name="preset"] option')].map((o) => o.textContent));
      assert.equal(presets.length, 3, presets.join(' | '));
      // METHODS: α-ReQ is n = 11 … 100.
      await tab.select('#spectrum >>> select[name="preset"]', 'alpha-req');
      await waitDetail('n = 11…100');
      assert.equal(await tab.evaluate(() => document.querySelector('#spectrum').shadowRoot.querySelector('input[name="lo"]').value), '11');
      got.alphaReqDetail = await spectrumPart(tab, 'detail');
      await tab.select('#spectrum >>> select[name="preset"]', 'stringer');
      await waitDetail('n = 11…128');
    });

    test(`${engine}: an .npz with two arrays: the chooser lists them, the chosen one gives its reference α`, async () => {
      assert.equal(await openInPage(tab, data('formats/digits_plain_h1_h2_compressed.npz')), 'chooser');
      const options = await tab.evaluate(() => [...document.querySelectorAll('#chooser label.array')].map((l) => l.textContent));
      assert.deepEqual(options.map((o) => o.split(' — ')[0].trim()), ['h1', 'h2']);
      assert.match(options[1], /f32 \[540, 256\] · 540 × 256 · 553 kB/);
      const outcome = await nextOutcome(tab);
      await tab.check('#chooser input[type="radio"][value="1"]');
      await tab.click('#chooser .chooser-go');
      assert.equal(await outcome(), 'render');
      const s = await shown(tab);
      assert.equal(s.title, 'digits_plain_h1_h2_compressed.npz › h2');
      assert.equal(s.alpha, H2.alpha_fit_stringer.alpha.toFixed(4));
      assert.equal(await tab.evaluate(() => document.querySelector('#chooser').hidden), true);
      Object.assign(got, { npzOptions: options.join(' | '), npzAlpha: s.alpha, npzDetail: s.detail });
    });

    test(`${engine}: bad files show the core's message, and a good file after them still works`, async () => {
      for (const [name, path, message] of BAD) {
        const outcome = await openInPage(tab, path);
        assert.ok(outcome === 'page-error' || outcome === 'error', `${name}: ${outcome}`);
        const said = outcome === 'page-error' ? await text(tab, '#error') : (await shown(tab)).error;
        if (message instanceof RegExp) assert.match(said, message);
        else assert.equal(said, `Could not analyse ${name}: ${message}`);
        // Nothing is left running: the worker answers the next file.
        assert.equal((await shown(tab)).busy, false, name);
        got[`bad ${name}`] = said;
      }
      assert.equal(await openInPage(tab, data('sweep/digit_rotation_plain_h2.f32.npy')), 'render');
      const s = await shown(tab);
      assert.equal(s.alpha, reference.matrices['sweep/digit_rotation_plain_h2'].alpha_fit_stringer.alpha.toFixed(4));
      got.afterBadAlpha = s.alpha;
    });

    test(`${engine}: cvPCA of the two MC-dropout repeats: the shared-variance fraction equals NumPy to 4 decimals`, async () => {
      const pair = reference.cvpca_pairs['digits_mlp/dropout_h2_mcdrop'];
      await tab.setFiles('#cvpca-a', data(`${pair.rep1}.f32.npy`));
      await tab.setFiles('#cvpca-b', data(`${pair.rep2}.f32.npy`));
      await tab.waitFor(() => document.querySelector('#cvpca').dataset.state === 'done');
      const shared = await text(tab, '#cvpca-shared');
      assert.equal(Number(shared).toFixed(4), pair.shared_variance_fraction.toFixed(4));
      assert.ok(Math.abs(Number(shared) - pair.shared_variance_fraction) < 1e-6);
      // α on the cvPCA spectrum as the CLI fits it (Stringer's 5 shuffles, seed 1, the page's default).
      const cli = cliJson('cvpca', data(`${pair.rep1}.f32.npy`), data(`${pair.rep2}.f32.npy`), '--shuffles', '5', '--seed', '1');
      const alpha = await text(tab, '#cvpca-alpha');
      const plain = await text(tab, '#cvpca-alpha-plain');
      assert.equal(alpha, cli.alpha_fit.label);
      assert.equal(plain, cli.alpha_fit_plain.label);
      const figure = await tab.evaluate(() => ({
        points: document.querySelectorAll('#cvpca-plot svg .cv-signal circle').length,
        label: document.querySelector('#cvpca-plot').getAttribute('aria-label'),
      }));
      assert.ok(figure.points > 50, `${figure.points} points`);
      assert.match(figure.label, /shared variance 94\.48 %/);
      Object.assign(got, { cvShared: shared, cvAlpha: alpha, cvAlphaPlain: plain, cvLabel: figure.label });
    });

    test(`${engine}: rotation sweep with its angle file: K = 5 curves, R equals NumPy to 4 digits, H and the verdict as the CLI`, async () => {
      const SWEEP = data('sweep/digit_rotation_plain_h1.f32.npy');
      const ANGLE = data('sweep/digit_rotation_angle_deg.npy');
      await tab.check('#sweep-periodic');
      await tab.fill('#sweep-k', '5');
      await tab.setFiles('#sweep-param', ANGLE);
      await tab.setFiles('#sweep-file', SWEEP);
      await tab.waitFor(() => document.querySelector('#smoothness').dataset.sweep === 'done');
      const view = await tab.evaluate(() => {
        const root = document.querySelector('#sweep-projections').shadowRoot;
        return {
          paths: root.querySelectorAll('svg g.proj-curve path').length,
          labels: [...root.querySelectorAll('.proj-label')].map((l) => l.textContent),
        };
      });
      assert.equal(view.paths, 5);
      assert.deepEqual(view.labels.map((l) => l.split(' · ')[0]), ['y1', 'y2', 'y3', 'y4', 'y5']);
      const ref = reference.sweeps['sweep/digit_rotation_plain_h1'];
      const r = await text(tab, '#sweep-roughness');
      assert.equal(sig4(r), sig4(ref.roughness_sweep_order), `R shown ${r}, NumPy ${ref.roughness_sweep_order}`);
      // The page (wasm) and the CLI (native) are the same core: the seeded numbers agree too.
      const cli = cliJson('sweep', SWEEP, '--param', ANGLE, '--periodic', '--k', '5', '--seed', '1');
      const readout = {
        shuffled: await text(tab, '#sweep-roughness-shuffled'), h: await text(tab, '#sweep-h'),
        href: await text(tab, '#sweep-h-ref'), bound: await text(tab, '#sweep-h-bound'),
      };
      assert.equal(sig4(readout.shuffled), sig4(cli.roughness_shuffled), 'is www/pkg built from the current src/?');
      assert.equal(readout.h, cli.holder_h.toFixed(3));
      assert.equal(readout.href, cli.holder_h_reference.toFixed(3));
      assert.equal(readout.bound, cli.holder_h_bound.toFixed(3));
      assert.deepEqual(view.labels.map((t) => Number(t.split('roughness ')[1])), cli.curves.map((c) => Number(c.roughness.toPrecision(3))));
      const verdicts = await tab.evaluate(() => [...document.querySelectorAll('#verdict-table .verdict-text')].map((v) => v.textContent));
      assert.ok(verdicts.includes(cli.verdict.text), `verdicts ${JSON.stringify(verdicts)}; core: ${cli.verdict.text}`);
      Object.assign(got, { sweepR: r, sweepLabels: view.labels.join(' | '), verdicts: verdicts.join(' | '),
        ...Object.fromEntries(Object.entries(readout).map(([k, v]) => [`sweep_${k}`, v])) });
    });

    test(`${engine}: the request log: no request leaves the origin, no console or page errors or CSP violations`, async () => {
      assert.deepEqual(foreign(tab), []);
      assert.ok(tab.requests.some((u) => u.startsWith(tab.origin) && u.endsWith('.wasm')), 'the wasm came from the page origin');
      assert.ok(tab.requests.some((u) => /\/worker-[\w-]+\.js$/.test(u)), 'the worker script is in the log');
      assert.deepEqual(tab.consoleErrors, []);
      assert.deepEqual(tab.pageErrors, []);
      assert.deepEqual(await tab.cspViolations(), []);
    });

    test(`${engine}: the toy model's small sweep: four figures, every number the CLI's, labels clear of the ticks`, { timeout: 150_000 }, async () => {
      const toy = await browser.open('toy.html');
      try {
        for (const [id, value] of Object.entries(TOY)) await toy.fill(`#${id}`, value);
        await toy.click('#toy-train');
        await toy.waitFor(() => document.querySelector('#toy-result').dataset.state === 'done', null, { timeout: 120_000 });
        const page = await toy.evaluate(() => ({
          drawn: ['toy-dims-plot', 'toy-features-plot', 'toy-alpha-plot', 'toy-gram-plot'].filter((id) => document.querySelector(`#${id} svg`)),
          progress: document.querySelector('#toy-progress').textContent,
          fractionLabels: document.querySelector('#toy-fraction-labels').textContent,
          alphaNote: document.querySelector('#toy-alpha-note').textContent,
          command: document.querySelector('#toy-cli').textContent,
          rows: [...document.querySelectorAll('#toy-table tbody tr')].map((tr) => ({
            index: Number(tr.dataset.index), dims: tr.querySelector('.dims').textContent, floor: tr.querySelector('.floor').textContent,
            alpha: tr.querySelector('.alpha').textContent, alphaWhy: tr.querySelector('.alpha').title,
            fractions: tr.querySelector('.fractions').textContent,
          })),
        }));
        assert.equal(page.drawn.length, 4, `drawn: ${page.drawn}`);
        assert.match(page.progress, /4 sparsities × 400 steps trained in/);
        const cli = cliJson('toy', '--n', '8', '--m', '3', '--sparsities', '4', '--steps', '400', '--batch', '256', '--seed', '7');
        assert.equal(cli.runs.length, 4);
        assert.equal(page.rows.length, 4);
        for (const row of page.rows) {
          const want = cli.runs[row.index];
          assert.equal(row.dims, want.dims_per_feature.toFixed(4), `dims per feature, run ${row.index}`);
          assert.equal(row.floor, (3 / 8).toFixed(4), 'floor m/n');
          assert.equal(want.hidden_alpha, null); // m = 3: no α, and the reason on the cell
          assert.equal(row.alpha, '–');
          assert.match(row.alphaWhy, /3 eigenvalues; α is not fitted over fewer than 20/);
          assert.equal(row.fractions, `${want.features_at_fractions.map((f) => f.count).join(' · ')} of ${want.features_stored}`);
        }
        assert.equal(page.fractionLabels, '1 · 3/4 · 2/3 · 1/2 · 2/5 · 3/8');
        assert.match(page.alphaNote, /No α where m = 3 hidden units give 3 eigenvalues/);
        assert.match(page.command, /eigenlens toy --n 8 --m 3 .*--seed 7/);
        // Layout in this engine: the six fraction labels in the right margin, none over a y tick label.
        const boxes = await toy.evaluate(() => {
          const svg = [...document.querySelectorAll('#toy-dims-plot svg')].pop();
          const box = (t) => {
            const b = t.getBoundingClientRect();
            return { text: t.textContent, l: b.left, r: b.right, t: b.top, b: b.bottom };
          };
          return {
            ticks: [...svg.querySelectorAll('g[aria-label="y-axis tick label"] text')].map(box),
            texts: [...svg.querySelectorAll('g[aria-label="text"] text')].map(box),
          };
        });
        const fractions = ['1', '3/4', '2/3', '1/2', '2/5', '3/8'];
        assert.deepEqual(boxes.texts.filter((b) => fractions.includes(b.text)).map((b) => b.text), fractions);
        assert.ok(boxes.ticks.length >= 5, 'y ticks drawn');
        const overlap = (a, b) => a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b;
        for (const label of boxes.texts) {
          for (const tick of boxes.ticks) assert.ok(!overlap(label, tick), `"${label.text}" overlaps the tick "${tick.text}"`);
        }
        const words = boxes.texts.map((b) => b.text).join(' | ');
        assert.match(words, /lower bound \(Lemma 2\), Hₑ = 8 bits, free/);
        assert.match(words, /floor m\/n = 0\.375/);
        assert.deepEqual(foreign(toy), []);
        assert.deepEqual([...toy.consoleErrors, ...toy.pageErrors], []);
        assert.deepEqual(await toy.cspViolations(), []);
        got.toyRows = JSON.stringify(page.rows);
        got.toyWords = words;
      } finally {
        await toy.close();
      }
    });

    test(`${engine}: the custom elements from a sub-path: embed.html under /blog/post/ shows NumPy's α for both layers`, async (t) => {
      const site = await browser.open('embed.html', { prefix: '/blog/post/' });
      try {
        await site.waitFor(() => {
          const els = [...document.querySelectorAll('eigenlens-spectrum')];
          return els.length && els.every((e) => e.dataset.state === 'done' || e.dataset.state === 'error');
        });
        const els = await site.evaluate(() => [...document.querySelectorAll('eigenlens-spectrum')].map((e) => {
          const part = (name) => e.shadowRoot.querySelector(`[part~="${name}"]`);
          return {
            state: e.dataset.state, dataAlpha: e.dataset.alpha, alpha: part('alpha').textContent, detail: part('detail').textContent,
            svgs: part('plot').querySelectorAll('svg').length, renderedAt: e.renderedAt ?? null,
            label: e.shadowRoot.querySelector('.alpha-label')?.textContent ?? null,
          };
        }));
        assert.equal(els.length, 2);
        for (const [el, m] of [[els[0], H1], [els[1], H2]]) {
          assert.equal(el.state, 'done');
          assert.equal(el.alpha, m.alpha_fit_stringer.alpha.toFixed(4));
          assert.ok(Math.abs(Number(el.dataAlpha) - m.alpha_fit_stringer.alpha) < 1e-9, `${el.dataAlpha} vs ${m.alpha_fit_stringer.alpha}`);
          assert.match(el.detail, /^\d\.\d{3} \(stringer, n = 11…128\) · 118 points · R² = /);
          assert.equal(el.svgs, 1);
          assert.match(el.label, /^α = \d\.\d{3} \(stringer, n = 11…128\)$/);
        }
        t.diagnostic(`${engine}: first figure on embed.html ${Math.min(...els.map((e) => e.renderedAt)).toFixed(0)} ms after navigation start`);
        // Every request stayed under the sub-path: the build's paths are all relative.
        assert.deepEqual(foreign(site, site.base), []);
        assert.ok(site.requests.includes(`${site.base}eigenlens.js`), 'the stable entry name');
        assert.equal(site.requests.filter((u) => u.endsWith('.wasm')).length, 1, 'the wasm is loaded once for both elements');
        assert.deepEqual([...site.consoleErrors, ...site.pageErrors], []);
        assert.deepEqual(await site.cspViolations(), []);
        els.forEach((el, i) => Object.assign(got, { [`embed${i} alpha`]: el.alpha, [`embed${i} detail`]: el.detail, [`embed${i} data`]: el.dataAlpha }));
      } finally {
        await site.close();
      }
    });

    test(`${engine}: the driver sees what the checks above rely on: console and page errors, a CSP violation, a foreign request, files, boxes`, async () => {
      // A 404 page of the test server: text, no CSP, so a request may leave the origin.
      const probe = await browser.open('no-such-page.html');
      try {
        // Another origin (the same server by another name): a port on the fetch spec's bad-port
        // list would be refused before Firefox reports the request at all.
        const elsewhere = `${probe.origin.replace('127.0.0.1', 'localhost')}/elsewhere`;
        await probe.evaluate((url) => {
          document.body.innerHTML = '<input type="file" id="f" multiple><input type="checkbox" id="c" checked><input id="t">';
          window.changes = 0;
          document.querySelector('#f').addEventListener('change', () => { window.changes += 1; });
          const csp = document.createElement('meta');
          csp.httpEquiv = 'Content-Security-Policy';
          csp.content = "img-src 'self'";
          document.head.append(csp);
          const img = document.createElement('img');
          img.src = `${url}.png`;
          document.body.append(img);
          console.error('driver check: console');
          setTimeout(() => { throw new Error('driver check: thrown'); });
          return fetch(url).then(() => 'answered', () => 'refused');
        }, elsewhere);
        await probe.setFiles('#f', [LAYER, data('digits_mlp/plain_h2_test.f32.npy')]);
        await probe.check('#c', false);
        await probe.fill('#t', '42');
        const seen = await probe.evaluate(() => ({
          files: [...document.querySelector('#f').files].map((f) => `${f.name} ${f.size}`), changes: window.changes,
          checked: document.querySelector('#c').checked, text: document.querySelector('#t').value,
        }));
        assert.deepEqual(seen, {
          files: [`plain_h1_test.f32.npy ${readFileSync(LAYER).length}`,
            `plain_h2_test.f32.npy ${readFileSync(data('digits_mlp/plain_h2_test.f32.npy')).length}`],
          changes: 1, checked: false, text: '42',
        });
        await probe.waitFor(() => new Promise((ok) => setTimeout(() => ok(true), 50)));
        assert.deepEqual(probe.consoleErrors.filter((m) => /driver check/.test(m)), ['driver check: console']);
        assert.equal(probe.pageErrors.filter((m) => /driver check: thrown/.test(m)).length, 1, JSON.stringify(probe.pageErrors));
        // The image the CSP refuses: Chromium lists it as a request and Firefox does not, so a
        // blocked request is caught by cspViolations in both engines.
        assert.deepEqual(foreign(probe).filter((u) => u !== `${elsewhere}.png`), [elsewhere]);
        assert.deepEqual(await probe.cspViolations(), [`img-src ${elsewhere}.png`]);
      } finally {
        await probe.close();
      }
    });
  });
}

test('the two engines showed the same numbers, to the last digit shown', (t) => {
  for (const [engine, ms] of Object.entries(duration)) t.diagnostic(`${engine}: the flows took ${(ms / 1000).toFixed(1)} s`);
  const [a, b] = Object.keys(shownBy);
  assert.ok(Object.keys(shownBy[a]).length >= 30, `${Object.keys(shownBy[a]).length} readings from ${a}`);
  assert.deepEqual(Object.keys(shownBy[b]).sort(), Object.keys(shownBy[a]).sort(), 'both engines ran every scenario');
  for (const key of Object.keys(shownBy[a])) assert.equal(shownBy[b][key], shownBy[a][key], `${key}: ${a} and ${b} differ`);
});
