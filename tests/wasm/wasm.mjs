// The page's wasm module (www/pkg, built by scripts/build-wasm.sh) loaded in Node, whose V8
// runs the same wasm (simd128 included) as Chromium: for checking the wasm build's numbers
// and timing its kernels without a browser.
//
// The wasm reads a File itself through web-sys (Blob.slice + FileReaderSync), which Node does
// not have; `diskFile` and the FileReaderSync below stand in for them with synchronous reads
// of a file on disk, so the Rust code under test is the worker's, call for call.
import { readFileSync, openSync, readSync, fstatSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = join(ROOT, 'www', 'pkg');

/** A slice of a file on disk: what `Blob.slice` returns, read by the FileReaderSync below. */
class DiskSlice {
  constructor(fd, start, end) {
    Object.assign(this, { fd, start, end });
  }
}

/** A file on disk with the parts of the `File` interface the wasm uses: name, size, slice. */
class DiskFile {
  constructor(path) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
    this.name = basename(path);
  }

  slice(start = 0, end = this.size) {
    const clamp = (x) => Math.max(0, Math.min(this.size, x < 0 ? this.size + x : x));
    return new DiskSlice(this.fd, clamp(start), Math.max(clamp(start), clamp(end)));
  }
}

/** `FileReaderSync.readAsArrayBuffer` over a DiskSlice, as a worker's reads a Blob. */
class DiskFileReaderSync {
  readAsArrayBuffer(slice) {
    const buf = new Uint8Array(slice.end - slice.start);
    const n = readSync(slice.fd, buf, 0, buf.length, slice.start);
    return buf.buffer.slice(0, n);
  }
}

/** The wasm-bindgen module, initialised from the .wasm bytes, with the stand-in reader. */
export async function loadWasm() {
  globalThis.FileReaderSync ??= DiskFileReaderSync;
  const wasm = await import(join(pkg, 'eigenlens.js'));
  await wasm.default({ module_or_path: readFileSync(join(pkg, 'eigenlens_bg.wasm')) });
  return wasm;
}

/** A file on disk as the worker hands it to the wasm. */
export const diskFile = (path) => new DiskFile(path);

/** `OpenedFile.analyze` on a file on disk, as the worker's `analyze` message runs it. */
export function analyzePath(wasm, path, options = {}, key = undefined) {
  const opened = new wasm.OpenedFile(diskFile(path), key);
  try {
    return opened.analyze(options, () => true);
  } finally {
    opened.free();
  }
}
