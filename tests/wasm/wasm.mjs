// The page's wasm module (www/pkg, built by scripts/build-wasm.sh) loaded in Node, whose V8
// runs the same wasm (simd128 included) as Chromium: for checking the wasm build's numbers
// and timing its kernels without a browser.
import { readFileSync, openSync, readSync, fstatSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = join(ROOT, 'www', 'pkg');

/** The wasm-bindgen module, initialised from the .wasm bytes. */
export async function loadWasm() {
  const wasm = await import(join(pkg, 'eigenlens.js'));
  await wasm.default({ module_or_path: readFileSync(join(pkg, 'eigenlens_bg.wasm')) });
  return wasm;
}

/** `analyzeFile` on a file on disk, read in chunks through readAt, as the worker does. */
export function analyzePath(wasm, path, options = {}) {
  const fd = openSync(path, 'r');
  const size = fstatSync(fd).size;
  const readAt = (offset, length) => {
    const buf = new Uint8Array(length);
    const n = readSync(fd, buf, 0, length, offset);
    return buf.subarray(0, n);
  };
  return wasm.analyzeFile(readAt, size, basename(path), undefined, options, () => true);
}
