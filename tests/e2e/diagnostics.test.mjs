// The spectrum's diagnostics in the page (issue 11 items 5, 6, 7), end to end in headless
// Chromium against the native CLI (the same core): the bf16 rounding floor drawn on the
// spectrum with its Marchenko–Pastur band and the core's warning; the bootstrap's interval as
// the core reports it (α̂ ± z·se, its block length, its warnings, a block length typed in).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { data, tempFile, npyBytes, settledMain, openInPage, pageForTests } from './browser.mjs';
import { cliJson } from './cli.mjs';

// A Gaussian code with eigenvalues n^-4 in a random basis, mean 0.5, 2000 × 200, stored as bf16
// (tests/data/science/make_fixtures.py). Issue 11, "Storage precision".
const BF16 = data('science/gaussian_a4_mean05.bf16.npy');
const LAYER = data('digits_mlp/plain_h1_test.f32.npy');
const ctx = pageForTests();

const inSpectrum = (sel) => `#spectrum ${sel}`;
/** The core's bootstrap warnings up to the hint on setting the block length, which the CLI words
 *  as its flag (--block) and the page as its input. */
const gist = (warnings) => warnings.map((w) => w.split(/--block|block = T|set the block length/)[0]);
const text = (sel) => ctx.page.locator(sel).textContent();

async function loadMain(path) {
  assert.equal(await openInPage(ctx.page, path), 'render');
  await settledMain(ctx.page);
}

/** The floor's marks on the spectrum figure: the line's y and the band's edges in pixels,
 *  where `values` fall on the figure's own y scale, and the labels. */
const floorMarks = (values = []) => ctx.page.evaluate((vs) => {
  const svg = document.querySelector('#spectrum').shadowRoot.querySelector('[part~="plot"] svg');
  const line = svg.querySelector('g.precision-floor line');
  const rect = svg.querySelector('g.precision-band rect');
  const shift = (g) => { // a mark's <g> may be offset by half a pixel (crisp lines)
    const m = /translate\(([-\d.]+),\s*([-\d.]+)\)/.exec(g?.getAttribute('transform') ?? '');
    return m ? Number(m[2]) : 0;
  };
  const top = rect ? Number(rect.getAttribute('y')) + shift(rect.parentNode) : null;
  return {
    lineY: line ? Number(line.getAttribute('y1')) + shift(line.parentNode) + shift(line) : null,
    band: rect ? [top + Number(rect.getAttribute('height')), top] : null,
    at: vs.map((v) => svg.scale('y').apply(v)),
    label: svg.querySelector('g.precision-label text')?.textContent ?? null,
    title: line?.querySelector('title')?.textContent ?? null,
  };
}, values);

test('bf16 storage: the rounding floor is drawn at the core\'s value over its band, labelled, and the warning names bf16', async () => {
  const cli = cliJson('analyze', BF16);
  const floor = cli.precision_floor;
  assert.equal(floor.dtype, 'bf16');
  // The fixture is what issue 11 describes: α far below the true 4, the fit reaching the floor.
  assert.ok(cli.alpha_fit.alpha < 2.5, `bf16 α ${cli.alpha_fit.alpha}`);
  const warning = cli.warnings.find((w) => w.startsWith('Stored as bf16'));
  assert.ok(warning, `the core warns: ${JSON.stringify(cli.warnings)}`);

  await loadMain(BF16);
  const m = await floorMarks([floor.value, floor.band[0], floor.band[1]]);
  assert.equal(m.label, 'bf16 rounding floor');
  // The line sits at precision_floor.value and the band spans the Marchenko–Pastur edges the
  // core reports: each drawn where the figure's own y scale puts that value, to half a pixel.
  assert.ok(Math.abs(m.lineY - m.at[0]) <= 0.5, `line at y = ${m.lineY} px; the floor ${floor.value} maps to ${m.at[0]} px`);
  assert.ok(m.band, 'the band is drawn');
  assert.ok(Math.abs(m.band[0] - m.at[1]) <= 0.5 && Math.abs(m.band[1] - m.at[2]) <= 0.5,
    `band at ${m.band} px; the core's ${floor.band} map to ${m.at.slice(1)} px`);
  assert.ok(m.band[0] - m.band[1] > 5, 'the band is visible (D/N = 0.1 spreads it over a factor 3.7)');
  assert.match(m.title, new RegExp(`σ̄² = ${floor.value.toPrecision(3).replace('.', '\\.')}`));
  // The core's warning, word for word, among the page's warnings; the floor in the summary.
  const warnings = await ctx.page.locator('#warnings li').allTextContents();
  assert.ok(warnings.includes(warning), `page warnings: ${JSON.stringify(warnings)}`);
  const summary = await ctx.page.locator('#summary tr', { hasText: 'bf16 rounding floor' }).textContent();
  assert.ok(summary.includes(floor.value.toPrecision(3)), summary);
  // α as the CLI fits it.
  assert.equal(await text(inSpectrum('[part~="alpha"]')), cli.alpha_fit.alpha.toFixed(4));
});

