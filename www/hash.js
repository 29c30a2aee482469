// Settings (never data) in the URL hash, so a link reproduces a view for anyone with the same file:
// #estimator=ols&lo=5&hi=200&preset=custom&d=1&seed=3&drop_nonfinite=1&rows=100:300&header=no&transpose=1

/** The settings the hash may carry, in the order they are written. */
export const SETTINGS = ['estimator', 'preset', 'lo', 'hi', 'd', 'seed', 'drop_nonfinite', 'rows',
  'header', 'index_col', 'transpose', 'skip_positions', 'standardize', 'remove_top', 'centre_positions', 'top'];

/** The hash as an object of strings (only known keys; empty values dropped). */
export function readHash(hash = location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const out = {};
  for (const key of SETTINGS) {
    const value = params.get(key);
    if (value !== null && value !== '') out[key] = value;
  }
  return out;
}

/** The hash text for `settings` (null, undefined and '' are left out). */
export function formatHash(settings) {
  const params = new URLSearchParams();
  for (const key of SETTINGS) {
    const value = settings[key];
    if (value !== null && value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `#${text}` : '';
}

/** Merges `settings` into the current hash (keys it does not name are kept) without a history entry. */
export function writeHash(settings, { merge = true } = {}) {
  const next = formatHash(merge ? { ...readHash(), ...settings } : settings);
  if (next === location.hash || (next === '' && location.hash === '')) return;
  history.replaceState(history.state, '', `${location.pathname}${location.search}${next}`);
}
