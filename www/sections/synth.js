// Synthetic codes of known α beside the user's: their spectra overlaid (scaled to λ₁ = 1) and
// their random projections, so that α = 2 (rough) and α = 4 (smooth) can be seen.
import { run } from '../engine.js';
import { figureSize } from '../plots/size.js';
import { curvesPlot, SERIES } from '../plots/curves.js';
import { spectraPlot } from '../plots/spectra.js';
import { $, showError, draw, exportsFor, busy, intOf, sig, fixed } from './util.js';

const KEEP = 3; // synthetic codes on screen at once (the oldest goes)
const CURVES_EACH = 2;

export function mountSynth(page) {
  let codes = [];
  let yours = null; // {label, eigenvalues}: the sweep if loaded, else the spectrum above

  const redraw = () => {
    $('synth-out').hidden = !codes.length;
    if (!codes.length) return;
    const synthetic = codes.map((c) => ({ label: c.label, eigenvalues: c.report.spectrum.eigenvalues }));
    const series = [...(yours ? [yours] : []), ...synthetic];
    const spectraBox = $('synth-spectra');
    draw(spectraBox, spectraPlot(series, figureSize(spectraBox.clientWidth)), `spectra scaled to λ₁ = 1: ${series.map((s) => s.label).join('; ')}`);
    exportsFor(spectraBox, 'eigenlens-synthetic.spectra', 'spectra');
    const offset = yours ? 1 : 0; // the same colour as the code's spectrum
    const curves = codes.flatMap((c, j) => c.report.curves.slice(0, CURVES_EACH).map((curve, k) => ({
      values: curve.values, t: c.report.t, color: SERIES[(j + offset) % SERIES.length], label: `${c.label} · y${k + 1} · roughness ${sig(curve.roughness, 3)}`,
    })));
    const curvesBox = $('synth-curves');
    draw(curvesBox, curvesPlot(curves, [], { ...figureSize(curvesBox.clientWidth), tLabel: 'row (sweep order) →', ariaLabel: 'projections of the synthetic codes' }),
      `random projections of the synthetic codes: ${codes.map((c) => c.label).join('; ')}`);
    exportsFor(curvesBox, 'eigenlens-synthetic.projections', 'synthetic projections');
  };

  const go = async () => {
    const kind = $('synth-kind').value;
    const alpha = Number($('synth-alpha').value);
    const rows = intOf('synth-rows', 1024, { min: 3, max: 65536 });
    const cols = intOf('synth-cols', 256, { min: 2, max: 4096 });
    const seed = intOf('synth-seed', 1);
    showError('synth-error', null);
    const options = { k: CURVES_EACH, seed, periodic: kind === 'fourier', shuffle_seed: 0, fit: await page.fitRequest(), d: page.d() };
    try {
      const report = await busy($('synth-go'), 'Generating…', () => run({ type: 'synthSweep', kind, alpha, rows, cols, seed, options }));
      const label = `${kind === 'fourier' ? 'Fourier' : 'Gaussian'} α = ${alpha} (fit ${fixed(report.alpha_fit.alpha, 2)}, H = ${fixed(report.holder_h, 2)})`;
      codes = [...codes, { label, report }].slice(-KEEP);
      redraw();
      $('synth-out').dataset.count = String(codes.length);
      page.emit('synth', codes);
    } catch (e) {
      showError('synth-error', `Could not generate the code: ${e.message}`);
    }
  };

  $('synth-go').addEventListener('click', go);
  $('synth-clear').addEventListener('click', () => { codes = []; redraw(); page.emit('synth', codes); });
  page.spectrum.addEventListener('eigenlens-render', ({ detail: { report } }) => {
    if (page.sweep()) return;
    yours = { label: `yours: ${report.source?.name ?? 'spectrum'} (α ${fixed(report.alpha_fit.alpha, 2)})`, eigenvalues: report.eigenvalues };
    redraw();
  });
  page.on('sweep', ({ report, name }) => {
    yours = { label: `yours: ${name} (α ${fixed(report.alpha_fit.alpha, 2)})`, eigenvalues: report.spectrum.eigenvalues };
    redraw();
  });
  return { redraw };
}