test('f32 storage: no floor is drawn', async () => {
  await loadMain(LAYER);
  const m = await floorMarks();
  assert.equal(m.lineY, null);
  assert.equal(m.band, null);
  assert.equal(await ctx.page.locator('#summary tr', { hasText: 'rounding floor' }).count(), 0);
});

// ---- the fit range ----

/** What the Fit range section shows: curvature words, suggestion, button, and the figures'
 *  marks with where the figure's own scales put the fit's numbers. */
const fitRange = () => ctx.page.evaluate(() => {
  const $ = (id) => document.getElementById(id);
  const svg = $('fitrange-slope-plot').querySelector('svg');
  const rule = svg.querySelector('g.alpha-fit line');
  const rect = svg.querySelector('g.fit-range rect');
  const button = $('fitrange-apply');
  return {
    range: $('fit-range').dataset.range,
    curvature: $('fitrange-curvature').textContent,
    suggested: $('fitrange-suggested').textContent,
    button: button.hidden ? null : { text: button.textContent, disabled: button.disabled },
    slopes: [...svg.querySelectorAll('g.local-slope circle title')].map((t) => t.textContent),
    rule: rule && [rule.getAttribute('x1'), rule.getAttribute('x2'), rule.getAttribute('y1')].map(Number),
    rect: rect && [Number(rect.getAttribute('x')), Number(rect.getAttribute('x')) + Number(rect.getAttribute('width'))],
    suggestedEdges: [...svg.querySelectorAll('g.suggested-range line')].map((l) => Number(l.getAttribute('x1'))),
    cells: [...$('fitrange-grid-plot').querySelectorAll('g.alpha-cell rect title')].map((t) => t.textContent),
    gridFit: $('fitrange-grid-plot').querySelectorAll('g.grid-fit circle, g.grid-fit path').length,
    gridSuggested: $('fitrange-grid-plot').querySelectorAll('g.grid-suggested path').length,
  };
});

/** Where the local-slope figure's scales put ranks `ns` (x) and values `vs` (y), in pixels. */
const slopePixels = (ns, vs) => ctx.page.evaluate(([a, b]) => {
  const svg = document.getElementById('fitrange-slope-plot').querySelector('svg');
  return { x: a.map((n) => svg.scale('x').apply(n)), y: b.map((v) => svg.scale('y').apply(v)) };
}, [ns, vs]);

const near = (a, b, what) => assert.ok(Math.abs(a - b) <= 0.5, `${what}: drawn at ${a} px, expected ${b} px`);

test('fit range: local slopes and α over the grid of ranges as the core computes them, the fit range shaded with α, the curvature test in words', async () => {
  // The demo layer from test 2 is on screen: default fit n = 11…128.
  const cli = cliJson('analyze', LAYER);
  const d = cli.fit_diagnostics;
  const fit = cli.alpha_fit;
  await ctx.page.waitForSelector('#fit-range[data-range="11-128"]');
  const f = await fitRange();
  // Every local slope the core reports, one point each, with its value.
  assert.deepEqual(f.slopes, d.local_slope.map((p) => `n = ${p.n}: local slope ${p.slope.toFixed(3)}`));
  // Every cell of the grid, with the core's α.
  assert.deepEqual(f.cells, d.alpha_grid.map((c) => `n = ${c.lo}…${c.hi}: α = ${c.alpha.toFixed(3)}`));
  assert.ok(f.cells.length > 50, `${f.cells.length} cells`);
  assert.equal(f.gridFit, 1);
  // The fit range is shaded over rank_lo…rank_hi and α drawn across it at its value.
  const px = await slopePixels([fit.rank_lo, fit.rank_hi, d.suggested.lo, d.suggested.hi], [fit.alpha]);
  near(f.rect[0], px.x[0], 'fit range start');
  near(f.rect[1], px.x[1], 'fit range end');
  near(f.rule[0], px.x[0], 'α line start');
  near(f.rule[1], px.x[1], 'α line end');
  near(f.rule[2], px.y[0], 'α line height');
  near(f.suggestedEdges[0], px.x[2], 'suggested start');
  near(f.suggestedEdges[1], px.x[3], 'suggested end');
  // Not flagged here: the numbers the test used, from the core.
  const c = d.curvature;
  assert.equal(c.flagged, false);
  assert.ok(f.curvature.startsWith(`No bend flagged over n = 11…128: the best power law broken at n ≈ ${c.breaks.join(', ')} ` +
    `(slopes ${c.slopes.map((a) => a.toFixed(2)).join(' → ')}) leaves ${Math.round(c.rss_ratio * 100)} % of one power law's residual`),
  f.curvature);
  assert.match(f.curvature, /does not show that the code is a power law/);
  // The suggestion and its button, from the core.
  assert.equal(f.button.text, `Fit over n = ${d.suggested.lo}…${d.suggested.hi}`);
  assert.equal(f.button.disabled, false);
  assert.ok(f.suggested.includes(`α over it = ${d.suggested.alpha.toFixed(3)}`), f.suggested);
  assert.equal(f.gridSuggested, 1);
});

