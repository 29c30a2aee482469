// The analyses below the spectrum, one module each, sharing a small page context:
//   fitRequest()  the fit settings of the spectrum view (estimator, lo, hi)
//   main()        {report, file: {name, key, file} | null} of the spectrum view
//   on/emit       'report' (the spectrum view changed), 'sweep', 'synth'
//   d()           the input dimension of the smoothness verdict (a number or 'high')
import { mountCvpca } from './cvpca.js';
import { mountVerdict } from './verdict.js';
import { mountSweep } from './sweep.js';
import { mountSynth } from './synth.js';
import { mountAlignment } from './alignment.js';
import { mountBootstrap } from './bootstrap.js';
import { mountCompare } from './compare.js';

export function mountSections({ fitRequest, main, onBand }) {
  const listeners = {};
  const page = {
    fitRequest,
    main,
    on: (type, fn) => (listeners[type] ??= []).push(fn),
    emit: (type, detail) => (listeners[type] ?? []).forEach((fn) => fn(detail)),
  };
  const verdict = mountVerdict(page);
  page.d = verdict.d;
  const sweep = mountSweep(page);
  page.sweep = sweep.current;
  const mounted = [mountCvpca(page), sweep, mountSynth(page), mountAlignment(page), mountCompare(page)];
  mountBootstrap(page, { onBand });
  return {
    emit: page.emit,
    redraw: () => mounted.forEach((m) => m.redraw?.()),
  };
}
