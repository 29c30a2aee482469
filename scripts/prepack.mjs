// `npm pack` / `npm publish` ship dist-pkg/ (package.json "files"): refuse to pack without it,
// rather than publish a package with no elements in it.
import { existsSync } from 'node:fs';

const files = ['eigenlens.js', 'worker.js', 'eigenlens_bg.wasm', 'loader.js'].map((f) => `dist-pkg/${f}`);
const missing = files.filter((f) => !existsSync(f));
if (missing.length) {
  console.error(`npm pack: ${missing.join(', ')} missing: build the package first (npm run build)`);
  process.exit(1);
}