test('fit range: the button fits over the suggested range; the refit comes back with the diagnostics redone, as the CLI gives them', async () => {
  const { page } = ctx;
  const { lo, hi } = cliJson('analyze', LAYER).fit_diagnostics.suggested;
  await page.click('#fitrange-apply');
  assert.equal(await page.locator('#spectrum').getAttribute('lo'), String(lo));
  assert.equal(await page.locator('#spectrum').getAttribute('hi'), String(hi));
  await page.waitForSelector(`#fit-range[data-range="${lo}-${hi}"]`, { timeout: 30_000 });
  await settledMain(page);
  const cli = cliJson('analyze', LAYER, '--lo', String(lo), '--hi', String(hi));
  assert.equal(await text(inSpectrum('[part~="alpha"]')), cli.alpha_fit.alpha.toFixed(4));
  assert.equal(await page.inputValue(inSpectrum('input[name="lo"]')), String(lo));
  const f = await fitRange();
  // n = 15…38 spans under two octaves: the core does not test it, and the page says why.
  const c = cli.fit_diagnostics.curvature;
  assert.equal(c.tested, false);
  assert.equal(f.curvature, `Curvature not tested: ${c.reason}.`);
  assert.equal(f.button.disabled, true, 'the suggested range is the fit shown');
  assert.match(f.suggested, /\(the fit shown\)/);
  const px = await slopePixels([lo, hi], [cli.alpha_fit.alpha]);
  near(f.rule[0], px.x[0], 'α line start');
  near(f.rule[1], px.x[1], 'α line end');
  near(f.rule[2], px.y[0], 'α line height');
  await page.locator(inSpectrum('select[name="preset"]')).selectOption('stringer');
  await page.waitForSelector('#fit-range[data-range="11-128"]', { timeout: 30_000 });
  await settledMain(page);
});

test('fit range: bf16 storage flattens the tail; the page shows the core\'s flag and why there is no suggestion', async () => {
  const cli = cliJson('analyze', BF16);
  const d = cli.fit_diagnostics;
  assert.equal(d.curvature.flagged, true);
  assert.equal(d.suggested, null);
  await loadMain(BF16);
  await ctx.page.waitForSelector('#fit-range[data-range="11-100"]');
  const f = await fitRange();
  assert.equal(f.curvature, cli.warnings.find((w) => w.startsWith('Not one power law over n = 11…100')));
  assert.equal(f.suggested, `No suggested range: ${d.suggested_reason}.`);
  assert.equal(f.button, null);
  assert.equal(f.gridSuggested, 0);
  assert.equal(f.slopes.length, d.local_slope.length);
  await loadMain(LAYER);
});

// ---- the bootstrap ----

/** Waits until the element's bootstrap readout holds an interval for the fit shown. */
const bootstrapDone = (timeout = 120_000) => ctx.page.waitForFunction(() => document.querySelector('#spectrum').shadowRoot
  .querySelector('[part~="bootstrap-result"]').dataset.lo !== undefined, null, { timeout });

/** Runs the page's bootstrap with `block` typed in ('' for the default) and reads what it shows. */
async function bootstrap(block) {
  const { page } = ctx;
  await page.fill(inSpectrum('input[name="b"]'), '50');
  await page.fill(inSpectrum('input[name="block"]'), block);
  await page.click(inSpectrum('button.boot-go'));
  await bootstrapDone();
  return page.locator('#spectrum').evaluate((e) => {
    const part = (n) => e.shadowRoot.querySelector(`[part~="${n}"]`);
    const out = part('bootstrap-result');
    return {
      readout: out.textContent, lo: Number(out.dataset.lo), hi: Number(out.dataset.hi),
      block: Number(out.dataset.block),
      method: out.dataset.method, warnings: [...part('bootstrap-warnings').querySelectorAll('li')].map((li) => li.textContent),
      interval: e.interval, band: part('plot').querySelectorAll('svg g.alpha-band path').length,
    };
  });
}

