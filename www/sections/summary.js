// Beside the spectrum: the cumulative variance, the summary numbers and the warnings (the core's
// words, shown as text). Redrawn whenever the spectrum element renders.
import { figureSize } from '../plots/size.js';
import { cumulativePlot } from '../plots/cumulative.js';
import { stem } from '../export.js';
import { $, draw, exportsFor, cell } from './util.js';

export function mountSummary(page) {
  let report = null;

  const redraw = () => {
    if (!report) return;
    const box = $('cumulative-plot');
    draw(box, cumulativePlot(report, figureSize(box.clientWidth)),
      `cumulative fraction of variance against rank; ${report.k90} components reach 90 %`);
    exportsFor(box, () => `${stem(report.source?.name ?? 'eigenlens')}.cumulative`, 'cumulative variance');
  };

  const show = (r) => {
    report = r;
    redraw();
    const src = r.source;
    const pre = r.preprocessing ?? {};
    const spectrumOf = [
      pre.positions_centred && 'each position centred (within-position covariance)',
      pre.standardized && 'z-scored units (correlation matrix)',
      pre.removed_top > 0 && `top ${pre.removed_top} components removed, the rest renumbered from 1`,
    ].filter(Boolean);
    const rows = [
      spectrumOf.length && ['spectrum of', spectrumOf.join('; ')],
      ['N × D', `${r.n_rows.toLocaleString('en')} × ${r.n_cols.toLocaleString('en')}`],
      src?.flattened && ['read as', src.flattened],
      r.n_dropped_rows && ['rows dropped (NaN/Inf)', String(r.n_dropped_rows)],
      ['total variance', r.total_variance.toPrecision(6), 'trace of the covariance'],
      ['numerical rank', String(r.numerical_rank), '#{λ > λ₁·max(N,D)·ε}'],
      ['constant units', String(r.n_constant_columns)],
      ['participation ratio', r.participation_ratio.toFixed(3), '(Σλ)² / Σλ²'],
      ['effective rank', r.effective_rank.toFixed(3), 'Roy & Vetterli, on √λ'],
      ['k₉₀', String(r.k90), 'fewest components reaching 90 % of the variance'],
      r.precision_floor && [`${r.precision_floor.dtype} rounding floor`, r.precision_floor.value.toPrecision(3),
        'σ̄²: mean over units of the rounding-noise variance ulp²/12 of the stored values; below it the spectrum is rounding noise'],
    ].filter(Boolean);
    $('summary').tBodies[0].replaceChildren(...rows.map(([label, value, title]) => {
      const tr = document.createElement('tr');
      if (title) tr.title = title;
      cell(tr, label, { tag: 'th' });
      cell(tr, value);
      return tr;
    }));
    // What the reader guessed about the file (header, index column, orientation) and the warnings.
    const guesses = [...(r.guesses ?? []), ...(src?.guesses ?? [])].map((g) => `guessed: ${g}`);
    $('warnings').replaceChildren(...[...guesses, ...(r.warnings ?? [])].map((w) => {
      const li = document.createElement('li');
      li.textContent = w;
      return li;
    }));
  };

  page.spectrum.addEventListener('eigenlens-render', (e) => show(e.detail.report));
  return { redraw };
}
