// The analyses around the spectrum, one module each, sharing a small page context:
//   spectrum     the page's <eigenlens-spectrum> (its report, fit settings and data)
//   fitRequest() the fit settings shown there, {estimator, lo, hi} (a promise)
//   main()       {report, file, key, name} of the spectrum shown (file: the File it read)
//   on/emit      'sweep' (the sweep's report changed), 'synth' (the synthetic codes changed)
//   d()          the input dimension of the smoothness verdict (a number or 'high')
//   sweep()      the sweep's report, or null
import { mountSummary } from './summary.js';
import { mountCvpca } from './cvpca.js';
import { mountVerdict } from './verdict.js';
import { mountSweep } from './sweep.js';
import { mountSynth } from './synth.js';
import { mountAlignment } from './alignment.js';
import { mountCompare } from './compare.js';
import { mountDiagnostics } from './diagnostics.js';

export function mountSections({ spectrum }) {
  const listeners = {};
  const page = {
    spectrum,
    fitRequest: () => spectrum.fit().then(({ estimator, lo, hi }) => ({ estimator, lo, hi })),
    main: () => ({ report: spectrum.report, ...(spectrum.data ?? { file: null, key: null }), name: spectrum.report?.source?.name ?? '' }),
    on: (type, fn) => (listeners[type] ??= []).push(fn),
    emit: (type, detail) => (listeners[type] ?? []).forEach((fn) => fn(detail)),
  };
  const verdict = mountVerdict(page);
  page.d = verdict.d;
  const sweep = mountSweep(page);
  page.sweep = sweep.current;
  const mounted = [
    mountSummary(page), mountDiagnostics(page),
    mountCvpca(page), sweep, mountSynth(page), mountAlignment(page), mountCompare(page),
  ];
  let width = innerWidth;
  addEventListener('resize', () => {
    if (Math.abs(innerWidth - width) <= 8) return;
    width = innerWidth;
    mounted.forEach((m) => m.redraw?.());
  });
}
