// The npm package's build (`npx vite build -c vite.lib.config.js`): exactly three self-contained
// files in dist-pkg/, at stable names, for a CDN, a notebook widget or a report to load:
//   eigenlens.js        the custom elements and their plots, one ES module with no imports
//   worker.js           the analysis worker, one ES module with no imports
//   eigenlens_bg.wasm   the core
// and loader.js (www/loader.js as written): the classic-script line for a CDN, which shows a
// failure to load inside the figures.
// Not vite's library mode: it inlines assets as base64, and the wasm must stay a file that
// browsers compile while it streams in.
import { readFileSync } from 'node:fs';

/** www/loader.js, copied as written (a classic script: nothing to bundle). */
const loader = {
  name: 'eigenlens-loader',
  generateBundle() {
    this.emitFile({ type: 'asset', fileName: 'loader.js', source: readFileSync('www/loader.js', 'utf8') });
  },
};

export default {
  base: './',
  plugins: [loader],
  publicDir: false,
  build: {
    outDir: 'dist-pkg',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: false,
    rollupOptions: {
      input: { eigenlens: 'www/eigenlens.js' },
      preserveEntrySignatures: 'exports-only',
      output: {
        entryFileNames: '[name].js',
        assetFileNames: '[name][extname]',
        inlineDynamicImports: true,
      },
    },
  },
  worker: {
    format: 'es',
    rollupOptions: { output: { entryFileNames: 'worker.js', assetFileNames: '[name][extname]' } },
  },
};