test('bootstrap: the interval is the core\'s α̂ ± z·se with its block length, as the CLI computes it, and its warnings', async () => {
  await loadMain(LAYER);
  const shown = await bootstrap('');
  // The page's seed is 0; the CLI's default is 1.
  const cli = cliJson('analyze', LAYER, '--bootstrap', '50', '--seed', '0');
  const want = cli.alpha_interval;
  assert.equal(want.method, 'normal');
  assert.ok(Math.abs(shown.lo - want.lo) < 1e-9 && Math.abs(shown.hi - want.hi) < 1e-9,
    `page [${shown.lo}, ${shown.hi}], CLI [${want.lo}, ${want.hi}]`);
  assert.deepEqual(shown.interval, { lo: shown.lo, hi: shown.hi, level: 0.95, method: 'normal', block: 1 });
  assert.equal(shown.method, 'normal');
  assert.equal(shown.band, 1);
  const f2 = (x) => x.toFixed(2);
  assert.ok(shown.readout.startsWith(`α = ${f2(cli.bootstrap.alpha)} [${f2(want.lo)}, ${f2(want.hi)}] (95 %, B = 50; α̂ ± z·se, se = `),
    shown.readout);
  assert.match(shown.readout, /540 blocks of 1 row; seed 0\)$/);
  assert.doesNotMatch(shown.readout, /basic|bias-corrected/);
  // N = 540 < 5·D = 1280: the core's warning (and the one on single rows), word for word.
  assert.deepEqual(gist(shown.warnings), gist(cli.bootstrap.warnings));
  assert.ok(shown.warnings.some((w) => /^N\/D = 2\.1 .* is below 5/.test(w)), JSON.stringify(shown.warnings));
});

test('bootstrap: a block length typed in is passed to the core (rows per block), as the CLI\'s --block', async () => {
  const shown = await bootstrap('20');
  const cli = cliJson('analyze', LAYER, '--bootstrap', '50', '--seed', '0', '--block', '20');
  assert.equal(cli.alpha_interval.block, 20);
  assert.equal(shown.block, 20);
  assert.ok(Math.abs(shown.lo - cli.alpha_interval.lo) < 1e-9 && Math.abs(shown.hi - cli.alpha_interval.hi) < 1e-9,
    `page [${shown.lo}, ${shown.hi}], CLI ${JSON.stringify(cli.alpha_interval)}`);
  assert.match(shown.readout, /27 blocks of 20 rows; seed 0\)$/);
  assert.deepEqual(gist(shown.warnings), gist(cli.bootstrap.warnings));
  await ctx.page.fill(inSpectrum('input[name="block"]'), '');
});

test('bootstrap: an [S, T, H] tensor resamples whole sequences by default, and says so', async () => {
  // 60 sequences × 8 positions × 12 units: tokens of a sequence share a sequence-level draw.
  const [s, t, h] = [60, 8, 12];
  let seed = 7;
  const uniform = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) + 0.5) / 2147483648;
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const values = new Float32Array(s * t * h);
  for (let a = 0; a < s; a++) {
    const shared = Array.from({ length: h }, (_, j) => normal() * (j + 1) ** -0.75);
    for (let b = 0; b < t; b++) {
      for (let j = 0; j < h; j++) values[(a * t + b) * h + j] = shared[j] + 0.3 * normal() * (j + 1) ** -0.75;
    }
  }
  const path = tempFile('sequences.npy', npyBytes(`{'descr': '<f4', 'fortran_order': False, 'shape': (${s}, ${t}, ${h}), }`, new Uint8Array(values.buffer)));
  await loadMain(path);
  await ctx.page.locator('#spectrum').evaluate((e) => { e.setAttribute('lo', '2'); e.setAttribute('hi', '6'); });
  await settledMain(ctx.page);
  const shown = await bootstrap('');
  assert.equal(shown.block, t);
  assert.match(shown.readout, new RegExp(`${s} blocks of ${t} rows; seed 0\\)$`));
  const cli = cliJson('analyze', path, '--bootstrap', '50', '--seed', '0', '--lo', '2', '--hi', '6');
  assert.equal(cli.alpha_interval.block, t);
  assert.ok(Math.abs(shown.lo - cli.alpha_interval.lo) < 1e-9, `page ${shown.lo}, CLI ${cli.alpha_interval.lo}`);
  assert.ok(shown.warnings[0].startsWith(`resampled whole sequences: blocks of ${t} rows`), JSON.stringify(shown.warnings));
  assert.deepEqual(gist(shown.warnings), gist(cli.bootstrap.warnings));
  await ctx.page.locator('#spectrum').evaluate((e) => { e.removeAttribute('lo'); e.removeAttribute('hi'); });
});

test('no console errors', () => {
  assert.deepEqual(ctx.consoleErrors, []);
});
