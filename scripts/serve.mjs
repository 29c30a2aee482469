// A static file server for the built page (npm start, and the browser tests).
// It serves files only; the page sends nothing back.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.npy': 'application/octet-stream',
};

/** Serves `root` on `port` (0 = any free port); resolves to the http.Server once listening.
 *  `prefix` mounts it at a sub-path (e.g. '/blog/post/', as on a static host); anything outside is 404.
 *  `headers` are added to every answer (e.g. CORS, as a CDN sends). */
export function serve(root, port = 0, host = '127.0.0.1', { prefix = '/', headers = {} } = {}) {
  const base = resolve(root);
  const mount = `/${prefix.replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/');
  const server = createServer(async (req, res) => {
    try {
      let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      if (!path.startsWith(mount)) throw new Error('outside the mount point');
      path = `/${path.slice(mount.length)}`;
      let file = normalize(join(base, path));
      if (!file.startsWith(base)) throw new Error('outside root');
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  return new Promise((ok) => server.listen(port, host, () => ok(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? 'dist';
  const port = Number(process.env.PORT ?? 8080);
  const server = await serve(root, port);
  console.log(`eigenlens: serving ${root} at http://127.0.0.1:${server.address().port}/ (Ctrl-C to stop)`);
}
