// Functions that run inside index.html (handed to a driver's evaluate or wait), shared by the
// Chromium-only tests (browser.mjs) and the two-engine scenarios (flows.test.mjs).

/** Whether the page's spectrum element has rendered (or failed) and is idle. */
export function mainSettled() {
  const e = document.querySelector('#spectrum');
  return e && !e.hasAttribute('data-busy') && (e.dataset.state === 'done' || e.dataset.state === 'error');
}

/**
 * Arms a wait for what happens next on index.html, kept on window (evaluate awaits it in both
 * engines): 'render' or 'error' from the spectrum element, 'page-error' (the drop zone's error
 * line) or 'chooser' (the array chooser opened). Read it with `outcome`.
 */
export function armOutcome() {
  window.__eigenlensOutcome = new Promise((resolve) => {
    const spectrum = document.querySelector('#spectrum');
    const obs = new MutationObserver(() => check());
    const done = (what) => {
      spectrum.removeEventListener('eigenlens-render', onRender);
      spectrum.removeEventListener('eigenlens-error', onError);
      obs.disconnect();
      resolve(what);
    };
    const onRender = () => done('render');
    const onError = () => done('error');
    const check = () => {
      if (!document.querySelector('#error').hidden) done('page-error');
      else if (!document.querySelector('#chooser').hidden) done('chooser');
    };
    spectrum.addEventListener('eigenlens-render', onRender);
    spectrum.addEventListener('eigenlens-error', onError);
    obs.observe(document.querySelector('#input'), { subtree: true, attributes: true, attributeFilter: ['hidden'] });
  });
}

/** What the armed wait resolved with (see armOutcome). */
export function outcome() {
  return window.__eigenlensOutcome;
}
