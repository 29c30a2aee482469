// Relative paths, so the built site works from any sub-path of any static host.
// Three entries: the page, the embedding example, and `eigenlens.js` (the custom elements) at a
// stable, unhashed name so a blog post can load it with one <script type="module"> line.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Small reference layers served with the site, for embed.html's worked example. */
const DEMO_DATA = {
  'data/plain_h1_test.f32.npy': 'tests/data/digits_mlp/plain_h1_test.f32.npy',
  'data/plain_h2_test.f32.npy': 'tests/data/digits_mlp/plain_h2_test.f32.npy',
  'data/digit_rotation_plain_h1.f32.npy': 'tests/data/sweep/digit_rotation_plain_h1.f32.npy',
  'data/digit_rotation_angle_deg.npy': 'tests/data/sweep/digit_rotation_angle_deg.npy',
};

/** The files of the npm package (dist-pkg/). */
const PACKAGE_FILES = ['eigenlens.js', 'worker.js', 'eigenlens_bg.wasm'];

function demoData() {
  return {
    name: 'eigenlens-demo-data',
    // Dev server: serve the demo data, and /eigenlens.js as the built site names it.
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = req.url.split(/[?#]/)[0].replace(/^\//, '');
        if (path === 'eigenlens.js') req.url = '/www/eigenlens.js';
        else if (DEMO_DATA[path]) return res.end(readFileSync(resolve(DEMO_DATA[path])));
        next();
      });
    },
    generateBundle() {
      for (const [fileName, from] of Object.entries(DEMO_DATA)) {
        this.emitFile({ type: 'asset', fileName, source: readFileSync(resolve(from)) });
      }
      // The npm package's three files (vite.lib.config.js, built first by scripts/build-web.sh),
      // served under pkg/ so the page can write a self-contained report from them.
      for (const name of PACKAGE_FILES) {
        const from = resolve('dist-pkg', name);
        if (!existsSync(from)) this.error(`dist-pkg/${name} is missing: build the package first (bash scripts/build-web.sh)`);
        this.emitFile({ type: 'asset', fileName: `pkg/${name}`, source: readFileSync(from) });
      }
    },
  };
}

export default {
  base: './',
  plugins: [demoData()],
  build: {
    outDir: 'dist',
    target: 'es2022',
    assetsInlineLimit: 0,
    rollupOptions: {
      input: { index: 'index.html', embed: 'embed.html', toy: 'toy.html', eigenlens: 'www/eigenlens.js' },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'eigenlens' ? 'eigenlens.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  worker: { format: 'es' },
};
