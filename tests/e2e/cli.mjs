// The native command line, for browser tests that compare the page with it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './browser.mjs';

let built = false;

/** Runs `eigenlens ARGS... --json` (built on first use) and returns the parsed output. */
export function cliJson(...args) {
  if (!built) {
    execFileSync('cargo', ['build', '--release', '--quiet', '--bin', 'eigenlens'], { cwd: ROOT, stdio: 'inherit' });
    built = true;
  }
  const out = execFileSync(join(ROOT, 'target', 'release', 'eigenlens'), [...args, '--json'], { maxBuffer: 1 << 28 });
  return JSON.parse(out.toString());
}
