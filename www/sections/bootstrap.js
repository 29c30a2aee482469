// α uncertainty: a bootstrap over the rows of the file loaded above, its percentile interval
// printed beside α and drawn as a band of slopes on the spectrum.
import { run } from '../engine.js';
import { $, busy, intOf } from './util.js';

const LEVEL = 0.95;
const SEED = 0;

/** A fit's identity: the band is valid only for the fit it was computed with. */
const fitKey = (name, fit) => `${name}|${fit.estimator}|${fit.rank_lo}|${fit.rank_hi}`;

export function mountBootstrap(page, { onBand }) {
  let result = null; // {key, lo, hi}

  const clear = () => {
    result = null;
    $('bootstrap-result').textContent = '';
    delete $('bootstrap-result').dataset.lo;
    onBand(null);
  };

  const go = async () => {
    const { file, report } = page.main();
    if (!file?.file) { $('bootstrap-result').textContent = 'Load a file at the top first: the bootstrap resamples its rows.'; return; }
    const b = intOf('boot-b', 50, { min: 2, max: 2000 });
    const fit = page.fitRequest();
    $('bootstrap-result').textContent = `resampling 0 of ${b}…`;
    delete $('bootstrap-result').dataset.lo;
    try {
      const r = await busy($('boot-go'), 'Resampling…', () => run({ type: 'bootstrap', file: file.file, key: file.key, options: { b, seed: SEED, fit, level: LEVEL } },
        ({ done, total }) => { $('bootstrap-result').textContent = `resampling ${done} of ${total}…`; }));
      if (r.lo === null || r.hi === null) {
        $('bootstrap-result').textContent = `no interval: ${r.n_invalid} of ${r.b} resamples gave no valid α`;
        return;
      }
      const current = page.main().report.alpha_fit;
      result = { key: fitKey(file.name, current), lo: r.lo, hi: r.hi };
      const el = $('bootstrap-result');
      el.textContent = `α = ${r.alpha.toFixed(2)} [${r.lo.toFixed(2)}, ${r.hi.toFixed(2)}] (${Math.round(r.level * 100)} %, B = ${r.b}` +
        `${r.n_invalid ? `, ${r.n_invalid} resamples without a valid α` : ''}; seed ${r.seed})`;
      if (Number.isFinite(r.basic_lo) && Number.isFinite(r.basic_hi)) {
        el.textContent += ` · basic (bias-corrected) interval [${r.basic_lo.toFixed(2)}, ${r.basic_hi.toFixed(2)}]`;
      }
      Object.assign(el.dataset, { alpha: r.alpha, lo: r.lo, hi: r.hi });
      if (r.alpha < r.lo || r.alpha > r.hi) {
        el.textContent += ` — the interval misses α itself: a resample repeats about a third of the rows, which steepens the spectrum when N is not much larger than D (here ${report.n_rows} × ${report.n_cols}); read its width, not its place.`;
      }
      el.title = `bootstrap over rows: ${r.level * 100} % percentile interval of α from ${r.b} resamples, median ${r.median?.toFixed(4)}`;
      onBand({ lo: r.lo, hi: r.hi });
    } catch (e) {
      $('bootstrap-result').textContent = `The bootstrap failed: ${e.message}`;
    }
  };

  $('boot-go').addEventListener('click', go);
  // A new file or another fit range: the interval no longer belongs to the α shown.
  page.on('report', ({ report, file }) => {
    if (result && result.key !== fitKey(file?.name, report.alpha_fit)) clear();
  });
}
